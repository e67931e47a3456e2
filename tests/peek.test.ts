/**
 * The pre-join screen's peek: how many people a room holds and whether it is full, asked without
 * joining. The members hear nothing of it, it keeps nothing, and hostile peeks change nothing.
 * One suite, two stores: this process's memory, and nodes sharing a real Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { CloseCode, PROTOCOL_VERSION, encode } from "../protocol/index.ts";
import { turnCredential } from "../signal-server/turn.ts";
import { nodesSharingRedis, serverTests } from "./helpers/servers.ts";
import { openClient, sleep, type App, type TestClient } from "./helpers/ws-client.ts";

const V = PROTOCOL_VERSION;
let clients: TestClient[] = [];
const track = (c: TestClient) => (clients.push(c), c);
const errors = spyOn(console, "error");
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
  const logged = errors.mock.calls.map((args) => args.map(String).join(" "));
  errors.mockClear();
  expect(logged).toEqual([]);
});
afterAll(() => errors.mockRestore());

let roomCounter = 0;
const room = () => `peek-${++roomCounter}-${Math.random().toString(36).slice(2, 8)}`;

async function join(app: App, id: string) {
  const c = track(await openClient(app));
  c.send({ type: "join", room: id });
  return { c, joined: await c.next("joined") };
}
async function peek(c: TestClient, id: string) {
  c.send({ type: "peek", room: id });
  return c.next("occupancy");
}

/** The same behaviour whatever the store: `nodes()` are the servers (one, or several sharing Redis). */
function peekSuite(nodes: () => App[], capacity: number) {
  const first = () => nodes()[0]!;
  const last = () => nodes()[nodes().length - 1]!;

  test("counts the people in a room as it fills and empties, and says when it is full", async () => {
    const id = room();
    const looker = track(await openClient(last()));
    expect(await peek(looker, id)).toEqual({ v: V, type: "occupancy", room: id, people: 0, capacity, iceServers: [] });
    const members = [];
    for (let i = 1; i <= capacity; i++) {
      members.push(await join(first(), id));
      expect((await peek(looker, id)).people).toBe(i);
    }
    // Full: a join is refused, and the peek said so before it.
    const late = track(await openClient(first()));
    late.send({ type: "join", room: id });
    expect((await late.next("error")).code).toBe("room-full");
    members[0]!.c.send({ type: "leave" });
    // A deliberate leave frees the seat at once (Redis answers the leave later: ask until it shows).
    let people = capacity;
    for (let i = 0; i < 50 && people === capacity; i++) {
      people = (await peek(looker, id)).people;
      if (people === capacity) await sleep(20);
    }
    expect(people).toBe(capacity - 1);
    // The peeking socket is still free to join, as the pre-join screen's Join does with it.
    looker.send({ type: "join", room: id });
    expect((await looker.next("joined")).peers).toHaveLength(capacity - 1);
  });

  test("a peek reveals nothing to the members and takes no seat", async () => {
    const id = room();
    const a = await join(first(), id);
    const looker = track(await openClient(last()));
    for (let i = 0; i < 5; i++) expect((await peek(looker, id)).people).toBe(1);
    a.c.send({ type: "ping" });
    await a.c.next("pong");
    await sleep(100);
    expect(a.c.received.map((m) => m.type)).toEqual(["joined", "pong"]);
    // Someone else still gets the second seat, and a, told of them, hears of no one else.
    const b = await join(first(), id);
    expect(b.joined.peers).toEqual([a.joined.self]);
    expect(await a.c.next("peer-joined")).toEqual({ v: V, type: "peer-joined", peer: b.joined.self });
    looker.close();
    await sleep(100);
    expect(a.c.received.map((m) => m.type)).toEqual(["joined", "pong", "peer-joined"]);
  });

  test("a seat held for a rejoin counts (it is kept against the capacity)", async () => {
    const id = room();
    const a = await join(first(), id);
    a.c.close();
    await a.c.closed;
    await sleep(100);
    const looker = track(await openClient(last()));
    expect((await peek(looker, id)).people).toBe(1);
  });
}

describe("peek, one node", () => {
  const start = serverTests();
  let app: App;
  beforeAll(() => {
    app = start({ roomCapacity: 3, ratePerSecond: 200, graceMs: 5_000, joinTimeoutMs: 400 }, { sfu: [] });
  });
  // Without a media server a room holds two people whatever ROOM_CAPACITY says: the peek says two.
  peekSuite(() => [app], 2);

  test("a socket that keeps peeking stays open for its join; one that stops is closed as before", async () => {
    const c = track(await openClient(app));
    for (let i = 0; i < 6; i++) {
      await peek(c, room());
      await sleep(150);
    }
    expect(c.isClosed).toBe(false);
    expect(await c.closeCode(2_000)).toBe(CloseCode.JoinTimeout);
  });

  test("hostile peeks: bad room ids and junk are refused, nothing is created, and the server keeps serving", async () => {
    const health = async () => (await fetch(`http://127.0.0.1:${app.server.port}/healthz`)).json();
    const before = await health();
    for (const bad of ["", "a", "x".repeat(65), "a b", "../etc", "ü-room", 42, null, ["r"], { room: "r" }]) {
      const c = track(await openClient(app));
      c.sendRaw(encode({ type: "peek", room: bad } as never));
      expect((await c.next("error")).code).toBe("bad-room");
      expect(c.pending("occupancy")).toEqual([]);
    }
    // Fields beyond the room are dropped; a peek never makes a room or a seat.
    const d = track(await openClient(app));
    d.sendRaw(encode({ type: "peek", room: room(), token: "t".repeat(5000), peers: ["x"] } as never));
    expect((await d.next("occupancy")).people).toBe(0);
    const after = await health();
    expect({ rooms: after.rooms, seats: after.seats }).toEqual({ rooms: before.rooms, seats: before.seats });
  });

  test("a peek brings relay credentials of a user who is not a member, so the page can prepare its connection; a join brings its own", async () => {
    const turn = start({ turnUrls: ["turn:127.0.0.1:3478?transport=udp"], turnSecret: "s3cr3t", turnTtlS: 600 });
    const c = track(await openClient(turn));
    const id = room();
    const [server] = (await peek(c, id)).iceServers ?? [];
    expect(server?.urls).toEqual(["turn:127.0.0.1:3478?transport=udp"]);
    expect(server?.username).toMatch(/^\d+:lobby-[0-9a-f]{8}$/);
    expect(server?.credential).toBe(
      turnCredential("s3cr3t", server!.username!.split(":")[1]!, 600, (Number(server!.username!.split(":")[0]) - 600) * 1000).credential,
    );
    const again = (await peek(c, id)).iceServers?.[0];
    expect(again?.username).not.toBe(server?.username);
    // Nobody joined: the room is as empty as before, and the joiner's credentials name its seat.
    c.send({ type: "join", room: id });
    const joined = await c.next("joined");
    expect(joined.peers).toEqual([]);
    expect(joined.iceServers[0]?.username).toEndWith(`:${joined.self}`);
  });

  test("a flood of peeks is rate limited like any frame", async () => {
    const flood = start({ ratePerSecond: 20 });
    const c = track(await openClient(flood));
    const id = room();
    for (let i = 0; i < 200; i++) c.send({ type: "peek", room: id });
    expect(await c.closeCode()).toBe(CloseCode.RateLimited);
    expect(c.pending("occupancy").length).toBeLessThanOrEqual(40);
  });
});

describe("peek, nodes sharing Redis", () => {
  const sharing = nodesSharingRedis();
  let nodes: App[] = [];
  beforeAll(async () => {
    ({ nodes } = await sharing(2, { roomCapacity: 3, ratePerSecond: 200, graceMs: 5_000 }));
  });
  peekSuite(() => nodes, 3);
});
