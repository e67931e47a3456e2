/**
 * Group rooms on the real server with real WebSocket clients: when a room turns to the media
 * server, who may join, and the relay of group messages. No media flows here, so Janus is never
 * contacted (the server reaches it only when someone publishes): its address may point nowhere.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { openClient, startTestServer, type App, type TestClient } from "./helpers/ws-client.ts";

let clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
});

let counter = 0;
const room = () => `group-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

async function join(app: App, id: string) {
  const c = await openClient(app);
  clients.push(c);
  c.send({ type: "join", room: id });
  return { c, joined: await c.next("joined") };
}

describe("with a media server", () => {
  let app: App;
  beforeAll(() => {
    app = startTestServer({ roomCapacity: 4, ratePerSecond: 500 }, { sfu: [{ url: "ws://127.0.0.1:9", secret: "unused" }] });
  });
  afterAll(() => app.stop());

  test("two people are direct; the third turns the room to the media server for everyone", async () => {
    const id = room();
    const a = await join(app, id);
    expect(a.joined.mode).toBe("direct");
    const b = await join(app, id);
    expect(b.joined.mode).toBe("direct");
    const c = await join(app, id);
    expect(c.joined.mode).toBe("sfu");
    expect(c.joined.peers.sort()).toEqual([a.joined.self, b.joined.self].sort());
    for (const x of [a, b]) expect(await x.c.next("mode")).toMatchObject({ mode: "sfu" });
    // A fourth joins a group call already.
    const d = await join(app, id);
    expect(d.joined.mode).toBe("sfu");
    // ROOM_CAPACITY holds: the fifth is told the call is full, with its size.
    const e = await openClient(app);
    clients.push(e);
    e.send({ type: "join", room: id });
    const full = await e.next("error");
    expect(full).toMatchObject({ code: "room-full", text: "This call is full (4 people)." });
  });

  test("a join's offer is relayed only into a direct room of one: never to a group", async () => {
    const id = room();
    const sdp = "v=0\r\ns=prepared\r\n";
    const a = await join(app, id);
    const b = await join(app, id);
    await a.c.next("peer-joined");
    const c = await openClient(app);
    clients.push(c);
    c.send({ type: "join", room: id, offer: { session: "sc", sdp } });
    const joined = await c.next("joined");
    expect(joined.mode).toBe("sfu");
    expect(joined.offered).toBeUndefined();
    for (const x of [a, b]) await x.c.next("mode");
    await Bun.sleep(50);
    for (const x of [a, b]) expect(x.c.pending("signal")).toEqual([]);
  });

  test("group messages: to everyone else or to one member, naming the sender; never to strangers", async () => {
    const id = room();
    const a = await join(app, id);
    const b = await join(app, id);
    const c = await join(app, id);
    const payload = new Uint8Array([1, 2, 3, 250]);
    a.c.send({ type: "relay", channel: "chat", data: payload });
    for (const x of [b, c]) {
      const got = await x.c.next("relay");
      expect(got.peer).toBe(a.joined.self);
      expect(got.channel).toBe("chat");
      expect([...got.data]).toEqual([...payload]);
    }
    b.c.send({ type: "relay", channel: "draw", peer: c.joined.self, data: new Uint8Array([7]) });
    expect(await c.c.next("relay")).toMatchObject({ peer: b.joined.self, channel: "draw" });
    // To nobody of this room, or to oneself: refused, nothing relayed.
    a.c.send({ type: "relay", channel: "chat", peer: "someone-else", data: new Uint8Array([1]) });
    expect(await a.c.next("error")).toMatchObject({ code: "unknown-peer" });
    a.c.send({ type: "relay", channel: "chat", peer: a.joined.self, data: new Uint8Array([1]) });
    expect(await a.c.next("error")).toMatchObject({ code: "unknown-peer" });
    // Another room's member never hears it.
    const other = await join(app, room());
    a.c.send({ type: "relay", channel: "chat", data: new Uint8Array([9]) });
    await b.c.next("relay");
    expect(other.c.received.filter((m) => m.type === "relay")).toEqual([]);
  });

  test("malformed group frames are refused with a clear error", async () => {
    const id = room();
    const a = await join(app, id);
    a.c.send({ type: "relay", channel: "video", data: new Uint8Array([1]) } as never);
    expect(await a.c.next("error")).toMatchObject({ code: "bad-frame" });
    a.c.send({ type: "relay", channel: "chat", data: new Uint8Array(64 * 1024 - 200) });
    expect(await a.c.next("error")).toMatchObject({ code: "too-large" });
    a.c.send({ type: "sfu", pc: "both", data: { candidate: null } } as never);
    expect(await a.c.next("error")).toMatchObject({ code: "bad-frame" });
    a.c.send({ type: "sfu-view", want: [{ peer: "x", layer: 5 }] } as never);
    expect(await a.c.next("error")).toMatchObject({ code: "bad-frame" });
    a.c.send({ type: "sfu-view", want: Array.from({ length: 200 }, () => ({ peer: "x", layer: 0 })) });
    expect(await a.c.next("error")).toMatchObject({ code: "bad-frame" });
    // A direct room has no media server connection to speak to.
    a.c.send({ type: "sfu", pc: "pub", data: { description: { type: "offer", sdp: "v=0" } } });
    expect(await a.c.next("error")).toMatchObject({ code: "sfu-failed" });
  });
});

describe("without a media server", () => {
  let app: App;
  beforeAll(() => {
    app = startTestServer({ roomCapacity: 20 });
  });
  afterAll(() => app.stop());

  test("rooms hold two, and the third is told why", async () => {
    const id = room();
    await join(app, id);
    await join(app, id);
    const c = await openClient(app);
    clients.push(c);
    c.send({ type: "join", room: id });
    const full = await c.next("error");
    expect(full.code).toBe("room-full");
    expect(full.text).toBe("This call is full (2 people): group calls need a media server, and this server has none.");
  });
});
