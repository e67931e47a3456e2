/**
 * The first pre-join screen of a call link, drawn without React (issue 21). React and the app's
 * screens are a chunk of their own (ui/render.tsx): compiling and running React, and its renders
 * of the pre-join screen, were most of the joiner's extra CPU before its first frame against a bare
 * WebRTC page, on cores the whole browser keeps full (bench/join, join22 and join23). This screen is
 * the pre-join screen's usual case, drawn from the same snapshots and with the same markup and
 * classes as ui/components/Lobby.tsx: the self preview, the microphone and camera toggles, the
 * level meter, who is in the call, the name, Join. The app's own screen replaces it in React's
 * first commit (which empties #root), a moment after its code has loaded:
 *
 * - when someone stays on this screen QUICK_DWELL_MS after Join can be pressed (the device pickers,
 *   the background and Info come with it);
 * - when the call needs what only the app draws (quickCanShow): a camera or microphone problem,
 *   a room without a key, a room that is empty, a group or full, the call itself;
 * - joining one person, once their face has shown (ui/first-face.ts), over this screen.
 */
import { NAME_MAX } from "../protocol/index.ts";
import type { CallActor } from "../machines/call/call.ts";
import type { LocalMediaActor } from "../machines/media/local-media.ts";
import { pictureOf } from "../machines/media/picture.ts";
import { deferredView } from "./deferred-view.ts";
import { iconElement, type IconName } from "./icons.ts";
import { firstLayerFor } from "./layout.ts";
import { watchMicLevel } from "./mic-level.ts";
import { isFull, lobbyHeading, occupancyText } from "./occupancy.ts";
import { type CallSnapshot, devicesStarting, isEncrypted, joinsOnePerson, phaseOf, showsLobby, statusText } from "./selectors.ts";
import { preJoin } from "./pre-join.ts";

/** How long this screen stays once Join can be pressed, before the app's own replaces it. */
export const QUICK_DWELL_MS = 400;
/**
 * How long the first face stays over this screen at most, once it has shown, while our camera and
 * microphone still start (Join pressed as they started): the app's screens come when they open.
 */
export const DEVICES_AWAITED_MS = 1_000;
/** How long a refresh's status line (showQuickRejoin) stays at most, waiting for the other's face. */
export const QUICK_REJOIN_MS = 1_500;

/**
 * Whether this screen can stand for the app: the pre-join screen of a room with the link's key and
 * one person in it (or not said yet), with nothing unusual to say, Join pressed or not; then their
 * face on its way. A group's or an empty room's call view is drawn by the app as Join is pressed
 * (behind "Joining…", ui App), so the app comes as soon as the room is known to be one.
 */
export function quickCanShow(s: CallSnapshot, faceOnItsWay: boolean): boolean {
  if (faceOnItsWay) return true;
  return showsLobby(s) && isEncrypted(s) && !s.context.local?.issue && joinsOnePerson(s);
}

/**
 * Whether the first screen can stand for the app on a refresh taking its seat back (no pre-join
 * screen: the call's status line only), in a room with the link's key: until the room has
 * answered, while the one other person's stream is on its way, then their face. The app comes as
 * soon as the room is a group or empty, or their stream came with no face to show.
 */
export function quickRejoinCanShow(s: CallSnapshot, faceOnItsWay: boolean): boolean {
  if (faceOnItsWay) return true;
  if (!isEncrypted(s) || !s.context.lobby || !s.context.token || preJoin.shown) return false;
  if (s.matches("preparing") || s.matches({ inRoom: "joining" })) return true;
  if (!s.matches("inRoom")) return false;
  const peers = Object.values(s.context.peers);
  return peers.length === 1 && !peers[0]!.stream;
}

/** Join, as the pre-join screen presses it (here and ui Lobby): into a group, with the layer our tiles will need at first. */
export function pressJoin(actor: Pick<CallActor, "send">, s: CallSnapshot) {
  const o = s.context.occupancy;
  // Pressed while the camera and microphone still start, the call goes in at once and they follow (call.ts preparing).
  if (isFull(o) || s.matches("inRoom")) return;
  const others = o?.people ?? 0;
  const layer = others >= 2 ? firstLayerFor(others, { width: innerWidth, height: innerHeight, dpr: devicePixelRatio || 1 }) : undefined;
  actor.send({ type: "JOIN", layer });
}

/** The encrypted badge's title (here and ui StatusBar). */
export const SECURE_TITLE = "Video, sound and messages can be read only by the people with this call's link, also in a group call through the media server.";

/** What the screen had focused (the app's screen focuses the same control): its key, and the name field's caret. */
export interface QuickFocus {
  key: "name" | "join" | "mic" | "camera";
  caret: [number, number] | null;
}

/** Where the same control is on the app's pre-join screen (ui Lobby). */
const APP_CONTROL: Record<QuickFocus["key"], string> = {
  name: ".lobby .name-field",
  join: ".lobby .lobby-join button",
  mic: ".lobby .lobby-toggles button:nth-of-type(1)",
  camera: ".lobby .lobby-toggles button:nth-of-type(2)",
};

/** Gives the app's screen the focus this one had (after React's first commit). */
export function restoreFocus(focus: QuickFocus | null) {
  if (!focus || (document.activeElement && document.activeElement !== document.body)) return;
  const el = document.querySelector<HTMLElement>(APP_CONTROL[focus.key]);
  if (!el) return;
  el.focus();
  if (focus.caret && el instanceof HTMLInputElement) el.setSelectionRange(focus.caret[0], focus.caret[1]);
}

export interface QuickLobby {
  /** What it had focused last (null: nothing of it). */
  focus(): QuickFocus | null;
  /** Runs `fn` once no press is under way on it (a press begun here and ended on the app's screen would click nothing). */
  whenIdle(fn: () => void): void;
  /** Stops it (its elements are left for React's first commit to clear). */
  stop(): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function toggle(name: string, onClick: () => void) {
  let icon: { name: IconName; svg: SVGSVGElement } | null = null;
  const b = el("button", { type: "button", onclick: onClick }, el("span", { className: "visually-hidden" }, name));
  return {
    b,
    set(pressed: boolean, enabled: boolean, title: string, iconName: IconName) {
      b.setAttribute("aria-pressed", String(pressed));
      b.disabled = !enabled;
      b.title = title;
      if (icon?.name === iconName) return;
      const svg = iconElement(iconName);
      if (icon) icon.svg.replaceWith(svg);
      else b.prepend(svg);
      icon = { name: iconName, svg };
    },
  };
}

/** `fn` the first time only. */
const once = (fn: () => void) => {
  let done = false;
  return () => {
    if (!done) fn();
    done = true;
  };
};

/** The status line with the encrypted badge, as ui StatusBar draws it (Info comes with the app). */
function statusBar() {
  const dot = el("span", { className: "dot" });
  dot.setAttribute("aria-hidden", "true");
  const status = el("p", { className: "status" });
  status.setAttribute("role", "status");
  const badge = el("span", { className: "badge secure", title: SECURE_TITLE });
  badge.append(iconElement("lock"), el("span", { className: "badge-text" }, "End-to-end encrypted"));
  return {
    header: el("header", { className: "topbar" }, dot, status, badge, el("span", { className: "spacer" })),
    draw(s: CallSnapshot) {
      const phase = phaseOf(s);
      if (dot.className !== `dot ${phase}`) dot.className = `dot ${phase}`;
      status.textContent = statusText(s);
    },
  };
}

/**
 * A refresh taking its seat back (quickRejoinCanShow): the call's status line alone, until the
 * other's face shows over it (ui/first-face.ts) and the app's screens come.
 */
export function showQuickRejoin(actor: CallActor, root: HTMLElement): QuickLobby {
  const bar = statusBar();
  const view = deferredView(actor);
  bar.draw(view.getSnapshot());
  root.append(el("div", { className: "call rejoining" }, bar.header));
  const sub = view.subscribe((s) => bar.draw(s));
  return { focus: () => null, whenIdle: (fn) => fn(), stop: () => sub.unsubscribe() };
}

/** Draws the screen into `root` and keeps it in step with the call; returns how to stop it. */
export function showQuickLobby(actor: CallActor, root: HTMLElement): QuickLobby {
  preJoin.shown = true;
  const view = deferredView(actor);
  const id = "quick";
  let focused: QuickFocus | null = null;

  const bar = statusBar();

  const video = el("video", { className: "local-video mirrored", autoplay: true, playsInline: true, muted: true });
  video.setAttribute("aria-label", "Your video");
  const camOff = el("p", { className: "lobby-cam-off" });
  const mic = toggle("Microphone", () => actor.send({ type: "TOGGLE_MIC" }));
  const cam = toggle("Camera", () => actor.send({ type: "TOGGLE_CAMERA" }));
  const meter = el("meter", { min: 0, max: 1, low: 0.1, high: 0.85, optimum: 0.5, value: 0 });
  meter.setAttribute("aria-labelledby", `${id}-meter`);

  const heading = el("h1", {}, lobbyHeading(false));
  const occupancy = el("p", { className: "lobby-occupancy" });
  occupancy.setAttribute("role", "status");
  const name = el("input", {
    id: `${id}-name`,
    type: "text",
    className: "name-field",
    maxLength: NAME_MAX,
    autocomplete: "nickname",
    spellcheck: false,
    placeholder: "How others see you",
  });
  const join = el("button", { type: "button", className: "primary big", textContent: "Join" });
  join.onclick = () => pressJoin(actor, actor.getSnapshot());
  name.oninput = () => actor.send({ type: "SET_NAME", name: name.value });
  name.onblur = () => actor.send({ type: "NAME_DONE" });
  name.onkeydown = (e) => {
    if (e.key !== "Enter") return;
    actor.send({ type: "NAME_DONE" });
    pressJoin(actor, actor.getSnapshot());
  };

  const side = (...children: Node[]) => {
    const section = el("section", { className: "lobby-side" }, ...children);
    section.setAttribute("aria-label", "Before you join");
    return section;
  };
  const screen = el(
    "div",
    { className: "call lobby" },
    bar.header,
    el(
      "main",
      { className: "lobby-body" },
      el(
        "div",
        { className: "lobby-media" },
        el("div", { className: "lobby-preview" }, video, camOff, el("div", { className: "lobby-toggles" }, mic.b, cam.b)),
        el("div", { className: "meter-row" }, el("span", { id: `${id}-meter` }, "Microphone level"), meter),
      ),
      side(
        heading,
        occupancy,
        el("div", { className: "settings-grid" }, el("label", { htmlFor: name.id }, "Your name"), name, el("div", { className: "row lobby-join" }, join)),
      ),
    ),
  );
  const toggles = screen.querySelector(".lobby-toggles")!;
  const keyOf = new Map<EventTarget, QuickFocus["key"]>([
    [name, "name"],
    [join, "join"],
    [mic.b, "mic"],
    [cam.b, "camera"],
  ]);
  screen.addEventListener("focusin", (e) => {
    const key = e.target && keyOf.get(e.target);
    focused = key ? { key, caret: null } : null;
  });
  screen.addEventListener("focusout", (e) => {
    if (!e.relatedTarget || !screen.contains(e.relatedTarget as Node)) focused = null;
  });

  // A press under way (a pointer down, a key held on a control): the app's screen waits for its end.
  let pressing = false;
  let afterPress: (() => void) | null = null;
  const pressed = () => {
    pressing = true;
  };
  const released = () => {
    pressing = false;
    const fn = afterPress;
    afterPress = null;
    // After the click or key's own event (dispatched after the release).
    if (fn) setTimeout(fn, 0);
  };
  screen.addEventListener("pointerdown", pressed);
  screen.addEventListener("keydown", pressed);
  for (const type of ["pointerup", "pointercancel", "keyup"]) window.addEventListener(type, released, true);

  let stream: MediaStream | null = null;
  let metered: MediaStreamTrack | null = null;
  let stopMeter = () => {};
  let joining = false;
  const draw = (s: CallSnapshot) => {
    // Join pressed: the screen stays as it is until the app's replaces it (ui App PreJoin).
    if (joining) return;
    const c = s.context;
    joining = s.matches("inRoom");
    bar.draw(s);
    const starting = devicesStarting(s);
    const local = c.local?.stream ?? null;
    const hasMic = (local?.getAudioTracks().length ?? 0) > 0;
    const hasCam = (local?.getVideoTracks().length ?? 0) > 0;
    if (local !== stream) {
      stream = local;
      video.srcObject = local && pictureOf(local);
      if (local) video.play().catch(() => {});
    }
    // The microphone itself, as ui/media-hooks.ts useMeteredMic reads it here: nobody hears us yet, so
    // what is sent may be the sleeping noise suppression's silence.
    const media = s.children.media as LocalMediaActor | undefined;
    const micTrack = media?.getSnapshot().context.mic ?? local?.getAudioTracks()[0] ?? null;
    if (micTrack !== metered) {
      metered = micTrack;
      stopMeter();
      stopMeter = once(
        watchMicLevel(micTrack && new MediaStream([micTrack]), (level) => {
          meter.value = actor.getSnapshot().context.micOn ? level : 0;
        }),
      );
    }
    // Our own preview is held on its frame once Join is pressed (ui Video `still`).
    if (joining) video.pause();
    // Not a black box: no camera is said where the picture would be (ui Lobby).
    camOff.textContent = !hasCam && !starting ? "No camera" : hasCam && !c.camOn ? "Your camera is off" : "";
    if (camOff.textContent === "") camOff.remove();
    else if (!camOff.parentNode) toggles.before(camOff);
    const micTitle = hasMic ? (c.micOn ? "Join muted" : "Unmute") : starting ? "Your microphone is starting…" : "No microphone";
    const camTitle = hasCam ? (c.camOn ? "Join with the camera off" : "Turn camera on") : starting ? "Your camera is starting…" : "No camera";
    mic.set(c.micOn, hasMic, micTitle, c.micOn ? "mic" : "micOff");
    cam.set(c.camOn, hasCam, camTitle, c.camOn ? "camera" : "cameraOff");
    if (!c.micOn) meter.value = 0;
    const o = c.occupancy;
    // A full call is not one to be ready for, nor to press Join in (ui Lobby): Join comes back once a seat frees up.
    const full = isFull(o);
    heading.textContent = lobbyHeading(full);
    occupancy.classList.toggle("full", full);
    occupancy.textContent = o ? occupancyText(o.people, o.capacity, o.names) : "";
    if (name.value !== c.name && document.activeElement !== name) name.value = c.name;
    join.disabled = full || joining;
    join.textContent = joining ? "Joining…" : "Join";
    if (joining) stopMeter();
  };
  draw(view.getSnapshot());
  root.append(screen);
  const sub = view.subscribe(draw);
  return {
    focus: () => {
      if (focused?.key === "name" && document.activeElement === name) focused.caret = [name.selectionStart ?? 0, name.selectionEnd ?? 0];
      return focused;
    },
    whenIdle(fn) {
      if (pressing) afterPress = fn;
      else fn();
    },
    stop() {
      for (const type of ["pointerup", "pointercancel", "keyup"]) window.removeEventListener(type, released, true);
      sub.unsubscribe();
      stopMeter();
      video.srcObject = null;
    },
  };
}
