/**
 * Boot: create the call actor (with the Stately inspector only when `?inspect` is in the URL),
 * join the room named in the address, and draw. On a call link the first pre-join screen is drawn
 * without React (ui/quick-lobby.ts), and React with the app's screens (ui/render.tsx, a chunk of
 * its own) comes after, when that screen can no longer stand for them; elsewhere it comes at once.
 */
import { createActor, type InspectionEvent } from "xstate";
import { secretFromFragment } from "../protocol/e2ee.ts";
import { callMachine, type CallActor } from "../machines/call/call.ts";
import { backgroundStats, shareFramesWithHands } from "../machines/media/background.ts";
import { awaitAppScreens, faceAwaited, facesOnRejoin, firstFaceShown, showFirstFaces } from "./first-face.ts";
import {
  DEVICES_AWAITED_MS,
  QUICK_DWELL_MS,
  QUICK_REJOIN_MS,
  type QuickFocus,
  type QuickLobby,
  quickCanShow,
  quickRejoinCanShow,
  restoreFocus,
  showQuickLobby,
  showQuickRejoin,
} from "./quick-lobby.ts";
import { routeOf, signalingUrl } from "./route.ts";
import { mark } from "../machines/timeline.ts";
import { pictureShown } from "../machines/answer-first.ts";
import { inFrame, warmCode } from "./code-warm.ts";
import { appEntryUrl } from "./app-entry.ts";

mark("script");

/**
 * The color emoji font served by the app (scripts/build-emoji.ts). Linked from here, not from
 * index.html: a runtime URL the bundler cannot resolve, and the page has no inline style (CSP).
 */
function linkEmojiFont() {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/emoji/font.css";
  document.head.append(link);
}

async function inspector(): Promise<((e: InspectionEvent) => void) | undefined> {
  if (!new URLSearchParams(location.search).has("inspect")) return undefined;
  // Served as its own file so nothing inspector-related loads without ?inspect, and only by a
  // server that allows it (INSPECT=1 or DEV=1): elsewhere the file is not there to load.
  const url = "/inspect/inspect.js";
  const mod = (await import(/* @vite-ignore */ url)) as { createBrowserInspector: () => { inspect: (e: InspectionEvent) => void } };
  return mod.createBrowserInspector().inspect;
}

async function boot() {
  const inspect = await inspector().catch((err) => {
    console.warn("inspector unavailable", err);
    return undefined;
  });
  // Watched in the inspector, the features are the real machines from the first (it draws the logic it is given).
  const machine = inspect ? callMachine.provide({ actors: (await import("../machines/features/index.ts")).featureLogics }) : callMachine;
  const actor: CallActor = createActor(machine, { input: { signalingUrl: signalingUrl(location) }, inspect });
  // An error that stops the call actor is reported here; the page then offers a reload (the
  // top boundary: every useSelector of a stopped actor throws its error while rendering).
  actor.subscribe({ error: (err) => console.error("OneLink stopped: the call actor failed", err) });
  actor.start();
  showFirstFaces(actor);
  const route = routeOf(location.pathname);
  // The key of the call is in the link's fragment, which no server ever receives.
  if (route.kind === "call") actor.send({ type: "START", room: route.room, lobby: true, secret: secretFromFragment(location.hash) });
  window.addEventListener("popstate", () => {
    if (location.pathname === "/" && !actor.getSnapshot().matches("idle")) actor.send({ type: "EXIT" });
  });
  // Once the service worker holds the app's code: its code cache written while the start page (or a call's end) is idle.
  const entry = appEntryUrl();
  if (entry && "serviceWorker" in navigator)
    void navigator.serviceWorker.ready.then(() => warmCode(entry, () => (["idle", "ended", "failed"] as const).some((s) => actor.getSnapshot().matches(s))));
  // For tests and bench/camera: the root actor, the background worker's own figures, and whether hand tracking reads its frames.
  Object.assign(window, { __onelink: actor, __onelinkCamera: { stats: backgroundStats, shareFramesWithHands } });
  const problem = route.kind === "badLink" || route.kind === "notFound" ? route.kind : null;
  const root = document.getElementById("root")!;
  const rejoin = route.kind === "call" && quickRejoinCanShow(actor.getSnapshot(), false);
  const canShow = rejoin ? quickRejoinCanShow : quickCanShow;
  if (route.kind !== "call" || !canShow(actor.getSnapshot(), false)) return void loadApp(actor, problem, null);
  // A refresh taking its seat back shows the other's face as it comes, as a join does, and the app after it.
  facesOnRejoin(rejoin);
  const quick = rejoin ? showQuickRejoin(actor, root) : showQuickLobby(actor, root);
  mark("quick-lobby");
  let drawn = () => {};
  awaitAppScreens(new Promise<void>((resolve) => (drawn = resolve)));
  let dwell: ReturnType<typeof setTimeout> | undefined;
  // A refresh's status line alone stays QUICK_REJOIN_MS at most: then the call's own view, with our picture in it.
  const ceiling = rejoin ? setTimeout(hand, QUICK_REJOIN_MS) : undefined;
  let devicesWait: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const s = actor.getSnapshot();
    if (!canShow(s, faceAwaited.get())) {
      // The other's face shows while our camera and microphone still start (Join pressed as they
      // started, a refresh): the app's screens (their code and first draw, ~100 ms of the main
      // thread) wait for them, DEVICES_AWAITED_MS at most, so that our tracks go out as they open
      // instead of after that work, and the other sees us sooner (bench/join, join30).
      if (firstFaceShown() && s.matches("inRoom") && !s.context.local) return void (devicesWait ??= setTimeout(hand, DEVICES_AWAITED_MS));
      return hand();
    }
    // Join can be pressed: whoever looks at the screen a while gets the app's own (device pickers, Info).
    if (s.matches("lobby")) dwell ??= setTimeout(hand, QUICK_DWELL_MS);
    else if (s.matches("inRoom")) clearTimeout(dwell);
  };
  // After showFirstFaces's own subscription (above): the snapshot that brings their stream has its
  // face on its way by the time this reads it, and the app waits for that face's frame.
  const sub = actor.subscribe(check);
  const stopFace = faceAwaited.subscribe(check);
  let handed = false;
  function hand() {
    if (handed) return;
    handed = true;
    facesOnRejoin(false);
    clearTimeout(ceiling);
    sub.unsubscribe();
    stopFace();
    clearTimeout(dwell);
    clearTimeout(devicesWait);
    loadApp(actor, problem, quick, drawn);
  }
  check();
}

/** After the app's code failed to arrive, the next tries come this long after each failure (the last one repeating)… */
const APP_CODE_RETRY_MS = [500, 1_000, 2_000, 4_000, 8_000];
/** …this many times in all (about 4 minutes), and at once when the browser is back online. */
const APP_CODE_TRIES = 30;

/**
 * Loads React and the app's screens (ui/render.tsx) and draws them in place of the first pre-join screen, if any.
 * The code may not come: a first visit (no service worker yet) whose server restarts, or a network that drops. The
 * browser fetches a failed import anew, so it is tried again; meanwhile the first pre-join screen stays and works
 * (Join, the other's face), and a page without one says it is trying.
 */
function loadApp(actor: CallActor, problem: "badLink" | "notFound" | null, quick: QuickLobby | null, drawn = () => {}) {
  mark("app-asked");
  const root = document.getElementById("root")!;
  const say = (text: string) => {
    const note = document.createElement("p");
    note.setAttribute("role", "status");
    note.textContent = text;
    root.replaceChildren(note);
  };
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let trying = false;
  const retryNow = () => {
    if (trying) return;
    clearTimeout(timer);
    attempt();
  };
  const attempt = () => {
    trying = true;
    import("./render.tsx").then(
      ({ renderApp }) => {
        window.removeEventListener("online", retryNow);
        let focus: QuickFocus | null = null;
        const render = () =>
          renderApp(actor, problem, {
            beforeShown: () => void (focus = quick?.focus() ?? null),
            onShown() {
              if (!quick) return;
              quick.stop();
              restoreFocus(focus);
              mark("app-shown");
              drawn();
            },
          });
        if (quick) quick.whenIdle(render);
        else render();
      },
      (err: unknown) => {
        trying = false;
        failures++;
        console.warn(`OneLink: the app's code did not load (try ${failures} of ${APP_CODE_TRIES})`, err);
        if (failures >= APP_CODE_TRIES) {
          // Still nothing after minutes: the page says so rather than staying half-drawn.
          window.removeEventListener("online", retryNow);
          quick?.stop();
          say("OneLink could not load. Reload the page to try again.");
          return;
        }
        if (failures === 1) {
          window.addEventListener("online", retryNow);
          if (!quick) say("OneLink is not loading yet: trying again…");
        }
        timer = setTimeout(attempt, APP_CODE_RETRY_MS[Math.min(failures, APP_CODE_RETRY_MS.length) - 1]);
      },
    );
  };
  attempt();
}

/** On a call link, the service worker is registered this long after the call's first remote picture… */
const SERVICE_WORKER_AFTER_PICTURE_MS = 2_000;
/** …or this long after the page started if no picture has shown by then (alone in the room, a long look at the preview). */
const SERVICE_WORKER_AT_MOST_MS = 10_000;

/**
 * The worker caches the app shell, never media. Its first install fetches and keeps every file of
 * the build (ui/static/sw.js), on the browser's, network service's and worker's threads: on a call
 * link opened cold that was on the same two cores as the page's way to Join and to the first
 * picture (bench/join, wt-join8), so there it waits for the picture (or a while); the start page
 * registers it at once. Registering an installed worker again changes nothing.
 */
function registerServiceWorker(onCallLink: boolean) {
  // Secure contexts only (https or localhost).
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  const register = () => void navigator.serviceWorker.register("/sw.js").catch((err) => console.warn("service worker not registered", err));
  if (onCallLink) pictureShown.after(register, SERVICE_WORKER_AFTER_PICTURE_MS, SERVICE_WORKER_AT_MOST_MS);
  else register();
}

// In the code-warming frame (ui/code-warm.ts) the app's code is only loaded, with its screens' chunk
// (which may not be there: offline, or a newer build; then there is nothing to warm).
if (inFrame()) import("./render.tsx").catch(() => {});
else {
  linkEmojiFont();
  void boot();
  registerServiceWorker(routeOf(location.pathname).kind === "call");
}
