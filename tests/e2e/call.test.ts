import { describe, expect, test } from "bun:test";
import {
  button,
  newPerson,
  recordPeerConnections,
  useAppAndBrowser,
  waitFor,
  waitForNewFrames,
  waitForStatus,
  openCallLink,
  expectAttribute,
  newCall,
} from "./harness.ts";
import { PANELS_AFTER_PICTURE_MS } from "../../machines/answer-first.ts";
import { countTileRenders, tileRenders } from "./renders.ts";

const ctx = useAppAndBrowser({ ROOM_CAPACITY: "2" });

/** Records every track getUserMedia hands the page (an init script). */
function recordCaptureTracks() {
  const w = window as unknown as { __captured: MediaStreamTrack[] };
  w.__captured = [];
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    w.__captured.push(...stream.getTracks());
    return stream;
  };
}
/** The kinds of the captured tracks still live (a live camera track keeps the camera light on). */
const liveCaptureTracks = (page: import("playwright-core").Page) =>
  page.evaluate(() =>
    (window as unknown as { __captured: MediaStreamTrack[] }).__captured
      .filter((t) => t.readyState === "live")
      .map((t) => t.kind)
      .sort(),
  );

/**
 * What the call's view held the moment it first showed (an init script): the buttons of the closed
 * More menu, which are drawn only once the call's first picture has shown (ui/after-picture.ts).
 */
function recordFirstCallView() {
  const w = window as unknown as { __firstCallView?: { moreButtons: number } };
  const observer = new MutationObserver(() => {
    const view = document.querySelector<HTMLElement>("div.call:not(.lobby)");
    if (!view || view.style.display === "none") return;
    w.__firstCallView = { moreButtons: view.querySelectorAll(".more-menu button").length };
    observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["style"] });
}

describe("the one-link call", () => {
  test("A creates a call, B opens the link, both see each other, toggles and hang up reach the other side", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    await a.context.addInitScript(recordCaptureTracks);
    await a.page.goto(ctx.app.url);
    const link = await newCall(a.page);
    // The call's key rides in the fragment (never sent to a server); the address bar keeps it too.
    expect(link).toMatch(/\/c\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}#[A-Za-z0-9_-]{22}$/);
    expect(a.page.url()).toBe(link);
    await a.page.getByText("End-to-end encrypted").waitFor();
    await waitForNewFrames(a.page, "Your video", 3);

    await b.context.addInitScript(recordFirstCallView);
    const opened = performance.now();
    await openCallLink(b.page, link.replace(/^http:\/\/[^/]+/, ctx.app.url));
    await waitForNewFrames(b.page, "Remote video", 1, 20_000);
    console.log(`B: link opened to first remote frame: ${Math.round(performance.now() - opened)} ms`);
    // The call's view was shown without the closed More menu's buttons; they come after the picture
    // (so that the keyboard shortcuts find them), and More then holds them as before.
    expect(await b.page.evaluate(() => (window as unknown as { __firstCallView?: { moreButtons: number } }).__firstCallView)).toEqual({ moreButtons: 0 });
    await b.page.getByRole("button", { name: "Move self view", exact: true, includeHidden: true }).waitFor({ state: "attached", timeout: 5_000 });
    expect(new URL(b.page.url()).hash).toBe(new URL(link).hash);
    await b.page.getByText("End-to-end encrypted").waitFor();
    await waitForStatus(a.page, "Connected");
    await waitForStatus(b.page, "Connected");
    await waitForNewFrames(a.page, "Remote video", 10);
    // A, who was there first, fetches the panels' code (ui/lazy.tsx) a while after B's picture shows
    // on its page (answer-first.ts `pictureShown`), not while B's way to its own picture shares the machine.
    const lazyOnA = () =>
      a.page.evaluate(() => {
        const at = (n: string) => performance.getEntriesByName(`ol:${n}`)[0]?.startTime ?? Number.NaN;
        const chunks = performance
          .getEntriesByType("resource")
          .filter((e) => /\/chunk-[\w-]+\.js$/.test(new URL(e.name).pathname) && e.startTime > at("offer-in"))
          .map((e) => e.startTime);
        return { firstFrame: at("first-frame"), chunks };
      });
    const lazy = await waitFor(lazyOnA, (l) => l.chunks.length > 0);
    expect(Math.min(...lazy.chunks)).toBeGreaterThanOrEqual(lazy.firstFrame + PANELS_AFTER_PICTURE_MS);
    await waitForNewFrames(b.page, "Remote video", 10);

    // Microphone and camera toggles are reflected on the other side.
    const mic = button(a.page, "Microphone");
    await expectAttribute(mic, "aria-pressed", "true");
    await mic.click();
    await expectAttribute(mic, "aria-pressed", "false");
    await b.page.getByText("Their microphone is muted").waitFor({ timeout: 5_000 });
    await button(a.page, "Camera").click();
    await b.page.getByText("Their camera is off").waitFor({ timeout: 5_000 });
    await mic.click();
    await button(a.page, "Camera").click();
    await b.page.getByText("Their microphone is muted").waitFor({ state: "detached", timeout: 5_000 });
    await b.page.getByText("Their camera is off").waitFor({ state: "detached", timeout: 5_000 });

    // Leave ends the call for both; B may stay for a rejoin or leave too.
    expect(await liveCaptureTracks(a.page)).toEqual(["audio", "video"]);
    await button(a.page, "Leave").click();
    await waitForStatus(a.page, "Call ended");
    await waitForStatus(b.page, "The other person hung up");
    // Hanging up releases A's camera and microphone (their lights go off).
    expect(
      await waitFor(
        () => liveCaptureTracks(a.page),
        (kinds) => kinds.length === 0,
        5_000,
      ),
    ).toEqual([]);
    await button(b.page, "Stay").waitFor();
    await button(b.page, "Leave").click();
    // The end screen: no controls left half-disabled, only Rejoin and Home.
    await button(b.page, "Rejoin").waitFor();
    expect(await b.page.getByRole("navigation", { name: "Call controls" }).count()).toBe(0);
    await button(b.page, "Home").click();
    await button(b.page, "New call").waitFor({ timeout: 5_000 });
    expect(new URL(b.page.url()).pathname).toBe("/");

    // Rejoin opens them again and goes straight back into the room.
    await button(a.page, "Rejoin").click();
    await waitForStatus(a.page, "Waiting for someone to join");
    await waitForNewFrames(a.page, "Your video", 3);
    expect(await liveCaptureTracks(a.page)).toEqual(["audio", "video"]);
    await a.context.close();
    await b.context.close();
  }, 90_000);

  test("a new status line (status bar and tab title) draws none of the stage's tiles again; what a tile shows does", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    const b = await newPerson(ctx.browser, ctx.app.url);
    await a.context.addInitScript(countTileRenders);
    await a.page.goto(ctx.app.url);
    const link = await newCall(a.page);
    await openCallLink(b.page, link.replace(/^http:\/\/[^/]+/, ctx.app.url));
    await waitForStatus(a.page, "Connected · 2 people");
    await waitForNewFrames(a.page, "Remote video", 5);
    // Settled: no tile renders for a second (names, media states and layout arrive after the picture).
    let settled = await tileRenders(a.page);
    for (let i = 0; i < 20; i++) {
      await a.page.waitForTimeout(1_000);
      const now = await tileRenders(a.page);
      if (now === settled) break;
      settled = now;
    }
    // The transport reporting the connection in trouble, then back: the status line changes twice.
    const report = (status: string) =>
      a.page.evaluate((status) => {
        const call = (window as unknown as { __onelink: { getSnapshot(): { context: { peers: object } }; send(e: object): void } }).__onelink;
        for (const peer of Object.keys(call.getSnapshot().context.peers)) call.send({ type: "PEER.STATUS", peer, status });
      }, status);
    await report("unstable");
    await waitForStatus(a.page, "Reconnecting…");
    await waitFor(
      () => a.page.title(),
      (title) => title === "Reconnecting… · OneLink",
      5_000,
    );
    await report("connected");
    await waitForStatus(a.page, "Connected · 2 people");
    await waitFor(
      () => a.page.title(),
      (title) => title === "Connected · 2 people · OneLink",
      5_000,
    );
    expect(await tileRenders(a.page)).toBe(settled);
    // The count sees a tile that has something new to show: B's camera off.
    await button(b.page, "Camera").click();
    await a.page.getByText("Their camera is off").waitFor({ timeout: 5_000 });
    expect(await tileRenders(a.page)).toBeGreaterThan(settled);
    await a.context.close();
    await b.context.close();
  }, 60_000);

  test("a third person opening a full room is told it is full", async () => {
    const people = await Promise.all([0, 1, 2].map(() => newPerson(ctx.browser, ctx.app.url)));
    const [a, b, c] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
    const room = `full-room-${Date.now()}`;
    await c.context.addInitScript(recordCaptureTracks);
    await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
    await waitForStatus(a.page, "Waiting for someone to join");
    await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
    await waitForStatus(b.page, "Connected");
    // The pre-join screen says so and offers no Join.
    await c.page.goto(`${ctx.app.url}/c/${room}`);
    await c.page.locator(".lobby-occupancy").getByText("This call is full (2 people)", { exact: true }).waitFor({ timeout: 20_000 });
    expect(await button(c.page, "Join").isDisabled()).toBe(true);
    // A room that fills between the pre-join screen's look and Join (here: C's page never hears the answer) refuses the join.
    await c.context.addInitScript(() => {
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket["send"]>[0]) {
        if (data instanceof Uint8Array && new TextDecoder("latin1").decode(data).includes("peek")) return;
        send.call(this, data);
      };
    });
    await openCallLink(c.page, `${ctx.app.url}/c/${room}`);
    await waitForStatus(c.page, /This call is full/);
    // C is not in a call: its camera and microphone are released, and Try again says the same.
    expect(
      await waitFor(
        () => liveCaptureTracks(c.page),
        (kinds) => kinds.length === 0,
        5_000,
      ),
    ).toEqual([]);
    await button(c.page, "Try again").click();
    await waitForStatus(c.page, /This call is full/);
    expect(
      await waitFor(
        () => liveCaptureTracks(c.page),
        (kinds) => kinds.length === 0,
        5_000,
      ),
    ).toEqual([]);
    // The two already in the call are unaffected.
    await waitForNewFrames(a.page, "Remote video", 5);
    await Promise.all(people.map((p) => p.context.close()));
  }, 60_000);

  test("speech goes with redundancy (RED first, then Opus) both ways, so a lost packet is not heard", async () => {
    const people = await Promise.all([0, 1].map(() => newPerson(ctx.browser, ctx.app.url)));
    for (const p of people) await p.context.addInitScript(recordPeerConnections);
    const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
    const room = `red-${Date.now()}`;
    await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
    await waitForStatus(a.page, "Waiting for someone to join");
    await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
    await Promise.all([waitForStatus(a.page, "Connected"), waitForStatus(b.page, "Connected")]);
    /** The codecs of the audio section, in order, as each side sent its description. */
    const audioOrder = (page: typeof a.page) =>
      page.evaluate(() => {
        // The call's connection, not the spare made ahead for whoever comes next (which has no description).
        const pc = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.find((p) => p.connectionState === "connected")!;
        const sdp = pc.localDescription!.sdp;
        const section = sdp.slice(sdp.indexOf("m=audio"), sdp.indexOf("m=video"));
        const pts = section.split("\r\n")[0]!.split(" ").slice(3);
        return pts.slice(0, 2).map((pt) => new RegExp(`a=rtpmap:${pt} ([^/]+)/`).exec(section)?.[1]?.toLowerCase());
      });
    expect(await audioOrder(a.page)).toEqual(["red", "opus"]);
    expect(await audioOrder(b.page)).toEqual(["red", "opus"]);
    await Promise.all(people.map((p) => p.context.close()));
  }, 30_000);

  test("the pre-join screen opens the server connection ahead of Join, and joining uses it", async () => {
    const b = await newPerson(ctx.browser, ctx.app.url);
    await b.context.addInitScript(() => {
      const Native = window.WebSocket;
      const opened: WebSocket[] = [];
      Object.assign(window, { __sockets: opened });
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          opened.push(this);
        }
      } as typeof WebSocket;
    });
    const sockets = () => b.page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.map((s) => s.readyState));
    await b.page.goto(`${ctx.app.url}/c/warm-${Date.now()}`);
    await button(b.page, "Join").waitFor();
    // A link without a key: the pre-join screen says what that means for a group.
    await b.page.getByText("not end-to-end encrypted, and the media server could see them").waitFor();
    expect(await b.page.getByText("End-to-end encrypted", { exact: true }).count()).toBe(0);
    expect(await waitFor(sockets, (states) => states.length === 1 && states[0] === WebSocket.OPEN, 5_000)).toEqual([1]);
    await button(b.page, "Join").click();
    await waitForStatus(b.page, "Waiting for someone to join");
    expect(await sockets()).toEqual([1]); // joined over the socket that was already open
    await b.context.close();
  }, 30_000);

  test("the Room ID field rejects bad ids with a clear message and joins a chosen id", async () => {
    const a = await newPerson(ctx.browser, ctx.app.url);
    await a.page.goto(ctx.app.url);
    const field = a.page.getByRole("textbox", { name: "Room ID" });
    await field.fill("no spaces allowed");
    await button(a.page, "Join").click();
    await a.page.getByRole("alert").filter({ hasText: "letters, digits" }).waitFor();
    await field.fill("x".repeat(65));
    await button(a.page, "Join").click();
    await a.page.getByRole("alert").filter({ hasText: "at most 64" }).waitFor();
    await field.fill("my-team_room");
    await button(a.page, "Join").click();
    await waitForStatus(a.page, "Waiting for someone to join");
    expect(new URL(a.page.url()).pathname).toBe("/c/my-team_room");
    expect(new URL(a.page.url()).hash).toBe("");
    // No key: said beside the link, and nothing claims end-to-end encryption.
    await a.page.getByText("not end-to-end encrypted, and the media server could see them").waitFor();
    expect(await a.page.getByText("End-to-end encrypted", { exact: true }).count()).toBe(0);
    await a.context.close();
  }, 30_000);
});
