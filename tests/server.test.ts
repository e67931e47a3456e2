import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { CloseCode, PROTOCOL_VERSION, encode, encodeRaw } from "../protocol/index.ts";
import { serverTests } from "./helpers/servers.ts";
import { httpUrl, openClient, openPair, openSilentSocket, sleep, until, type App, type TestClient } from "./helpers/ws-client.ts";

const V = PROTOCOL_VERSION;

const offer = { description: { type: "offer" as const, sdp: "v=0\r\ns=-\r\n" } };
const answer = { description: { type: "answer" as const, sdp: "v=0\r\ns=answer\r\n" } };
const cand = { candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "0", sdpMLineIndex: 0 } };

let clients: TestClient[] = [];
// The server logs only its own bugs (never a client's mistakes): no test may trigger one.
const errors = spyOn(console, "error");
const track = <T extends { a: TestClient; b: TestClient } | TestClient>(x: T): T => {
  if ("ws" in x) clients.push(x);
  else clients.push(x.a, x.b);
  return x;
};
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
  const logged = errors.mock.calls.map((args) => args.map(String).join(" "));
  errors.mockClear();
  expect(logged).toEqual([]);
});
afterAll(() => errors.mockRestore());

let roomCounter = 0;
const room = () => `room-${++roomCounter}-${Math.random().toString(36).slice(2, 8)}`;

describe("shared server", () => {
  const start = serverTests();
  let app: App;
  beforeAll(() => {
    app = start({ stunUrls: ["stun:127.0.0.1:3478"], ratePerSecond: 200, roomCapacity: 2 });
  });

  test("/healthz reports JSON stats", async () => {
    track(await openPair(app, room()));
    const res = await fetch(httpUrl(app, "/healthz"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, sockets: 2, rooms: 1, seats: 2, connected: 2 });
    expect(typeof body.uptimeS).toBe("number");
  });

  test("two clients pair", async () => {
    const id = room();
    const a = track(await openClient(app));
    a.send({ type: "join", room: id });
    const aJoined = await a.next("joined");
    expect(aJoined).toMatchObject({ v: V, room: id, peers: [], iceServers: [{ urls: ["stun:127.0.0.1:3478"] }] });
    expect(aJoined.self.length).toBeGreaterThan(0);
    expect(aJoined.token.length).toBeGreaterThan(0);
    const b = track(await openClient(app));
    b.send({ type: "join", room: id });
    const bJoined = await b.next("joined");
    expect(bJoined.peers).toEqual([aJoined.self]);
    expect(bJoined.self).not.toBe(aJoined.self);
    expect(await a.next("peer-joined")).toEqual({ v: V, type: "peer-joined", peer: bJoined.self });
    expect(b.pending("peer-joined")).toHaveLength(0);
  });

  test("a join's offer goes to the one person already there, as a signal after peer-joined, and joined says so", async () => {
    const id = room();
    const sdp = "v=0\r\ns=prepared\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n";
    // Alone: nobody to give it to, so it is dropped and joined says nothing of it.
    const a = track(await openClient(app));
    a.send({ type: "join", room: id, offer: { session: "sess-lone", sdp } });
    const aJoined = await a.next("joined");
    expect(aJoined.offered).toBeUndefined();
    const b = track(await openClient(app));
    b.send({ type: "join", room: id, offer: { session: "sess-b", sdp } });
    const bJoined = await b.next("joined");
    expect(bJoined).toMatchObject({ peers: [aJoined.self], offered: true });
    expect(await a.next("peer-joined")).toMatchObject({ peer: bJoined.self });
    expect(await a.next("signal")).toEqual({ v: V, type: "signal", peer: bJoined.self, session: "sess-b", data: { description: { type: "offer", sdp } } });
    // A malformed offer is a bad frame: no seat, nothing relayed.
    const c = track(await openClient(app));
    c.send({ type: "join", room: room(), offer: { session: "", sdp } });
    expect((await c.next("error")).code).toBe("bad-frame");
    c.send({ type: "join", room: room(), offer: { session: "s", sdp: 42 as unknown as string } });
    expect((await c.next("error")).code).toBe("bad-frame");
    expect(c.pending("joined")).toHaveLength(0);
    expect(a.invalid.concat(b.invalid)).toEqual([]);
  });

  test("signals relay both ways, naming the sender as peer, with its session", async () => {
    const { a, b, aId, bId } = track(await openPair(app, room()));
    a.send({ type: "signal", peer: bId, session: "sess-a", data: offer });
    expect(await b.next("signal")).toEqual({ v: V, type: "signal", peer: aId, session: "sess-a", data: offer });
    b.send({ type: "signal", peer: aId, session: "sess-b", data: answer });
    expect(await a.next("signal")).toEqual({ v: V, type: "signal", peer: bId, session: "sess-b", data: answer });
    for (const data of [cand, { candidate: null }]) {
      a.send({ type: "signal", peer: bId, session: "sess-a", data });
      expect((await b.next("signal")).data).toEqual(data);
    }
    expect(a.invalid.concat(b.invalid)).toEqual([]);
  });

  test("relayed signals carry only validated fields", async () => {
    const { a, b, aId, bId } = track(await openPair(app, room()));
    // 20 000 levels of junk: decodable, but the relay would overflow the stack re-encoding it.
    const prefix = encodeRaw({ v: V, type: "signal", peer: bId, session: "s", data: { ...cand, junk: null } });
    const frame = new Uint8Array(prefix.length + 20_000).fill(0x91);
    frame.set(prefix.subarray(0, prefix.length - 1));
    frame[frame.length - 1] = 0xc0;
    a.sendRaw(frame);
    expect(await b.next("signal")).toEqual({ v: V, type: "signal", peer: aId, session: "s", data: cand });
    expect(a.pending("error")).toEqual([]);
  });

  test("relay never crosses rooms", async () => {
    const one = track(await openPair(app, room()));
    const two = track(await openPair(app, room()));
    one.a.send({ type: "signal", peer: two.bId, session: "s", data: offer });
    expect(await one.a.next("error")).toMatchObject({ code: "unknown-peer" });
    one.a.send({ type: "signal", peer: one.aId, session: "s", data: offer });
    expect(await one.a.next("error")).toMatchObject({ code: "unknown-peer" });
    // A round trip inside room two proves anything sent earlier would have arrived by now.
    two.a.send({ type: "signal", peer: two.bId, session: "s2", data: cand });
    expect((await two.b.next("signal")).peer).toBe(two.aId);
    expect(two.b.received.filter((m) => m.type === "signal")).toHaveLength(1);
    expect(two.a.pending("signal").concat(one.b.pending("signal"))).toEqual([]);
  });

  test("a third joiner gets room-full; protocol misuse gets typed errors", async () => {
    const id = room();
    track(await openPair(app, id));
    const c = track(await openClient(app));
    c.send({ type: "signal", peer: "someone", session: "s", data: offer });
    expect(await c.next("error")).toMatchObject({ code: "not-joined" });
    c.send({ type: "join", room: id });
    const full = await c.next("error");
    expect(full.code).toBe("room-full");
    expect(full.text).toContain("2");
    c.send({ type: "join", room: room() });
    await c.next("joined");
    c.send({ type: "join", room: room() });
    expect(await c.next("error")).toMatchObject({ code: "already-joined" });
    expect(c.isClosed).toBe(false);
  });

  test("ping gets pong", async () => {
    const c = track(await openClient(app));
    c.send({ type: "ping" });
    expect(await c.next("pong")).toEqual({ v: V, type: "pong" });
  });

  test("malformed frames get bad-frame errors, then close 4001", async () => {
    const c = track(await openClient(app));
    const bad = ["text frame", new Uint8Array([0xc1, 0xff]), encodeRaw({ v: V, type: "nope" }), encodeRaw([1, 2, 3])];
    for (const frame of bad) {
      c.sendRaw(frame);
      expect(await c.next("error")).toMatchObject({ code: "bad-frame" });
    }
    expect(c.isClosed).toBe(false);
    c.sendRaw(encodeRaw({ v: 99, type: "ping" }));
    expect(await c.next("error")).toMatchObject({ code: "bad-version" });
    expect(await c.closeCode()).toBe(CloseCode.BadFrames);
  });

  test("a frame without a version is malformed (bad-frame), not a newer release (bad-version)", async () => {
    const c = track(await openClient(app));
    for (const v of [undefined, String(V), null]) {
      c.sendRaw(encodeRaw(v === undefined ? { type: "ping" } : { v, type: "ping" }));
      expect(await c.next("error")).toMatchObject({ code: "bad-frame" });
    }
    expect(c.pending("error")).toEqual([]);
  });

  test("a frame over maxFrameBytes closes the socket with 1009", async () => {
    const c = track(await openClient(app));
    c.sendRaw(new Uint8Array(64 * 1024 + 1));
    expect(await c.closeCode()).toBe(CloseCode.TooLarge);
    const d = track(await openClient(app));
    d.sendRaw(encode({ type: "signal", peer: "p", session: "s", data: { description: { type: "offer", sdp: "a".repeat(60_000) } } }));
    expect(await d.next("error")).toMatchObject({ code: "bad-frame" });
  });

  test("leave tells the peer 'left', frees the seat, and empties the room", async () => {
    const id = room();
    const { a, b, aId } = track(await openPair(app, id));
    const before = app.stats().rooms;
    a.send({ type: "leave" });
    expect(await b.next("peer-left")).toEqual({ v: V, type: "peer-left", peer: aId, reason: "left" });
    const c = track(await openClient(app));
    c.send({ type: "join", room: id });
    expect((await c.next("joined")).peers).toHaveLength(1);
    a.send({ type: "join", room: room() }); // the leaver may join elsewhere
    await a.next("joined");
    b.send({ type: "leave" });
    c.send({ type: "leave" });
    await until(() => app.stats().rooms === before, 2000, "room removal");
  });
});

describe("own server", () => {
  const start = serverTests();

  test("rate limiting closes with 4002", async () => {
    const app = start({ ratePerSecond: 5 });
    const c = track(await openClient(app));
    for (let i = 0; i < 40; i++) c.send({ type: "ping" });
    expect(await c.closeCode()).toBe(CloseCode.RateLimited);
    const pongs = c.received.filter((m) => m.type === "pong").length;
    expect(pongs).toBeGreaterThanOrEqual(10);
    expect(pongs).toBeLessThan(15);
    expect(c.received.find((m) => m.type === "error")).toMatchObject({ code: "rate-limited" });
  });

  test("a token rejoin replaces the old socket, the peer sees the same id", async () => {
    const app = start();
    const { a, b, aId, bId, aJoined } = track(await openPair(app, room()));
    const a2 = track(await openClient(app));
    a2.send({ type: "join", room: aJoined.room, token: aJoined.token });
    const again = await a2.next("joined");
    expect(again.self).toBe(aId);
    expect(again.token).toBe(aJoined.token);
    expect(await a.closeCode()).toBe(CloseCode.Replaced);
    expect(await b.next("peer-joined")).toEqual({ v: V, type: "peer-joined", peer: aId });
    // The server has handled the replaced socket's close (only b and a2 are left open) ...
    await until(() => app.stats().sockets === 2, 2000, "the replaced socket's close");
    // ... so anything that close sent b is queued ahead of this pong: nothing can arrive later.
    b.send({ type: "ping" });
    await b.next("pong");
    expect(b.received.filter((m) => m.type === "peer-away" || m.type === "peer-left")).toEqual([]); // not an absence
    b.send({ type: "signal", peer: aId, session: "s", data: cand });
    expect((await a2.next("signal")).peer).toBe(bId);
  });

  test("a dropped member is away, then gone after the grace period", async () => {
    const app = start({ graceMs: 300 });
    const { a, b, aId, bId } = track(await openPair(app, room()));
    a.close();
    expect(await b.next("peer-away")).toEqual({ v: V, type: "peer-away", peer: aId });
    const awayAt = Date.now();
    expect(app.stats()).toMatchObject({ rooms: 1, seats: 2, connected: 1 });
    expect(await b.next("peer-left", 2000)).toEqual({ v: V, type: "peer-left", peer: aId, reason: "gone" });
    expect(Date.now() - awayAt).toBeGreaterThanOrEqual(200);
    expect(app.stats()).toMatchObject({ rooms: 1, seats: 1, connected: 1 });
    b.close();
    await until(() => app.stats().sockets === 0, 2000, "socket close");
    await sleep(400);
    expect(app.stats()).toEqual({ sockets: 0, rooms: 0, seats: 0, connected: 0 });
    expect(bId).not.toBe(aId);
  });

  test("a member back within the grace period keeps its seat", async () => {
    const app = start({ graceMs: 300 });
    const { a, b, aId, aJoined } = track(await openPair(app, room()));
    a.close();
    await b.next("peer-away");
    const a2 = track(await openClient(app));
    a2.send({ type: "join", room: aJoined.room, token: aJoined.token });
    expect((await a2.next("joined")).self).toBe(aId);
    expect(await b.next("peer-joined")).toMatchObject({ peer: aId });
    await sleep(500);
    expect(b.pending("peer-left")).toEqual([]);
  });

  test("stop() closes clients with 1012", async () => {
    const app = start();
    const { a, b } = track(await openPair(app, room()));
    const lone = track(await openClient(app));
    const stopping = app.stop();
    expect(await Promise.all([a.closeCode(), b.closeCode(), lone.closeCode()])).toEqual([1012, 1012, 1012]);
    await stopping;
  });

  test("a silent dead socket is dropped by the idle timeout", async () => {
    const app = start({ idleTimeoutS: 4 });
    const dead = await openSilentSocket(app);
    dead.sendBinary(encode({ type: "join", room: "idle-room" }));
    const live = track(await openClient(app));
    live.send({ type: "join", room: "idle-room" });
    const joined = await live.next("joined");
    expect(joined.peers).toHaveLength(1);
    const started = Date.now();
    expect(await live.next("peer-away", 12_000)).toEqual({ v: V, type: "peer-away", peer: joined.peers[0]! });
    expect(Date.now() - started).toBeGreaterThan(2000);
    await dead.closed;
    // The live client answered the server's pings and is still connected.
    expect(live.isClosed).toBe(false);
    expect(app.stats()).toMatchObject({ sockets: 1, connected: 1 });
  }, 15_000);

  test("a client that stops reading is closed once too much waits for it; its peer is unaffected", async () => {
    const app = start({ maxBufferedBytes: 64 * 1024, ratePerSecond: 1_000_000 });
    // A separate process that joins and never reads (Bun's own sockets always read).
    const stuck = Bun.spawn(["python3", `${import.meta.dir}/helpers/stuck-client.py`, String(app.server.port), "stuck-room", String(V)], { stdout: "pipe" });
    try {
      await stuck.stdout.getReader().read(); // "ready"
      const live = track(await openClient(app));
      live.send({ type: "join", room: "stuck-room" });
      const joined = await live.next("joined");
      expect(joined.peers).toHaveLength(1);
      const big = { description: { type: "offer" as const, sdp: `v=0\r\n${"a=x\r\n".repeat(5000)}` } }; // ~25 KB
      let sent = 0;
      while (app.stats().connected === 2 && sent < 2000) {
        live.send({ type: "signal", peer: joined.peers[0]!, session: "s1", data: big });
        if (++sent % 50 === 0) await sleep(20);
      }
      // Dropped long before the 2,000 frames (50 MB) offered; the sender is told and still served.
      expect(sent).toBeLessThan(2000);
      expect(await live.next("peer-away", 5000)).toEqual({ v: V, type: "peer-away", peer: joined.peers[0]! });
      live.send({ type: "ping" });
      expect(await live.next("pong")).toEqual({ v: V, type: "pong" });
      expect(app.stats()).toMatchObject({ connected: 1, seats: 2 }); // its seat is held for a rejoin, as for any drop
    } finally {
      stuck.kill();
    }
  }, 20_000);

  test("origin allow-list and signaling off", async () => {
    let app = start({ allowedOrigins: ["http://ok.test"] });
    const up = { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } };
    const denied = await fetch(httpUrl(app, "/ws"), { headers: { ...up.headers, origin: "http://evil.test" } });
    expect(denied.status).toBe(403);
    await app.stop();
    app = start({ signaling: false });
    expect((await fetch(httpUrl(app, "/ws"))).status).toBe(404);
  });
});
