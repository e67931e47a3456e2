/**
 * A first visit's page makes the pre-join screen's connection itself while the app's code comes
 * over the network (machines/head-start.ts startFirstConnection, issue 21), and the app takes it
 * (prepared.ts): one connection, made with what the app's own guess would be made with, its
 * candidates and offer kept until Join. Where it could differ from the app's plan (something kept
 * by an earlier visit, a worker serving the code, a refresh back in its seat) none is made; one
 * the app's plan turns out not to fit is closed, and nothing of it is left open or sent.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ICE, harness, pcs, settle, useFakeBrowser } from "../helpers/fake-call.ts";
import { memoryStorage } from "../helpers/memory-storage.ts";
import { adoptFirstConnection, startFirstConnection, startHeadStart } from "../../machines/head-start.ts";
import { LAST_ICE_KEY } from "../../machines/web-storage.ts";

const GLOBAL = "__onelinkHeadStart";
const ROOM = "room-1";
const browser = globalThis as Record<string, unknown>;
const saved = { WebSocket: globalThis.WebSocket };

/** The page's first script on a call link, with no camera or server to reach (only the connection is looked at here). */
function pageStarts() {
  browser.WebSocket = undefined;
  startHeadStart("ws://127.0.0.1:1/ws", ROOM);
  globalThis.WebSocket = saved.WebSocket;
  startFirstConnection(ROOM);
}

describe("the pre-join screen's connection made by a first visit's page", () => {
  useFakeBrowser();
  beforeEach(() => {
    delete browser[GLOBAL];
    browser.localStorage = memoryStorage();
    browser.sessionStorage = memoryStorage();
  });
  afterEach(() => {
    adoptFirstConnection("none"); // one nobody took is closed, not left to its timer
    delete browser[GLOBAL];
    delete browser.localStorage;
    delete browser.sessionStorage;
  });

  test("made before the app's code runs, with the app's guess; a Join pressed at once carries its offer, and the devices take its lines", async () => {
    pageStarts();
    expect(pcs).toHaveLength(1);
    const pc = pcs[0]!;
    expect(pc.config).toMatchObject({ iceServers: [], iceTransportPolicy: "all", iceCandidatePoolSize: 1, bundlePolicy: "max-bundle" });
    expect(pc.channels).toEqual(["control", "chat", "draw"]);
    expect(pc.transceivers.map((t) => [t.receiver.track.kind, t.direction, t.sender.track])).toEqual([
      ["audio", "sendrecv", null],
      ["video", "sendrecv", null],
    ]);
    await settle();
    expect(pc.localDescription?.type).toBe("offer");
    // Gathered before the app is there: in the offer the join carries.
    pc.gather("candidate:1 1 udp 1 10.0.0.2 5000 typ host");

    const h = harness({ holdDevices: true, guess: true });
    h.actor.send({ type: "START", room: ROOM, lobby: true });
    h.actor.send({ type: "JOIN" });
    await settle();
    expect(h.sent.filter((c) => c.type === "SIGNALING.SEND")).toEqual([]);
    const offer = await h.joinOffer();
    expect(offer?.sdp).toContain("o=fake 0 1");
    expect(offer?.sdp).toContain("a=candidate:1 1 udp 1 10.0.0.2 5000 typ host");
    expect(pcs).toHaveLength(1);
    // Gathered once the app has it, before `joined`: kept until then, then sent.
    pc.gather("candidate:2 1 udp 1 10.0.0.3 5000 typ host");
    await settle();
    expect(h.signals()).toEqual([]);
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [], mode: "direct", offered: true });
    await settle();
    expect(h.signals().map((s) => s.data)).toEqual([
      { candidate: { candidate: "candidate:2 1 udp 1 10.0.0.3 5000 typ host", sdpMid: "0", sdpMLineIndex: 0 } } as never,
    ]);
    h.devicesReady(h.outgoingOf());
    await settle();
    expect(pc.transceivers.map((t) => t.sender.track?.id ?? null)).toEqual(["mic-1", "cam-1"]);
    expect(pc.streamsSet).toBe(0);
    expect(pc.offers).toBe(1);
    expect(pc.closed).toBe(false);
    expect(pcs).toHaveLength(1);
  });

  test("none where it could differ from the app's plan: something kept by an earlier visit, a worker serving the code, a refresh back in its seat", () => {
    (browser.localStorage as Storage).setItem(LAST_ICE_KEY, JSON.stringify(ICE));
    pageStarts();
    delete browser[GLOBAL];
    browser.localStorage = memoryStorage();

    const nav = Object.getOwnPropertyDescriptor(globalThis, "navigator");
    Object.defineProperty(globalThis, "navigator", { configurable: true, value: { serviceWorker: { controller: {} } } });
    try {
      pageStarts();
    } finally {
      if (nav) Object.defineProperty(globalThis, "navigator", nav);
    }
    delete browser[GLOBAL];

    (browser.sessionStorage as Storage).setItem(`onelink.seat.${ROOM}`, "seat-token");
    pageStarts();
    expect(pcs).toHaveLength(0);
  });

  test("the peek answers with relay servers before Join: it is closed and the app makes its own with them; nothing of it was sent", async () => {
    pageStarts();
    const first = pcs[0]!;
    const h = harness({ holdDevices: true, guess: true });
    h.actor.send({ type: "START", room: ROOM, lobby: true });
    await settle();
    h.room({ people: 1, iceServers: ICE });
    await settle();
    h.actor.send({ type: "JOIN" });
    await settle();
    expect(first.closed).toBe(true);
    expect(pcs).toHaveLength(2);
    expect(pcs[1]!.config.iceServers).toEqual(ICE);
    expect((await h.joinOffer())?.sdp).toContain("o=fake 1 1");
    expect(pcs[1]!.closed).toBe(false);
  });

  test("the devices ready before Join (a person who looks at the preview first): still the one connection, its lines take their tracks", async () => {
    pageStarts();
    const pc = pcs[0]!;
    const h = harness({ guess: true });
    h.actor.send({ type: "START", room: ROOM, lobby: true });
    await settle();
    expect(h.phase()).toBe("lobby");
    h.actor.send({ type: "JOIN" });
    expect((await h.joinOffer())?.sdp).toContain("o=fake 0 1");
    h.report({ type: "SIGNALING.JOINED", self: "bbb", token: "t", peers: ["aaa"], iceServers: [], mode: "direct", offered: true });
    await settle();
    expect(pc.transceivers.map((t) => t.sender.track?.id ?? null)).toEqual(["mic-1", "cam-1"]);
    expect(pc.offers).toBe(1);
    expect(pcs).toHaveLength(1);
  });

  test("nobody in the room, or a group: the connection made ahead is closed", async () => {
    for (const people of [0, 2]) {
      pcs.length = 0;
      delete browser[GLOBAL];
      pageStarts();
      const h = harness({ guess: true });
      h.actor.send({ type: "START", room: ROOM, lobby: true });
      await settle();
      h.room({ people, iceServers: [] });
      await settle();
      expect(pcs[0]!.closed).toBe(true);
      expect(h.sent.filter((c) => c.type === "SIGNALING.SEND")).toEqual([]);
      h.actor.stop();
    }
  });
});
