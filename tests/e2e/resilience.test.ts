import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import {
  audioEnergy,
  slowDevices,
  freePort,
  newPerson,
  recordPeerConnections,
  startApp,
  useAppAndBrowser,
  waitFor,
  waitForNewFrames,
  waitForStatus,
  openCallLink,
  newCall,
} from "./harness.ts";

const ctx = useAppAndBrowser();

/**
 * A and B in a call. `keyed`: a link made by New call, with its key, as people share them (a refresh
 * then starts on the first screen, ui/quick-lobby.ts); without, a Room ID's link (the app's screens at once).
 */
async function callOf(origin: string, keyed = true) {
  const a = await newPerson(ctx.browser, origin);
  const b = await newPerson(ctx.browser, origin);
  await a.context.addInitScript(recordPeerConnections);
  let link = `${origin}/c/${crypto.randomUUID()}`;
  if (keyed) {
    await a.page.goto(origin);
    link = await newCall(a.page);
  } else {
    await openCallLink(a.page, link);
    await waitForStatus(a.page, "Waiting for someone to join");
  }
  await openCallLink(b.page, link);
  await bothSeeEachOther(a.page, b.page);
  return { a, b };
}

async function bothSeeEachOther(a: Page, b: Page, timeout = 20_000) {
  await Promise.all([waitForStatus(a, "Connected", timeout), waitForStatus(b, "Connected", timeout)]);
  await Promise.all([waitForNewFrames(a, "Remote video", 10, timeout), waitForNewFrames(b, "Remote video", 10, timeout)]);
}

const seatOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { __onelink: { getSnapshot(): { context: { self: string } } } }).__onelink.getSnapshot().context.self);

/** An init script: when the page's first frame of our own view, and of anyone else's, was presented (`window.__firstFrames`). */
function firstFramesNoted() {
  const first: { self?: number; other?: number } = {};
  Object.assign(window, { __firstFrames: first });
  const watched = new WeakSet<HTMLVideoElement>();
  const look = () => {
    for (const v of document.querySelectorAll("video")) {
      if (watched.has(v)) continue;
      watched.add(v);
      v.requestVideoFrameCallback(() => {
        const which = v.getAttribute("aria-label") === "Your video" ? "self" : "other";
        first[which] ??= performance.now();
      });
    }
    if (first.self === undefined || first.other === undefined) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

/** An init script: every WebSocket the page makes, by the time it was made (`window.__sockets`). */
function socketsCounted() {
  const made: number[] = [];
  Object.assign(window, { __sockets: made });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      made.push(performance.now());
    }
  };
}

/**
 * An init script: when the other's face (ui/first-face.ts) first showed a frame on this page, when
 * the call's own view was first in it, and whether a pre-join screen ever was.
 */
function rejoinFaceNoted() {
  const noted: { face?: number; view?: number; lobby?: boolean } = {};
  Object.assign(window, { __rejoin: noted });
  new MutationObserver(() => {
    if (noted.view === undefined && document.querySelector("div.call:not(.lobby, .rejoining)")) noted.view = performance.now();
    if (document.querySelector(".lobby")) noted.lobby = true;
    const face = document.querySelector<HTMLVideoElement>("video.first-face");
    if (face && !face.dataset.watched) {
      face.dataset.watched = "1";
      face.requestVideoFrameCallback(() => (noted.face ??= performance.now()));
    }
  }).observe(document, { childList: true, subtree: true });
}

/** How much later than the fake devices a slow camera and microphone open here (a real webcam takes 0.3-1 s). */
const SLOW_DEVICES_MS = 4_000;

/** The page goes on receiving sound (needs recordPeerConnections): its incoming audio's energy grows. */
async function hearsMore(page: Page) {
  const heard = await audioEnergy(page);
  await waitFor(
    () => audioEnergy(page),
    (e) => e > heard,
    10_000,
  );
}

describe("calls survive refreshes", () => {
  test("the joiner reloads mid-call: same seat, video flows again on both sides with no click", async () => {
    const { a, b } = await callOf(ctx.app.url);
    const seatBefore = await seatOf(b.page);
    await b.context.addInitScript(firstFramesNoted);
    await b.context.addInitScript(socketsCounted);
    await b.page.reload();
    await bothSeeEachOther(a.page, b.page);
    expect(await seatOf(b.page)).toBe(seatBefore);
    // One connection to the server: the page's first script opened it, and the rejoin went on it (a second one
    // opened beside it put the join a round trip later: bench/join, 100 ms away).
    expect(await b.page.evaluate(() => (window as unknown as { __sockets: number[] }).__sockets.length)).toBe(1);
    // Our own view waited for the other's face (its frames were drawn on the cores the rejoin needs), then plays.
    await waitForNewFrames(b.page, "Your video", 3);
    const first = await b.page.evaluate(() => (window as unknown as { __firstFrames: { self?: number; other?: number } }).__firstFrames);
    expect(first.other).toBeNumber();
    expect(first.self).toBeGreaterThanOrEqual(first.other!);
    // The reload rejoined without waiting for its devices (call/inputs.ts returnsAtOnce): its microphone
    // took its place on the new connection as it came, and the other hears it.
    await hearsMore(a.page);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  test("a reload shows the other's face as it comes, before the call's view is drawn, with no pre-join screen", async () => {
    const { a, b } = await callOf(ctx.app.url);
    await b.context.addInitScript(rejoinFaceNoted);
    await b.page.reload();
    await bothSeeEachOther(a.page, b.page);
    const noted = await b.page.evaluate(() => (window as unknown as { __rejoin: { face?: number; view?: number; lobby?: boolean } }).__rejoin);
    expect(noted.face).toBeNumber();
    expect(noted.view).toBeGreaterThan(noted.face!);
    expect(noted.lobby).toBeUndefined();
    // The face went once the call's own picture of them had a frame.
    await b.page.locator("video.first-face").waitFor({ state: "detached", timeout: 10_000 });
    await a.context.close();
    await b.context.close();
  }, 60_000);

  test("a reload whose camera is slow to start sees the other again before it opens, then is seen and heard", async () => {
    const { a, b } = await callOf(ctx.app.url);
    await b.context.addInitScript(firstFramesNoted);
    await b.context.addInitScript(slowDevices, SLOW_DEVICES_MS);
    await b.page.reload();
    await waitForNewFrames(b.page, "Remote video", 5, 20_000);
    const early = await b.page.evaluate(() => ({
      other: (window as unknown as { __firstFrames: { other?: number } }).__firstFrames.other,
      open: (window as unknown as { __devicesOpen?: number }).__devicesOpen,
    }));
    // The other's face came back while our devices were still starting: the rejoin did not wait for them.
    expect(early.other).toBeNumber();
    expect(early.open).toBeUndefined();
    // Once they open, their tracks take their places on the connection: the other sees and hears us.
    await bothSeeEachOther(a.page, b.page);
    await hearsMore(a.page);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  test("the creator reloads mid-call: the same call, video flows again on both sides with no click", async () => {
    const { a, b } = await callOf(ctx.app.url);
    await a.page.reload();
    await bothSeeEachOther(a.page, b.page);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  test("both reload at once and find each other again", async () => {
    const { a, b } = await callOf(ctx.app.url);
    await Promise.all([a.page.reload(), b.page.reload()]);
    await bothSeeEachOther(a.page, b.page);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  test("the other side says Reconnecting, not call ended, while a peer reloads", async () => {
    const { a, b } = await callOf(ctx.app.url);
    // Hold B's page on a blank page briefly, as a slow reload would, then load the call's address
    // again (as a reload does; a history navigation back was once reported aborted by the browser, in CI).
    const link = b.page.url();
    await b.page.goto("about:blank");
    await waitForStatus(a.page, "Reconnecting…", 10_000);
    await b.page.goto(link);
    await bothSeeEachOther(a.page, b.page);
    await a.context.close();
    await b.context.close();
  }, 60_000);
});

test("a peer who closes the tab is reported as gone within seconds, and the other can wait or leave", async () => {
  const { a, b } = await callOf(ctx.app.url);
  await b.context.close();
  const closed = performance.now();
  await waitForStatus(a.page, "The other person left the call", 15_000);
  expect(performance.now() - closed).toBeLessThan(12_000);
  await a.page.getByRole("button", { name: "Stay", exact: true }).click();
  await waitForStatus(a.page, "Waiting for someone to join");
  await a.context.close();
}, 60_000);

test("a picture that froze on the page while its frames are decoded comes back through a new connection, once", async () => {
  const a = await newPerson(ctx.browser, ctx.app.url);
  const b = await newPerson(ctx.browser, ctx.app.url);
  await a.context.addInitScript(recordPeerConnections);
  const renewals: string[] = [];
  a.page.on("console", (m) => m.text().includes("a new connection") && renewals.push(m.text()));
  const room = crypto.randomUUID();
  await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
  await waitForStatus(a.page, "Waiting for someone to join");
  await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
  await bothSeeEachOther(a.page, b.page);
  const calls = () => a.page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.remoteDescription).length);
  const before = await calls();
  // What Chromium did after a relay came back (ui/stuck-picture.ts): the frames of B's stream, still
  // decoded, no longer reach A's <video>. Here only the count the page watches stands still for that
  // stream; the real frames of a new connection's stream are what the test then waits for.
  await a.page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('video[aria-label^="Remote video"]')!;
    const frozen = video.srcObject;
    const real = HTMLVideoElement.prototype.getVideoPlaybackQuality;
    HTMLVideoElement.prototype.getVideoPlaybackQuality = function (this: HTMLVideoElement) {
      const q = real.call(this);
      return this.srcObject === frozen ? ({ ...q, totalVideoFrames: 0 } as VideoPlaybackQuality) : q;
    };
  });
  await a.page.waitForFunction(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.remoteDescription).length > 1, null, {
    timeout: 20_000,
  });
  await bothSeeEachOther(a.page, b.page);
  await a.page.waitForTimeout(7_000); // three more looks of the watch: the new picture moves, nothing more is done
  expect(renewals).toHaveLength(1);
  expect(await calls()).toBe(before + 1);
  expect(await a.page.getByRole("status").innerText()).toStartWith("Connected");
  await a.context.close();
  await b.context.close();
}, 60_000);

describe("calls survive the signaling server", () => {
  test("SIGKILL mid-call: frames keep flowing, both re-register after restart, a reload then works", async () => {
    const port = freePort();
    let server = await startApp({}, port);
    // A Room ID's link: its reload below draws the app's screens at once (the other refreshes here start on the first screen).
    const { a, b } = await callOf(server.url, false);
    await server.stop("SIGKILL");
    await a.page.getByText("Signaling offline").waitFor({ timeout: 15_000 });
    // Media is peer to peer: the call goes on while the server is dead.
    await Promise.all([waitForNewFrames(a.page, "Remote video", 30), waitForNewFrames(b.page, "Remote video", 30)]);
    expect(await a.page.getByRole("status").innerText()).toStartWith("Connected");
    server = await startApp({}, port);
    try {
      await a.page.getByText("Signaling offline").waitFor({ state: "detached", timeout: 20_000 });
      await b.page.getByText("Signaling offline").waitFor({ state: "detached", timeout: 20_000 });
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { connected: number };
      expect(health.connected).toBe(2);
      await b.page.reload();
      await bothSeeEachOther(a.page, b.page);
    } finally {
      await a.context.close();
      await b.context.close();
      await server.stop();
    }
  }, 90_000);
});

test("with the server unreachable the page says so and joins by itself once it is back", async () => {
  const port = freePort();
  let server = await startApp({}, port);
  const a = await newPerson(ctx.browser, server.url);
  await a.page.goto(server.url);
  // The start page drawn (its code, ui/render.tsx, comes after the page's load event) before the server goes.
  const newCallButton = a.page.getByRole("button", { name: "New call", exact: true });
  await newCallButton.waitFor({ timeout: 15_000 });
  await server.stop("SIGKILL");
  try {
    await newCallButton.click();
    await waitForStatus(a.page, "Can't reach the OneLink server. Trying again…", 15_000);
    server = await startApp({}, port);
    await waitForStatus(a.page, "Waiting for someone to join", 20_000);
  } finally {
    await a.context.close();
    await server.stop();
  }
}, 60_000);
