/**
 * The pre-join screen: the microphone and camera toggles on the preview carry into the call (the
 * other side sees us muted and camera-off from the start, and nothing is heard), and the screen
 * says who is already in the call (by name, when the link's key opens their cards) and when it is
 * full, before Join.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import {
  audioEnergy,
  button,
  expectAttribute,
  frames,
  newPerson,
  recordPeerConnections,
  recordSocketFrames,
  slowDevices,
  useAppAndBrowser,
  waitFor,
  waitForNewFrames,
  waitForStatus,
  newCall,
} from "./harness.ts";
import { ARTIFACTS, axeViolations, noHorizontalScroll, smallTargets } from "./layout.ts";
import { newSecret } from "../../protocol/e2ee.ts";
import { startLatencyProxy } from "../../bench/call/latency-proxy.ts";
import { DEVICES_AWAITED_MS } from "../../ui/quick-lobby.ts";

const ctx = useAppAndBrowser();

/**
 * B's offer went with its join (its SDP listing candidates gathered before Join), and not again:
 * after it, only candidates and the answer's traffic. A heard B arrive (after its first
 * `heardBefore` frames), then that offer, relayed as a signal from B.
 */
async function offerWentWithJoin(a: Page, b: Page, heardBefore = 0) {
  const out = (await frames(b, "out")).filter((m) => m.type !== "peek" && m.type !== "ping" && m.type !== "card");
  const join = out[0]!;
  expect(join.type).toBe("join");
  const carried = join.type === "join" ? join.offer : undefined;
  expect(carried?.sdp).toContain("a=candidate:");
  expect(out.filter((m) => m.type === "signal" && "description" in m.data && m.data.description.type === "offer")).toEqual([]);
  const heard = (await frames(a, "in")).slice(heardBefore).filter((m) => m.type === "peer-joined" || m.type === "signal");
  expect(heard[0]).toMatchObject({ type: "peer-joined" });
  expect(heard[1]).toMatchObject({ type: "signal", session: carried?.session, data: { description: { type: "offer", sdp: carried?.sdp } } });
}

/**
 * Holds the app's code that the page's HTML does not name (React and the app's screens among it,
 * ui/render.tsx) until `release()` is called: the first pre-join screen (ui/quick-lobby.ts) stays.
 * With `fail`, that code never comes: its requests fail as on a network that dropped.
 */
async function holdAppCode(page: Page, origin: string, fail = false): Promise<{ release: () => void; aborted: () => number }> {
  const html = await (await fetch(`${origin}/`)).text();
  const named = new Set([...html.matchAll(/(?:src|href)="(\/chunk-[\w-]+\.js)"/g)].map((m) => m[1]));
  expect(named.size).toBe(2);
  let release = () => {};
  let released = false;
  const held = new Promise<void>((resolve) => (release = resolve)).then(() => void (released = true));
  let aborted = 0;
  await page.route(/\/chunk-[\w-]+\.js$/, async (route) => {
    if (named.has(new URL(route.request().url()).pathname)) return route.continue();
    if (fail && !released) {
      aborted++;
      return route.abort("internetdisconnected");
    }
    await held;
    await route.continue();
  });
  return { release, aborted: () => aborted };
}

/** The pre-join screen's parts as a person sees them: tag, class, role, name, text (the device pickers' and Info's left out by neither). */
function lobbySkeleton(page: Page): Promise<string[]> {
  return page
    .locator(".call.lobby")
    .evaluate((lobby) =>
      [...lobby.querySelectorAll(".status, .badge, video, button, meter, h1, .lobby-occupancy, label, input")].map((el) =>
        [
          el.tagName.toLowerCase(),
          el.className,
          el.getAttribute("role") ?? "",
          el.getAttribute("aria-label") ?? "",
          el.getAttribute("title") ?? "",
          (el.textContent ?? "").trim(),
        ].join(" "),
      ),
    );
}

/** The pre-join screen's layout: the toggles inside the preview, the meter just below it, no sideways scroll, 44 px targets, axe clean. */
async function preJoinLayout(page: Page) {
  const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
  const preview = await box(".lobby-preview");
  for (const name of ["Microphone", "Camera"]) {
    const b = (await button(page, name).boundingBox())!;
    expect(b.y).toBeGreaterThanOrEqual(preview.y);
    expect(b.y + b.height).toBeLessThanOrEqual(preview.y + preview.height);
  }
  const meter = await box("meter");
  expect(meter.y - (preview.y + preview.height)).toBeGreaterThanOrEqual(0);
  expect(meter.y - (preview.y + preview.height)).toBeLessThan(40);
  await noHorizontalScroll(page);
  expect(await smallTargets(page)).toEqual([]);
  expect(await axeViolations(page)).toEqual([]);
}

/**
 * An init script: the order in which B's first socket opened and sent, and the first task after
 * its opening, so a test can tell that the peek went out in the open event itself (the page's
 * first script, machines/head-start.ts), not once the app's code had run.
 */
function recordFirstSocket() {
  const w = window as unknown as { __firstSocket: string[]; WebSocket: typeof WebSocket };
  w.__firstSocket = [];
  const Native = w.WebSocket;
  let first = true;
  w.WebSocket = class extends Native {
    private readonly watched = first;
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (!first) return;
      first = false;
      this.addEventListener("open", () => {
        w.__firstSocket.push("open");
        setTimeout(() => w.__firstSocket.push("next task"), 0);
      });
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      if (this.watched) w.__firstSocket.push("send");
      super.send(data);
    }
  };
}

/**
 * An init script: when the first face (ui/first-face.ts) came, when its first frame was presented
 * (requestVideoFrameCallback's presentationTime: its callback runs later, after the page's own) and
 * its size and the kinds of track it played, when it went, when our own preview was held still, when the call's view (`div.call`, not the pre-join screen's) was first in
 * the page, and when the pre-join screen left it.
 */
function recordFirstFace() {
  const w = window as unknown as { __face: Record<string, number | string> };
  const face: Record<string, number | string> = {};
  w.__face = face;
  new MutationObserver((records) => {
    if (face.view === undefined && document.querySelector("div.call:not(.lobby)")) face.view = performance.now();
    if (face.added !== undefined && face.lobbyGone === undefined && !document.querySelector("div.call.lobby")) face.lobbyGone = performance.now();
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (!(n instanceof HTMLVideoElement) || !n.classList.contains("first-face")) continue;
        face.added = performance.now();
        n.requestVideoFrameCallback((_, meta) => {
          face.presented = meta.presentationTime;
          // Handed to the page in the same frame as the app's own callback for it (ui/first-face.ts):
          // the call's view must not have been drawn in between, before this frame was painted.
          face.viewAtFrame = document.querySelector("div.call:not(.lobby)") ? "drawn" : "not yet";
          face.size = `${meta.width}x${meta.height}`;
          // What it plays: their picture only (a sound track, even muted, would start the tab's media session).
          const played = n.srcObject as MediaStream | null;
          face.tracks = played
            ? played
                .getTracks()
                .map((t) => t.kind)
                .join(",")
            : "none";
          const box = n.getBoundingClientRect();
          face.cover = box.left === 0 && box.top === 0 && box.width === innerWidth && box.height === innerHeight ? "window" : `${box.width}x${box.height}`;
        });
      }
      for (const n of r.removedNodes) if (n instanceof HTMLVideoElement && n.classList.contains("first-face")) face.removed = performance.now();
    }
  }).observe(document, { childList: true, subtree: true });
  // Our own preview held still on the screen that is leaving (not paused by its removal from the page).
  document.addEventListener(
    "pause",
    (e) => {
      const v = e.target;
      if (v instanceof HTMLVideoElement && v.isConnected && v.closest(".lobby") && face.previewStill === undefined) face.previewStill = performance.now();
    },
    true,
  );
}

/**
 * An init script: Join clicked by the page itself at the next animation frame after it is enabled
 * (after what that render asked to run at its first frame: the microphone meter's start), and when
 * each AudioContext was made. bench/join's probe clicks at once, in the render's own task.
 */
function joinAtOnceCountingAudio() {
  const w = window as unknown as { __audioAt: number[]; __joinAt?: number; AudioContext: typeof AudioContext };
  w.__audioAt = [];
  const Native = w.AudioContext;
  w.AudioContext = class extends Native {
    constructor(options?: AudioContextOptions) {
      super(options);
      w.__audioAt.push(performance.now());
    }
  };
  new MutationObserver(() => {
    if (w.__joinAt !== undefined) return;
    const join = [...document.querySelectorAll("button")].find((b) => b.textContent === "Join" && !b.disabled);
    if (!join) return;
    w.__joinAt = -1;
    requestAnimationFrame(() => {
      w.__joinAt = performance.now();
      join.click();
    });
  }).observe(document, { childList: true, subtree: true, attributes: true });
}

describe("pre-join", () => {
  test("a call link's page has loaded before the app's code runs (its first script imports that code, named as a module preload), first visit and again; the pre-join screen comes", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    try {
      for (const visit of ["first", "again"]) {
        await a.page.goto(`${ctx.app.url}/c/${crypto.randomUUID()}#${newSecret()}`);
        await button(a.page, "Join").waitFor({ timeout: 15_000 });
        const seen = await a.page.evaluate(() => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          return {
            load: nav.loadEventEnd,
            script: performance.getEntriesByName("ol:script")[0]?.startTime ?? null,
            modules: document.querySelectorAll('script[type="module"]').length,
          };
        });
        expect(seen.modules, visit).toBe(0);
        expect(seen.load, visit).toBeGreaterThan(0);
        expect(seen.script, visit).not.toBeNull();
        // The browser's "loading" (its spinner, drawn all the while) ends before the app starts, not after its start and Join's work.
        expect(seen.load, visit).toBeLessThanOrEqual(seen.script!);
      }
    } finally {
      await a.context.close();
    }
  }, 60_000);

  test("joining with the microphone and camera off: the other side sees it at once, hears nothing, and sees the camera once it is on", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    try {
      await b.context.addInitScript(recordPeerConnections);
      await b.page.goto(ctx.app.url);
      const link = await newCall(b.page);

      await a.page.goto(link);
      const mic = button(a.page, "Microphone");
      const cam = button(a.page, "Camera");
      await expectAttribute(mic, "aria-pressed", "true");
      await expectAttribute(cam, "aria-pressed", "true");
      await mic.click();
      await cam.click();
      await expectAttribute(mic, "aria-pressed", "false");
      await expectAttribute(cam, "aria-pressed", "false");
      await a.page.getByText("Your camera is off", { exact: true }).waitFor();
      await button(a.page, "Join").click();

      await Promise.all([waitForStatus(a.page, "Connected", 20_000), waitForStatus(b.page, "Connected", 20_000)]);
      // In the call, A's own controls show the choice made before joining.
      await expectAttribute(button(a.page, "Microphone"), "aria-pressed", "false");
      await expectAttribute(button(a.page, "Camera"), "aria-pressed", "false");
      // B sees it on A's tile from the start.
      const tile = b.page.locator(".remote");
      await tile.getByText("Their microphone is muted", { exact: true }).waitFor({ timeout: 3_000 });
      await tile.getByText("Their camera is off", { exact: true }).waitFor({ timeout: 3_000 });
      // And hears nothing: A's fake microphone beeps, but its muted track carries silence.
      const before = await audioEnergy(b.page);
      await Bun.sleep(1_500);
      const quiet = (await audioEnergy(b.page)) - before;
      expect(quiet).toBeLessThan(1e-4);

      // A turns the camera on in the call: B's flag goes and A's video decodes.
      await button(a.page, "Camera").click();
      await tile.getByText("Their camera is off", { exact: true }).waitFor({ state: "detached", timeout: 5_000 });
      await waitForNewFrames(b.page, "Remote video", 5);
      // And unmutes: now B hears the beeps.
      await button(a.page, "Microphone").click();
      await tile.getByText("Their microphone is muted", { exact: true }).waitFor({ state: "detached", timeout: 5_000 });
      await waitFor(
        async () => (await audioEnergy(b.page)) - before - quiet,
        (e) => e > 1e-3,
        10_000,
      );
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 60_000);

  test("with the connection and offer prepared on the pre-join screen, nothing leaves B before Join; after it the call connects on that connection", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    try {
      for (const p of [a, b]) {
        await p.context.addInitScript(recordPeerConnections);
        await p.context.addInitScript(recordSocketFrames);
      }
      await b.context.addInitScript(recordFirstSocket);
      await a.page.goto(ctx.app.url);
      const link = await newCall(a.page);
      const heardBefore = (await frames(a.page, "in")).length;

      await b.page.goto(link);
      // B's page learns the room (one person) and prepares its connection and offer.
      await b.page.waitForFunction(() => performance.getEntriesByName("ol:offer-prepared").length > 0, null, { timeout: 15_000 });
      // (Live ones: a guess made before a peek answered late, and replaced by the answer, is closed.)
      const prepared = await b.page.evaluate(() => {
        const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.signalingState !== "closed");
        return pcs.map((pc) => ({ local: pc.localDescription?.type ?? null, remote: pc.remoteDescription?.type ?? null }));
      });
      expect(prepared).toEqual([{ local: "offer", remote: null }]);
      // A first visit (no service worker serves the app's code yet): the page's first script made it
      // while that code came, before the app's script ran (machines/head-start.ts startFirstConnection).
      const [preparing, script] = await b.page.evaluate(() => ["ol:offer-preparing", "ol:script"].map((n) => performance.getEntriesByName(n)[0]?.startTime));
      expect(preparing).toBeLessThan(script!);
      // The peek went out as the socket opened (in the open event's own task), whether the app's
      // code had run by then or not: the page's first script sends it.
      expect((await b.page.evaluate(() => (window as unknown as { __firstSocket: string[] }).__firstSocket)).slice(0, 3)).toEqual([
        "open",
        "send",
        "next task",
      ]);
      await Bun.sleep(1_500);
      // Nothing went out but peeks (and keep-alives): no join, no signal, no candidate.
      expect(new Set((await frames(b.page, "out")).map((m) => m.type))).toEqual(new Set(["peek"]));
      // A heard nothing of B: no arrival, no signal; no connection on A's side; still alone.
      expect((await frames(a.page, "in")).slice(heardBefore).filter((m) => m.type !== "pong")).toEqual([]);
      // (A's one connection is its spare, made ahead to answer with: no description, nothing sent.)
      expect(await a.page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.map((pc) => pc.localDescription?.type ?? null))).toEqual([
        null,
      ]);
      await waitForStatus(a.page, "Waiting for someone to join");
      expect(await a.page.locator(".toasts").innerText()).toBe("");

      await button(b.page, "Join").click();
      await Promise.all([waitForStatus(a.page, "Connected", 20_000), waitForStatus(b.page, "Connected", 20_000)]);
      await Promise.all([waitForNewFrames(a.page, "Remote video", 5), waitForNewFrames(b.page, "Remote video", 5)]);
      // The prepared connection carried the call: B made no other, and its first signal was that offer.
      // (Any later one is B's spare, made a while after joining: no description.)
      expect(
        await b.page.evaluate(() =>
          (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.map((pc) => `${pc.localDescription?.type}/${pc.remoteDescription?.type}`),
        ),
      ).toEqual(expect.arrayContaining(["offer/answer"]));
      expect(
        await b.page.evaluate(
          () =>
            (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.localDescription !== null && pc.signalingState !== "closed").length,
        ),
      ).toBe(1);
      await offerWentWithJoin(a.page, b.page, heardBefore);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 60_000);

  test("Join pressed while a slow camera still starts: in at once, the other's face shows before it opens; once it opens they see and hear us", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    try {
      await a.context.addInitScript(recordPeerConnections);
      await b.context.addInitScript(recordSocketFrames);
      await b.context.addInitScript(slowDevices, 4_000);
      await a.page.goto(ctx.app.url);
      const link = await newCall(a.page);
      await b.page.goto(link);
      await waitForStatus(b.page, "Starting your camera…");
      // The camera and microphone start; nothing has left but the peek.
      expect(new Set((await frames(b.page, "out")).map((m) => m.type))).toEqual(new Set(["peek"]));
      // They are said to be starting, not missing: before Join, and joining while they start.
      const preview = b.page.locator(".lobby-preview");
      const starting = async () => {
        expect(await preview.getByText("No camera", { exact: true }).count()).toBe(0);
        expect(await preview.getByRole("button", { name: "Microphone" }).getAttribute("title")).toBe("Your microphone is starting…");
        expect(await preview.getByRole("button", { name: "Camera" }).getAttribute("title")).toBe("Your camera is starting…");
      };
      await starting();
      await button(b.page, "Join").click();
      await button(b.page, "Joining…").waitFor({ timeout: 5_000 });
      await starting();
      await waitForNewFrames(b.page, "Remote video", 5, 20_000);
      // A's face came while B's devices were still starting: the join did not wait for them. B's own tile says so.
      const selfStarting = b.page.locator(".local").getByText("Camera starting…", { exact: true });
      await selfStarting.waitFor({ timeout: 10_000 });
      expect(await b.page.evaluate(() => (window as unknown as { __devicesOpen?: number }).__devicesOpen)).toBeUndefined();
      // The app's screens (their code, their first draw) waited for them once A's face had shown, DEVICES_AWAITED_MS at
      // most, so that our tracks would go out as they opened rather than after that work.
      const [faceShown, appAsked] = await b.page.evaluate(() =>
        ["ol:first-frame", "ol:app-asked"].map((n) => performance.getEntriesByName(n)[0]?.startTime ?? -1),
      );
      expect(faceShown).toBeGreaterThan(0);
      expect(appAsked - faceShown).toBeGreaterThanOrEqual(DEVICES_AWAITED_MS - 20);
      // A's tile of B says B's camera is starting (B's initials, not a black picture).
      const bStarting = a.page.getByText("Their camera is starting…", { exact: true });
      await bStarting.waitFor({ timeout: 10_000 });
      // Once they open, their tracks take their places on the connection: A sees B, and hears B.
      await b.page.waitForFunction(() => (window as unknown as { __devicesOpen?: number }).__devicesOpen !== undefined, null, { timeout: 15_000 });
      await waitForNewFrames(a.page, "Remote video", 10, 20_000);
      const heard = await audioEnergy(a.page);
      await waitFor(
        () => audioEnergy(a.page),
        (e) => e > heard,
        10_000,
      );
      await bStarting.waitFor({ state: "detached", timeout: 10_000 });
      // The call's own controls have them, on.
      await expectAttribute(button(b.page, "Microphone"), "aria-pressed", "true");
      await expectAttribute(button(b.page, "Camera"), "aria-pressed", "true");
      await waitForNewFrames(b.page, "Your video", 5, 10_000);
      expect(await selfStarting.count()).toBe(0);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 60_000);

  test("joining one person, their face shows over the pre-join screen as its first frame comes, before the call's view is drawn; then its tile takes over", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    try {
      await b.context.addInitScript(recordFirstFace);
      await a.page.goto(ctx.app.url);
      const link = await newCall(a.page);
      await b.page.goto(link);
      await b.page.getByText("1 person is in this call", { exact: true }).waitFor({ timeout: 15_000 });
      await button(b.page, "Join").click();
      await waitForStatus(b.page, "Connected", 20_000);
      await waitForNewFrames(b.page, "Remote video", 5);
      // The face came and showed a decoded frame over the whole window, with the pre-join screen
      // still under it and the call's view not drawn yet; the view came after, and the face went.
      const face = await waitFor(
        () => b.page.evaluate(() => (window as unknown as { __face: Record<string, number | string> }).__face),
        (f) => f.removed !== undefined,
        5_000,
      );
      expect(face.cover).toBe("window");
      expect(face.size).toMatch(/^[1-9]\d*x[1-9]\d*$/);
      expect(face.tracks).toBe("video");
      expect(Number(face.view)).toBeGreaterThan(Number(face.presented));
      expect(face.viewAtFrame).toBe("not yet");
      expect(Number(face.lobbyGone)).toBeGreaterThan(Number(face.presented));
      expect(Number(face.removed)).toBeGreaterThan(Number(face.view));
      // Once Join was pressed our own preview stopped playing (its frames cost the cores the join needs), before the screen left.
      expect(Number(face.previewStill)).toBeLessThan(Number(face.lobbyGone));
      // What stays is the call's own picture of A, playing with its sound: no face left over it.
      expect(await b.page.locator("video.first-face").count()).toBe(0);
      expect(await b.page.locator('video[aria-label^="Remote video"]').evaluate((v: HTMLVideoElement) => ({ muted: v.muted, paused: v.paused }))).toEqual({
        muted: false,
        paused: false,
      });
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 60_000);

  test("Join pressed the frame after it is enabled: the pre-join screen's microphone meter does not start during the join", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    try {
      await b.context.addInitScript(joinAtOnceCountingAudio);
      await a.page.goto(ctx.app.url);
      const link = await newCall(a.page);
      await b.page.goto(link);
      await waitForStatus(b.page, "Connected", 20_000);
      await waitForNewFrames(b.page, "Remote video", 5);
      const seen = await b.page.evaluate(() => {
        const w = window as unknown as { __audioAt: number[]; __joinAt?: number };
        return { joinAt: w.__joinAt ?? null, audioAt: w.__audioAt, picture: performance.getEntriesByName("ol:first-frame")[0]?.startTime ?? null };
      });
      expect(seen.joinAt).not.toBeNull();
      expect(seen.picture).not.toBeNull();
      // No audio graph is made from Join until the other's picture shows (the denoiser's comes after it).
      expect(seen.audioAt.filter((at) => at > seen.joinAt! && at < seen.picture!)).toEqual([]);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 60_000);

  test("far from the server, Join pressed as the pre-join screen shows, before the peek's answer: the offer made on the guess goes with the join and carries the call", async () => {
    // B's page and socket go through a proxy 600 ms away (media between the browsers stays direct):
    // the pre-join screen shows about a round trip before the peek's answer comes back.
    const proxy = await startLatencyProxy(Number(new URL(ctx.app.url).port), 600);
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    try {
      for (const p of [a, b]) {
        await p.context.addInitScript(recordPeerConnections);
        await p.context.addInitScript(recordSocketFrames);
      }
      await a.page.goto(ctx.app.url);
      const link = new URL(await newCall(a.page));
      link.port = String(proxy.port);
      await b.page.goto(link.href, { timeout: 30_000 });
      await button(b.page, "Join").click({ timeout: 30_000 });
      await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
      await Promise.all([waitForNewFrames(a.page, "Remote video", 5), waitForNewFrames(b.page, "Remote video", 5)]);
      // The join went before the peek's answer came, with the offer made while the screen showed.
      const marks = await b.page.evaluate(() =>
        Object.fromEntries(
          ["offer-preparing", "join", "offer-with-join", "peek-answer"].map((n) => [n, performance.getEntriesByName(`ol:${n}`)[0]?.startTime ?? null]),
        ),
      );
      expect(marks["offer-preparing"]!).toBeLessThan(marks.join!);
      // (Pressed before the socket had even opened, the page sent the join instead of a peek: no peek answer at all.)
      expect(marks["offer-with-join"]).not.toBeNull();
      expect(marks["offer-with-join"]!).toBeLessThan(marks["peek-answer"] ?? Number.POSITIVE_INFINITY);
      await offerWentWithJoin(a.page, b.page);
      // That offer's connection is the call's: B's one live connection with descriptions both ways.
      expect(
        await b.page.evaluate(() =>
          (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
            .filter((pc) => pc.signalingState !== "closed" && pc.localDescription)
            .map((pc) => `${pc.localDescription?.type}/${pc.remoteDescription?.type}`),
        ),
      ).toEqual(["offer/answer"]);
    } finally {
      await a.context.close();
      await b.context.close();
      proxy.stop();
    }
  }, 90_000);

  test("the pre-join screen says who is in the call, follows it while open, and refuses Join while the call is full", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    const c = await newPerson(ctx.browser, ctx.app.url);
    const occupancy = (page: Page) => page.locator(".lobby-occupancy");
    const says = (page: Page, text: string) => occupancy(page).getByText(text, { exact: true }).waitFor({ timeout: 20_000 });
    // Counts the sockets C's page opens: the pre-join screen's is the one Join uses.
    await c.context.addInitScript(() => {
      const w = window as unknown as { __sockets: number; WebSocket: typeof WebSocket };
      w.__sockets = 0;
      const Native = w.WebSocket;
      w.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          w.__sockets++;
        }
      };
    });
    try {
      // A room nobody is in.
      await c.page.goto(`${ctx.app.url}/c/nobody-here-${Date.now()}`);
      await says(c.page, "No one else is here yet");

      await b.page.goto(ctx.app.url);
      const link = await newCall(b.page);
      await c.page.goto(link);
      await says(c.page, "1 person is in this call");
      // C's peeks tell B nothing: B is still alone, with no arrival announced.
      await Bun.sleep(1_000);
      await waitForStatus(b.page, "Waiting for someone to join");
      expect(await b.page.locator(".toasts").innerText()).toBe("");

      // A joins: the room (two without a media server) is full, and C's screen follows.
      await a.page.goto(link);
      await says(a.page, "1 person is in this call");
      await button(a.page, "Join").click();
      await waitForStatus(b.page, "Connected", 20_000);
      await says(c.page, "This call is full (2 people)");
      expect(await button(c.page, "Join").isDisabled()).toBe(true);
      // Not "Ready to join?" while no seat is free: the heading says what to do.
      await c.page.getByRole("heading", { name: "Wait for a free seat" }).waitFor({ timeout: 5_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await c.page.screenshot({ path: `${ARTIFACTS}/prejoin-full.png` });
      // Enter in the name field does not join a full call either.
      await c.page.getByRole("textbox", { name: "Your name", exact: true }).press("Enter");
      await Bun.sleep(500);
      expect(await button(c.page, "Join").isVisible()).toBe(true);

      // A leaves: there is room again, and C joins B on the socket the screen kept open.
      await button(a.page, "Leave").click();
      await says(c.page, "1 person is in this call");
      expect(await button(c.page, "Join").isDisabled()).toBe(false);
      await c.page.getByRole("heading", { name: "Ready to join?" }).waitFor({ timeout: 5_000 });
      await button(c.page, "Join").click();
      await Promise.all([waitForStatus(b.page, "Connected", 20_000), waitForStatus(c.page, "Connected", 20_000)]);
      await waitForNewFrames(c.page, "Remote video", 5);
      expect(await c.page.evaluate(() => (window as unknown as { __sockets: number }).__sockets)).toBe(1);
    } finally {
      await a.context.close();
      await b.context.close();
      await c.context.close();
    }
  }, 90_000);

  test("the first pre-join screen, the app's code still coming, says a call that fills up is full and refuses Join", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    const c = await newPerson(ctx.browser, ctx.app.url);
    const says = (page: Page, text: string) => page.locator(".lobby-occupancy").getByText(text, { exact: true }).waitFor({ timeout: 20_000 });
    try {
      await b.page.goto(ctx.app.url);
      const link = await newCall(b.page);
      // C's page keeps its first screen (drawn without React) while the app's code is held back.
      const { release } = await holdAppCode(c.page, ctx.app.url);
      await c.page.goto(link);
      await says(c.page, "1 person is in this call");
      expect(await button(c.page, "Join").isDisabled()).toBe(false);
      await a.page.goto(link);
      await says(a.page, "1 person is in this call");
      await button(a.page, "Join").click();
      await waitForStatus(b.page, "Connected", 20_000);
      // Still the first screen (it has no Info button), and it says what the app's own would: full, wait, no Join.
      await says(c.page, "This call is full (2 people)");
      expect(await button(c.page, "Info").count()).toBe(0);
      expect(await button(c.page, "Join").isDisabled()).toBe(true);
      await c.page.getByRole("heading", { name: "Wait for a free seat" }).waitFor({ timeout: 5_000 });
      // The app's screen, once its code comes, says the same.
      release();
      await button(c.page, "Info").waitFor({ timeout: 20_000 });
      await says(c.page, "This call is full (2 people)");
      expect(await button(c.page, "Join").isDisabled()).toBe(true);
    } finally {
      await a.context.close();
      await b.context.close();
      await c.context.close();
    }
  }, 90_000);

  test("the pre-join screen names who is there, from cards sealed with the link's key; a Room ID typed without the key only counts", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    const c = await newPerson(ctx.browser, ctx.app.url);
    const says = (page: Page, text: string) => page.locator(".lobby-occupancy").getByText(text, { exact: true }).waitFor({ timeout: 20_000 });
    const nameField = (page: Page) => page.getByRole("textbox", { name: "Your name", exact: true });
    const room = `names-${Date.now()}`;
    const link = `${ctx.app.url}/c/${room}#${newSecret()}`;
    try {
      await a.page.goto(link);
      await says(a.page, "No one else is here yet");
      await nameField(a.page).fill("Ada");
      await button(a.page, "Join").click();
      await waitForStatus(a.page, "Waiting for someone to join", 20_000);

      // The second page, holding the link, reads A's name before joining; the line keeps its role.
      await b.page.goto(link);
      await says(b.page, "Ada is in this call");
      expect(await b.page.getByRole("status").filter({ hasText: "Ada is in this call" }).count()).toBe(1);
      // Enabled once its camera and microphone are ready (the screen shows while they start).
      await expectAttribute(button(b.page, "Join"), "disabled", null);
      // The same room typed by its ID, without the link's key: a count, no name.
      await c.page.goto(`${ctx.app.url}/c/${room}`);
      await says(c.page, "1 person is in this call");

      // B joins named: the room (two without a media server) is full, whoever is in it.
      await nameField(b.page).fill("Bob");
      await button(b.page, "Join").click();
      await Promise.all([waitForStatus(a.page, "Connected", 20_000), waitForStatus(b.page, "Connected", 20_000)]);
      await says(c.page, "This call is full (2 people)");
      expect(await button(c.page, "Join").isDisabled()).toBe(true);

      // B leaves: its card goes with its seat; a new page with the link names only A again.
      await button(b.page, "Leave").click();
      await says(c.page, "1 person is in this call");
      const d = await newPerson(ctx.browser, ctx.app.url);
      try {
        await d.page.goto(link);
        await says(d.page, "Ada is in this call");
      } finally {
        await d.context.close();
      }
    } finally {
      await a.context.close();
      await b.context.close();
      await c.context.close();
    }
  }, 90_000);

  test("on a phone and a laptop, the first screen (no React yet) and the app's: toggles over the preview, the level meter right under it, nothing scrolls sideways, axe clean; a name typed on the first carries over, focused", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const host = await newPerson(ctx.browser, ctx.app.url);
    try {
      await host.page.goto(ctx.app.url);
      const link = await newCall(host.page);
      for (const [kind, viewport] of [
        ["phone", { width: 390, height: 844 }],
        ["laptop", { width: 1280, height: 800 }],
      ] as const) {
        const { context, page } = await newPerson(ctx.browser, ctx.app.url);
        try {
          await page.setViewportSize(viewport);
          const { release } = await holdAppCode(page, ctx.app.url);
          await page.goto(link);
          await page.locator(".lobby-occupancy").getByText("1 person is in this call", { exact: true }).waitFor({ timeout: 20_000 });
          await waitForNewFrames(page, "Your video", 3);
          // The first screen: drawn without React, so without what only the app's has (Info, the device pickers).
          expect(await button(page, "Info").count()).toBe(0);
          // Its meter follows the microphone (the fake one beeps).
          await waitFor(
            () => page.locator("meter").evaluate((m: HTMLMeterElement) => m.value),
            (v) => v > 0,
            10_000,
          );
          await preJoinLayout(page);
          await page.screenshot({ path: `${ARTIFACTS}/prejoin-${kind}-first.png` });
          const first = await lobbySkeleton(page);
          const name = page.getByRole("textbox", { name: "Your name" });
          await name.fill("Quinn");
          await name.press("ArrowLeft");
          release();
          await button(page, "Info").waitFor({ timeout: 15_000 });
          // The app's screen has everything the first had, where it was, and the name typed there, still focused.
          const app = await lobbySkeleton(page);
          expect(app).toEqual(expect.arrayContaining(first.filter((e) => !e.startsWith("input name-field"))));
          expect(await name.inputValue()).toBe("Quinn");
          expect(await name.evaluate((el: HTMLInputElement) => [document.activeElement === el, el.selectionStart])).toEqual([true, 4]);
          await preJoinLayout(page);
          await page.screenshot({ path: `${ARTIFACTS}/prejoin-${kind}.png` });
          await button(page, "Microphone").click();
          await button(page, "Camera").click();
          await page.getByText("Your camera is off", { exact: true }).waitFor();
          expect(await axeViolations(page)).toEqual([]);
          await page.screenshot({ path: `${ARTIFACTS}/prejoin-${kind}-off.png` });
        } finally {
          await context.close();
        }
      }
    } finally {
      await host.context.close();
    }
  }, 90_000);

  test("the app's code does not come (a server restarting, a network dropping): the first pre-join screen stays and works, the start page says it is trying, and both get the app once the code comes", async () => {
    const host = await newPerson(ctx.browser, ctx.app.url);
    const { context, page } = await newPerson(ctx.browser, ctx.app.url);
    try {
      await host.page.goto(ctx.app.url);
      const link = await newCall(host.page);
      const code = await holdAppCode(page, ctx.app.url, true);
      await page.goto(link);
      await page.getByText("1 person is in this call", { exact: true }).waitFor({ timeout: 15_000 });
      // Tried again and again (0.5 s, then 1 s after): the first screen is still there, Join still pressable, no error.
      await waitFor(
        async () => code.aborted(),
        (n) => n >= 3,
        10_000,
      );
      expect(await page.locator(".call.lobby").count()).toBe(1);
      expect(await button(page, "Join").isEnabled()).toBe(true);
      expect(await page.getByText("OneLink could not load", { exact: false }).count()).toBe(0);
      code.release();
      // The next try (2 s after the third) brings the app's screen.
      await button(page, "Info").waitFor({ timeout: 10_000 });
      expect(await page.locator(".call.lobby").count()).toBe(1);
    } finally {
      await context.close();
      await host.context.close();
    }
    const start = await newPerson(ctx.browser, ctx.app.url);
    try {
      const code = await holdAppCode(start.page, ctx.app.url, true);
      await start.page.goto(ctx.app.url);
      await start.page.getByRole("status").getByText("OneLink is not loading yet: trying again…", { exact: true }).waitFor({ timeout: 10_000 });
      await waitFor(
        async () => code.aborted(),
        (n) => n >= 2,
        10_000,
      );
      code.release();
      await button(start.page, "New call").waitFor({ timeout: 10_000 });
      expect(await start.page.getByText("OneLink is not loading yet", { exact: false }).count()).toBe(0);
    } finally {
      await start.context.close();
    }
  }, 60_000);

  test("Join on the first screen, before the app's code has come: the other's face shows and stays until the call's view has it; the call goes on", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    try {
      await a.page.goto(ctx.app.url);
      const link = await newCall(a.page);
      const { release } = await holdAppCode(b.page, ctx.app.url);
      await b.page.goto(link);
      await b.page.getByText("1 person is in this call", { exact: true }).waitFor({ timeout: 15_000 });
      expect(await button(b.page, "Info").count()).toBe(0);
      await button(b.page, "Join").click();
      // Their picture is the first face (no tile yet: the app's code is held), over the first screen, and it stays.
      await b.page.locator("video.first-face.shown").waitFor({ timeout: 15_000 });
      await Bun.sleep(1_500);
      expect(await b.page.locator("video.first-face.shown").count()).toBe(1);
      expect(await b.page.locator(".call:not(.lobby)").count()).toBe(0);
      release();
      await waitForStatus(b.page, "Connected", 20_000);
      await waitForStatus(a.page, "Connected", 20_000);
      await b.page.locator("video.first-face").waitFor({ state: "detached", timeout: 10_000 });
      await waitForNewFrames(b.page, "Remote video", 5);
      await waitForNewFrames(a.page, "Remote video", 5);
      expect(await b.page.locator(".call.lobby").count()).toBe(0);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 60_000);
});
