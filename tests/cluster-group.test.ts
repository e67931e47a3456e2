/**
 * Group calls over many nodes and many media servers: three OneLink nodes sharing a real Redis,
 * two real Janus servers (inside the namespace of scripts/netns.sh), real WebSocket clients. No
 * browser media here: a member's offer is enough for its node to place the room and create it on
 * a Janus server (Janus then refuses the offer itself), which the test reads back from Janus.
 * What needs a publisher whose connection is up (dynacast) runs against a fake Janus instead.
 */
import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { RedisClient } from "bun";
import { CloseCode } from "../protocol/index.ts";
import { openJanusSocket, type RunningJanus } from "../scripts/janus.ts";
import { Cluster } from "../signal-server/redis.ts";
import type { JanusSession } from "../signal-server/sfu/janus.ts";
import { Redis, spawnNode, startNode } from "./helpers/cluster.ts";
import { FakeJanus } from "./helpers/fake-janus.ts";
import { startTestJanus } from "./helpers/janus.ts";
import { openClient, sleep, startTestServer, type App, type TestClient } from "./helpers/ws-client.ts";

const offer = { description: { type: "offer" as const, sdp: "v=0\r\ns=-\r\n" } };

let counter = 0;
const room = () => `cg-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Whether Janus at `janus` holds a VideoRoom room `id`. */
async function roomOn(janus: RunningJanus, id: string): Promise<boolean> {
  const socket = await openJanusSocket(janus.url);
  try {
    const session = await socket.request({ janus: "create", apisecret: janus.secret });
    const session_id = (session.data as { id: number }).id;
    const attached = await socket.request({ janus: "attach", plugin: "janus.plugin.videoroom", session_id, apisecret: janus.secret });
    const handle_id = (attached.data as { id: number }).id;
    const reply = await socket.request({ janus: "message", session_id, handle_id, apisecret: janus.secret, body: { request: "exists", room: id } });
    await socket.request({ janus: "destroy", session_id, apisecret: janus.secret });
    return (reply.plugindata as { data: { exists?: boolean } }).data.exists === true;
  } finally {
    socket.close();
  }
}

describe("group calls across nodes and media servers", () => {
  let redis: Redis;
  let store: RedisClient;
  let janus: RunningJanus[];
  let nodes: App[];
  const clients: TestClient[] = [];
  const track = (c: TestClient) => (clients.push(c), c);

  async function joinOn(app: App | string, id: string, token?: string) {
    const c = track(await openClient(app));
    c.send({ type: "join", room: id, ...(token ? { token } : {}) });
    const joined = await c.next("joined", 5000);
    return { c, joined, self: joined.self, token: joined.token };
  }

  /** Three members of a new room, one on each node. */
  async function groupOfThree(id: string) {
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    const c = await joinOn(nodes[2]!, id);
    return [a, b, c] as const;
  }

  beforeAll(async () => {
    redis = await Redis.start();
    store = new RedisClient(redis.url);
    janus = [await startTestJanus({ rtpPorts: "20400-20449" }), await startTestJanus({ rtpPorts: "20450-20499" })];
    const sfu = janus.map((j) => ({ url: j.url, secret: j.secret }));
    nodes = [];
    for (let i = 0; i < 3; i++) nodes.push(await startNode(redis, { roomCapacity: 20, ratePerSecond: 500 }, { sfu }));
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const n of nodes ?? []) await n.stop();
    for (const j of janus ?? []) await j.stop();
    store?.close();
    await redis?.down();
  });

  test("three members on three nodes form a group: all go through the media server, group messages reach everyone", async () => {
    const id = room();
    const [a, b, c] = await groupOfThree(id);
    expect(a.joined.mode).toBe("direct");
    expect(b.joined.mode).toBe("direct");
    expect(c.joined.mode).toBe("sfu");
    expect(c.joined.peers.sort()).toEqual([a.self, b.self].sort());
    for (const x of [a, b]) expect(await x.c.next("mode")).toMatchObject({ mode: "sfu" });

    // To everyone else, across nodes, naming the sender.
    a.c.send({ type: "relay", channel: "chat", data: new Uint8Array([1, 2, 200]) });
    for (const x of [b, c]) {
      const got = await x.c.next("relay");
      expect(got).toMatchObject({ channel: "chat", peer: a.self });
      expect([...got.data]).toEqual([1, 2, 200]);
    }
    // To one member on another node; to a stranger or oneself: refused.
    c.c.send({ type: "relay", channel: "draw", peer: b.self, data: new Uint8Array([7]) });
    expect(await b.c.next("relay")).toMatchObject({ channel: "draw", peer: c.self });
    c.c.send({ type: "relay", channel: "chat", peer: "nobody-here", data: new Uint8Array([1]) });
    expect(await c.c.next("error")).toMatchObject({ code: "unknown-peer" });
    c.c.send({ type: "relay", channel: "chat", peer: c.self, data: new Uint8Array([1]) });
    expect(await c.c.next("error")).toMatchObject({ code: "unknown-peer" });
    expect(a.c.pending("relay")).toEqual([]);

    // Every node takes its member's offer (the room is a group there too), and all of them send
    // the room to the same Janus server.
    for (const x of [a, b, c]) x.c.send({ type: "sfu", pc: "pub", data: offer });
    await eventually(async () => (await Promise.all(janus.map((j) => roomOn(j, id)))).some(Boolean), 10_000, "the room on a Janus");
    const placed = await store.get(`ol:p:${id}`);
    expect(janus.map((j) => j.url)).toContain(placed as string);
    expect(await Promise.all(janus.map((j) => roomOn(j, id)))).toEqual(janus.map((j) => j.url === placed));
    for (const x of [a, b, c]) expect(x.c.pending("error")).toEqual([]);

    // A fourth member on the first node joins a group; one leaving keeps it a group of three.
    const d = await joinOn(nodes[0]!, id);
    expect(d.joined.mode).toBe("sfu");
    a.c.send({ type: "leave" });
    for (const x of [b, c, d]) expect(await x.c.next("peer-left")).toMatchObject({ peer: a.self });
    d.c.send({ type: "relay", channel: "chat", data: new Uint8Array([4]) });
    for (const x of [b, c]) expect(await x.c.next("relay")).toMatchObject({ peer: d.self });

    // Down to two (on different nodes): back to direct for both, after the group's short wait.
    d.c.send({ type: "leave" });
    for (const x of [b, c]) expect(await x.c.next("mode", 10_000)).toMatchObject({ mode: "direct" });
    // Every node knows it: a third member joining on another node than the one that decided
    // turns the room into a group again, and everyone is told.
    const e = await joinOn(nodes[1]!, id);
    expect(e.joined.mode).toBe("sfu");
    for (const x of [b, c]) expect(await x.c.next("mode")).toMatchObject({ mode: "sfu" });
  }, 40_000);

  /** A new group room of three, placed (one member's offer): the server it is on. */
  async function placedRoom(id: string) {
    const members = await groupOfThree(id);
    // As a page does: its offer answers the news that the room is a group.
    await members[0].c.next("mode");
    members[0].c.send({ type: "sfu", pc: "pub", data: offer });
    await eventually(async () => (await store.get(`ol:p:${id}`)) !== null, 5000, "a placement");
    return { members, at: (await store.get(`ol:p:${id}`)) as string };
  }

  test("rooms spread over the media servers by load: the fewest publishers, then the fewest rooms", async () => {
    const [a, b] = janus.map((j) => j.url) as [string, string];
    // Publishers counted on a server keep new rooms off it, whatever the room counts.
    await store.send("HSET", ["ol:sp", a, "50", b, "10"]);
    expect((await placedRoom(room())).at).toBe(b);
    expect((await placedRoom(room())).at).toBe(b);
    await store.send("HSET", ["ol:sp", a, "10", b, "50"]);
    expect((await placedRoom(room())).at).toBe(a);
    // As many publishers on each: the one with fewer rooms.
    await store.send("HDEL", ["ol:sp", a, b]);
    const rooms = await store.send("HGETALL", ["ol:sr"]);
    const count = (url: string) => Number((rooms as Record<string, string>)[url] ?? 0);
    const fewer = count(a) <= count(b) ? a : b;
    expect((await placedRoom(room())).at).toBe(fewer);
  }, 30_000);

  test("a media server dies: its rooms are placed on the other, their members rejoin and publish there", async () => {
    const id = room();
    const { members, at: placed } = await placedRoom(id);
    await members[1].c.next("mode");
    for (const x of members.slice(1)) x.c.send({ type: "sfu", pc: "pub", data: offer });
    const dying = janus.find((j) => j.url === placed) as RunningJanus;
    const other = janus.find((j) => j !== dying) as RunningJanus;
    await eventually(() => roomOn(dying, id), 5000, "the room on its Janus");

    // A room on the surviving server (the dying one is loaded), whose members notice nothing.
    await store.send("HSET", ["ol:sp", dying.url, "100"]);
    const calm = await placedRoom(room());
    expect(calm.at).toBe(other.url);

    process.kill(dying.pid, "SIGKILL");
    // Every node had members there: each sends its own to reconnect, as a restarting server does.
    for (const x of members) expect(await x.c.closeCode(10_000)).toBe(CloseCode.Restart);
    expect(await store.get(`ol:p:${id}`)).toBe(other.url);
    // They rejoin their seats (through any node), still a group, and publish on the other server.
    const back = [];
    for (let i = 0; i < 3; i++) back.push(await joinOn(nodes[(i + 1) % 3]!, id, members[i]!.token));
    for (const x of back) {
      expect(x.joined.mode).toBe("sfu");
      expect(x.joined.keep).toBeUndefined();
    }
    for (const x of back) x.c.send({ type: "sfu", pc: "pub", data: offer });
    await eventually(() => roomOn(other, id), 10_000, "the room on the other Janus");
    for (const x of calm.members) expect(x.c.isClosed).toBe(false);
    // The lost server's publishers count for nothing now.
    expect(await store.send("HGET", ["ol:sp", dying.url])).toBeNull();
  }, 60_000);

  /** A node as a child process (to kill), with the media servers. */
  const spawnSfuNode = (extra: Record<string, string> = {}) =>
    spawnNode(redis, { SFU: "on", SFU_URLS: janus.map((j) => j.url).join(","), SFU_SECRET: janus[0]!.secret, ROOM_CAPACITY: "20", ...extra });

  /** A group of three in a new room: a and b on the first two nodes, c (the third) on `node`. */
  async function groupWithThirdOn(node: { url: string }) {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    const c = await joinOn(node.url, id);
    expect(c.joined.mode).toBe("sfu");
    for (const x of [a, b]) expect(await x.c.next("mode")).toMatchObject({ mode: "sfu" });
    return { id, a, b, c };
  }

  test("a member of a group on a node killed (-9), its seat expiring on a live node with nobody of the room: the others drop it and go direct", async () => {
    // The sweeper is made the node with nobody of the room: the nodes in this process do not sweep.
    const sweep = spyOn(Cluster.prototype as unknown as { sweep: () => Promise<void> }, "sweep").mockImplementation(async () => {});
    const killed = await spawnSfuNode({ SEAT_GRACE_MS: "300" });
    const sweeper = await spawnSfuNode({ SEAT_GRACE_MS: "300" });
    try {
      const { a, b, c } = await groupWithThirdOn(killed);
      killed.proc.kill(9);
      await killed.proc.exited;
      // Its heartbeat runs out (5 s), the sweeper holds c's seat for its grace, then frees it.
      for (const x of [a, b]) expect(await x.c.next("peer-away", 15_000)).toMatchObject({ peer: c.self });
      for (const x of [a, b]) expect(await x.c.next("peer-left", 5000)).toMatchObject({ peer: c.self, reason: "gone" });
      // Two left, on two nodes that both held c as a member: back to direct after the group's wait.
      for (const x of [a, b]) expect(await x.c.next("mode", 10_000)).toMatchObject({ mode: "direct" });
      for (const x of [a, b]) expect(x.c.pending("error")).toEqual([]);
    } finally {
      sweep.mockRestore();
      killed.proc.kill(9);
      sweeper.proc.kill(9);
    }
  }, 40_000);

  test("a member of a group hangs up on a node that frees its seat and is killed (-9) before it says so: the other nodes let it go, and the two left go direct", async () => {
    const killed = await spawnSfuNode();
    try {
      const { id, a, b, c } = await groupWithThirdOn(killed);
      // c's node stops between freeing c's seat (as its leave does) and saying so, and is killed.
      killed.proc.kill("SIGSTOP");
      expect(await store.send("HDEL", [`ol:r:${id}`, c.self])).toBe(1);
      killed.proc.kill(9);
      await killed.proc.exited;
      // No sweep finds a seat of c: the nodes holding the group find it gone from Redis, then go
      // direct after the group's wait (5 s). Their pages are told c is gone (by their own nodes).
      for (const x of [a, b]) expect(await x.c.next("peer-left", 15_000)).toMatchObject({ peer: c.self, reason: "gone" });
      for (const x of [a, b]) expect(await x.c.next("mode", 20_000)).toMatchObject({ mode: "direct" });
      for (const x of [a, b]) expect(x.c.pending("error")).toEqual([]);
    } finally {
      killed.proc.kill(9);
    }
  }, 40_000);

  test("the only node holding a group is killed (-9) during its wait to direct: the two left rejoin through live nodes and are told direct", async () => {
    const killed = await spawnSfuNode();
    try {
      const id = room();
      const a = await joinOn(killed.url, id);
      const b = await joinOn(killed.url, id);
      const c = await joinOn(killed.url, id);
      expect(c.joined.mode).toBe("sfu");
      for (const x of [a, b]) expect(await x.c.next("mode")).toMatchObject({ mode: "sfu" });
      c.c.send({ type: "leave" });
      for (const x of [a, b]) expect(await x.c.next("peer-left")).toMatchObject({ peer: c.self });
      // Well within the group's 5 s wait.
      killed.proc.kill(9);
      await killed.proc.exited;
      for (const x of [a, b]) await x.c.closeCode(5000);
      const back = [await joinOn(nodes[0]!, id, a.token), await joinOn(nodes[1]!, id, b.token)];
      expect(back.map((x) => [x.joined.mode, x.joined.peers])).toEqual([
        ["direct", [b.self]],
        ["direct", [a.self]],
      ]);
      for (const x of back) expect(x.c.pending("error")).toEqual([]);
    } finally {
      killed.proc.kill(9);
    }
  }, 40_000);
});

describe("one node without Redis, two media servers", () => {
  let janus: RunningJanus[];
  let app: App;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    janus = [await startTestJanus({ rtpPorts: "20500-20549" }), await startTestJanus({ rtpPorts: "20550-20599" })];
    app = startTestServer({ roomCapacity: 20, ratePerSecond: 500 }, { sfu: janus.map((j) => ({ url: j.url, secret: j.secret })) });
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await app?.stop();
    for (const j of janus ?? []) await j.stop();
  });

  async function join(id: string, token?: string) {
    const c = await openClient(app);
    clients.push(c);
    c.send({ type: "join", room: id, ...(token ? { token } : {}) });
    const joined = await c.next("joined", 5000);
    return { c, joined, token: joined.token };
  }

  /** A group of three whose offers went to the media server: the Janus it is on. */
  async function group(id: string) {
    const members = [await join(id), await join(id), await join(id)];
    for (const m of members) m.c.send({ type: "sfu", pc: "pub", data: offer });
    let at: RunningJanus | undefined;
    await eventually(
      async () => {
        const on = await Promise.all(janus.map((j) => roomOn(j, id)));
        at = janus[on.indexOf(true)];
        return on.filter(Boolean).length === 1;
      },
      10_000,
      "the room on one Janus",
    );
    return { members, at: at as RunningJanus };
  }

  test("two rooms go to two servers; one server dies: its room moves to the other, its members rejoin, the other room goes on", async () => {
    const first = await group(room());
    const second = await group(room());
    expect(second.at).not.toBe(first.at);

    process.kill(first.at.pid, "SIGKILL");
    for (const m of first.members) expect(await m.c.closeCode(10_000)).toBe(CloseCode.Restart);
    const id = first.members[0]!.joined.room;
    const back = [];
    for (const m of first.members) back.push(await join(id, m.token));
    for (const b of back) {
      expect(b.joined.mode).toBe("sfu");
      expect(b.joined.keep).toBeUndefined();
      b.c.send({ type: "sfu", pc: "pub", data: offer });
    }
    await eventually(() => roomOn(second.at, id), 10_000, "the room on the other Janus");
    for (const m of second.members) expect(m.c.isClosed).toBe(false);
  }, 60_000);
});

describe("dynacast across nodes, through Redis", () => {
  let redis: Redis;
  const janus = new FakeJanus();
  let nodes: App[];
  const clients: TestClient[] = [];
  beforeAll(async () => {
    redis = await Redis.start();
    const options = { sfu: [{ url: "ws://fake", secret: "" }], groups: { openJanus: async () => janus as unknown as JanusSession, layersDownAfterMs: 300 } };
    nodes = [];
    for (let i = 0; i < 2; i++) nodes.push(await startNode(redis, { roomCapacity: 20, ratePerSecond: 500 }, options));
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const n of nodes ?? []) await n.stop();
    await redis?.down();
  });

  async function joinOn(app: App, id: string, layer?: 0 | 1 | 2) {
    const c = await openClient(app);
    clients.push(c);
    c.send({ type: "join", room: id, ...(layer === undefined ? {} : { layer }) });
    const joined = await c.next("joined", 5000);
    return { c, self: joined.self, mode: joined.mode };
  }

  test("a publisher is told the layers its viewers on another node ask for: less once held, more at once", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    const c = await joinOn(nodes[1]!, id, 1);
    expect(c.mode).toBe("sfu");
    await a.c.next("mode");
    a.c.send({ type: "sfu", pc: "pub", data: { description: { type: "offer", sdp: "v=0\r\na=fingerprint:sha-256 a\r\n" } } });
    await eventually(async () => janus.publisherHandle(a.self) !== undefined, 5000, "a publishing");
    janus.publisherHandle(a.self)!.onUp();
    // b has chosen nothing yet: a encodes every layer.
    expect(await a.c.next("sfu-layers", 5000)).toMatchObject({ max: 2 });
    // Both viewers, on the other node, show a small.
    b.c.send({ type: "sfu-view", want: [{ peer: a.self, layer: 0 }] });
    c.c.send({ type: "sfu-view", want: [{ peer: a.self, layer: 0 }] });
    expect(await a.c.next("sfu-layers", 5000)).toMatchObject({ max: 0 });
    // b pins a.
    b.c.send({ type: "sfu-view", want: [{ peer: a.self, layer: 2 }] });
    expect(await a.c.next("sfu-layers", 5000)).toMatchObject({ max: 2 });
    expect(a.c.pending("error")).toEqual([]);
  }, 30_000);
});
