/**
 * Many nodes sharing rooms through Redis (REDIS_URL): a real redis-server on a free loopback port,
 * real nodes (in this process, and as child processes where one is killed), real WebSocket clients.
 */
import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { RedisClient } from "bun";
import { CloseCode, PROTOCOL_VERSION } from "../protocol/index.ts";
import { Cluster } from "../signal-server/redis.ts";
import { Redis, spawnNode, startForwarder, startNode } from "./helpers/cluster.ts";
import { nodesSharingRedis } from "./helpers/servers.ts";
import { openClient, sleep, until, withTimeout, type App, type TestClient } from "./helpers/ws-client.ts";

const V = PROTOCOL_VERSION;
const offer = { description: { type: "offer" as const, sdp: "v=0\r\ns=-\r\n" } };
const answer = { description: { type: "answer" as const, sdp: "v=0\r\ns=answer\r\n" } };

let clients: TestClient[] = [];
const track = (c: TestClient) => (clients.push(c), c);
const errors = spyOn(console, "error");
const warnings = spyOn(console, "warn");
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
  const logged = errors.mock.calls.map((args) => args.map(String).join(" "));
  errors.mockClear();
  expect(logged).toEqual([]);
});
afterAll(() => {
  errors.mockRestore();
  warnings.mockRestore();
});

let roomCounter = 0;
const room = () => `cl-${++roomCounter}-${Math.random().toString(36).slice(2, 8)}`;

async function joinOn(app: App | string, id: string, token?: string) {
  const c = track(await openClient(app));
  c.send({ type: "join", room: id, ...(token ? { token } : {}) });
  const joined = await c.next("joined");
  return { c, joined, self: joined.self };
}

/**
 * Restarts `redis` (losing all it held) under `nodes` running nodes: each says it lost Redis, then
 * that it is back. Returns what they logged meanwhile.
 */
async function restartUnder(redis: Redis, nodes: number): Promise<string[]> {
  warnings.mockClear();
  await redis.down();
  const said = () => warnings.mock.calls.map((args) => args.map(String).join(" "));
  await until(() => said().filter((l) => l.includes("lost Redis")).length >= nodes, 5000, "a log line per node saying Redis is away");
  await redis.up();
  await until(() => said().filter((l) => l.includes("Redis is back")).length >= nodes, 15_000, "every node back");
  return said();
}

describe("nodes sharing one Redis", () => {
  const sharing = nodesSharingRedis();
  let redis: Redis;
  let nodes: App[];
  beforeAll(async () => {
    ({ redis, nodes } = await sharing(3, { roomCapacity: 20, ratePerSecond: 500 }));
  });

  test("two members on different nodes pair, signal both ways and see each other leave", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    expect(b.joined.peers).toEqual([a.self]);
    expect(await a.c.next("peer-joined")).toEqual({ v: V, type: "peer-joined", peer: b.self });
    a.c.send({ type: "signal", peer: b.self, session: "sa", data: offer });
    expect(await b.c.next("signal")).toEqual({ v: V, type: "signal", peer: a.self, session: "sa", data: offer });
    b.c.send({ type: "signal", peer: a.self, session: "sb", data: answer });
    expect(await a.c.next("signal")).toEqual({ v: V, type: "signal", peer: b.self, session: "sb", data: answer });
    // Candidates in a burst keep their order across nodes.
    for (let i = 0; i < 30; i++)
      a.c.send({
        type: "signal",
        peer: b.self,
        session: "sa",
        data: { candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 9 typ host`, sdpMid: "0", sdpMLineIndex: 0 } },
      });
    const got: string[] = [];
    for (let i = 0; i < 30; i++) {
      const s = await b.c.next("signal");
      got.push((s.data as { candidate: { candidate: string } }).candidate.candidate.split(" ")[0]!);
    }
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `candidate:${i}`));
    b.c.send({ type: "leave" });
    expect(await a.c.next("peer-left")).toEqual({ v: V, type: "peer-left", peer: b.self, reason: "left" });
  });

  test("where the other member is comes with the join and its notice: signals both ways need no route script", async () => {
    const scripts = async () => {
      const info = String(await new Bun.RedisClient(redis.url).send("INFO", ["commandstats"]));
      return [...info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    await a.c.next("peer-joined");
    const before = await scripts();
    b.c.send({ type: "signal", peer: a.self, session: "sb", data: offer });
    expect((await a.c.next("signal")).peer).toBe(b.self);
    a.c.send({ type: "signal", peer: b.self, session: "sa", data: answer });
    expect((await b.c.next("signal")).peer).toBe(a.self);
    // The first member's first frame too: its node learnt the newcomer's node from the notice.
    const c = await joinOn(nodes[2]!, id);
    await a.c.next("peer-joined");
    a.c.send({ type: "signal", peer: c.self, session: "sc", data: offer });
    expect((await c.c.next("signal")).peer).toBe(a.self);
    // One script for C's join itself; none for the signals.
    expect((await scripts()) - before).toBe(1);
  });

  test("a signal sent right after the join, before the store answered, is not overtaken by it", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = track(await openClient(nodes[1]!));
    b.send({ type: "join", room: id });
    b.send({ type: "signal", peer: a.self, session: "early", data: offer });
    const bJoined = await b.next("joined");
    expect(await a.c.next("signal")).toEqual({ v: V, type: "signal", peer: bJoined.self, session: "early", data: offer });
    await sleep(50);
    expect(b.pending("error")).toEqual([]);
  });

  test("a join's offer reaches the member on another node, after its peer-joined", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = track(await openClient(nodes[1]!));
    b.send({ type: "join", room: id, offer: { session: "sb", sdp: offer.description.sdp } });
    const bJoined = await b.next("joined");
    expect(bJoined.offered).toBe(true);
    const order: string[] = [];
    const joinedSeen = a.c.next("peer-joined").then(() => order.push("peer-joined"));
    const signalSeen = a.c.next("signal").then((s) => (order.push("signal"), s));
    await joinedSeen;
    expect(await signalSeen).toEqual({ v: V, type: "signal", peer: bJoined.self, session: "sb", data: offer });
    expect(order).toEqual(["peer-joined", "signal"]);
  });

  test("relays never cross rooms across nodes: a member of another room is an unknown peer", async () => {
    const r1 = room();
    const r2 = room();
    const a1 = await joinOn(nodes[0]!, r1);
    const b1 = await joinOn(nodes[1]!, r1);
    const a2 = await joinOn(nodes[0]!, r2);
    const b2 = await joinOn(nodes[1]!, r2);
    a1.c.send({ type: "signal", peer: b2.self, session: "x", data: offer });
    expect((await a1.c.next("error")).code).toBe("unknown-peer");
    a1.c.send({ type: "signal", peer: "AAAAAAAAAAAAAAAA", session: "x", data: offer });
    expect((await a1.c.next("error")).code).toBe("unknown-peer");
    // The right member of the right room still gets its own, and nothing else.
    a1.c.send({ type: "signal", peer: b1.self, session: "y", data: offer });
    expect((await b1.c.next("signal")).session).toBe("y");
    await sleep(100);
    expect(b2.c.pending("signal")).toEqual([]);
    expect(a2.c.pending("signal")).toEqual([]);
  });

  test("25 people racing into a 20-seat room over three nodes: exactly 20 get in", async () => {
    const id = room();
    const cs = await Promise.all(Array.from({ length: 25 }, (_, i) => openClient(nodes[i % 3]!).then(track)));
    for (const c of cs) c.send({ type: "join", room: id });
    const outcomes = await Promise.all(
      cs.map((c) =>
        withTimeout(
          new Promise<string>((resolve) => {
            const check = () => {
              if (c.received.some((m) => m.type === "joined")) resolve("joined");
              else if (c.received.some((m) => m.type === "error" && m.code === "room-full")) resolve("full");
              else setTimeout(check, 10);
            };
            check();
          }),
          5000,
          "a join's answer",
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "joined")).toHaveLength(20);
    expect(outcomes.filter((o) => o === "full")).toHaveLength(5);
  });

  test("a seat taken back through another node: the old connection is closed as replaced", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    await a.c.next("peer-joined");
    const b2 = await joinOn(nodes[2]!, id, b.joined.token);
    expect(b2.self).toBe(b.self);
    expect(b2.joined.peers).toEqual([a.self]);
    expect(await b.c.closeCode(3000)).toBe(CloseCode.Replaced);
    a.c.send({ type: "signal", peer: b.self, session: "s", data: offer });
    expect((await b2.c.next("signal")).session).toBe("s");
  });

  /** A signals B until B's node is what A's node knows as B's route (the first signal learns it). */
  async function learnRoute(a: { c: TestClient }, b: { c: TestClient; self: string }) {
    for (const session of ["r1", "r2", "r3"]) {
      a.c.send({ type: "signal", peer: b.self, session, data: offer });
      expect((await b.c.next("signal")).session).toBe(session);
    }
  }

  test("a member that moved to another node still gets its signals: the stale route is corrected", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    await learnRoute(a, b);
    // B's connection drops, and B takes its seat back through the third node.
    b.c.close();
    await a.c.next("peer-away");
    const b2 = await joinOn(nodes[2]!, id, b.joined.token);
    expect(b2.self).toBe(b.self);
    for (let i = 0; i < 20; i++) a.c.send({ type: "signal", peer: b.self, session: `m${i}`, data: offer });
    const got: string[] = [];
    for (let i = 0; i < 20; i++) got.push((await b2.c.next("signal")).session);
    // Every one arrives (the first ones through the old node, routed again); none is lost.
    expect(got.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    await sleep(50);
    expect(a.c.pending("error")).toEqual([]);
    // And B answers A from its new node.
    b2.c.send({ type: "signal", peer: a.self, session: "back", data: answer });
    expect((await a.c.next("signal")).session).toBe("back");
  });

  test("a signal through a known route to a member that has left is answered unknown-peer", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    const c = await joinOn(nodes[2]!, id);
    await learnRoute(a, b);
    b.c.send({ type: "leave" });
    expect((await a.c.next("peer-left")).peer).toBe(b.self);
    a.c.send({ type: "signal", peer: b.self, session: "late", data: offer });
    expect((await a.c.next("error")).code).toBe("unknown-peer");
    // Nobody else got it: not B's old socket, not the member on the third node.
    await sleep(50);
    expect(b.c.pending("signal")).toEqual([]);
    expect(c.c.pending("signal")).toEqual([]);
  });
});

describe("seat expiry across nodes", () => {
  const sharing = nodesSharingRedis();
  let nodes: App[];
  beforeAll(async () => {
    ({ nodes } = await sharing(2, { graceMs: 400, roomCapacity: 2 }));
  });

  test("a dropped member's seat is held for the grace period, then freed and the room told", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    b.c.close();
    expect(await a.c.next("peer-away")).toEqual({ v: V, type: "peer-away", peer: b.self });
    // Capacity 2: the held seat still counts.
    const c = track(await openClient(nodes[1]!));
    c.send({ type: "join", room: id });
    expect((await c.next("error")).code).toBe("room-full");
    expect(await a.c.next("peer-left", 3000)).toEqual({ v: V, type: "peer-left", peer: b.self, reason: "gone" });
    const d = await joinOn(nodes[1]!, id);
    expect(d.joined.peers).toEqual([a.self]);
  });

  test("within the grace period the member takes its seat back through the other node", async () => {
    const id = room();
    const a = await joinOn(nodes[0]!, id);
    const b = await joinOn(nodes[1]!, id);
    b.c.close();
    await a.c.next("peer-away");
    const back = await joinOn(nodes[0]!, id, b.joined.token);
    expect(back.self).toBe(b.self);
    expect(await a.c.next("peer-joined")).toEqual({ v: V, type: "peer-joined", peer: b.self });
    await sleep(700);
    expect(a.c.pending("peer-left")).toEqual([]);
  });
});

describe("failures", () => {
  const sharing = nodesSharingRedis();

  test("a node killed (-9) with members on it: they rejoin through the same address and the call goes on", async () => {
    const {
      redis,
      nodes: [live],
    } = await sharing(1);
    const killed = await spawnNode(redis);
    let alive = [killed.port, live.server.port!];
    const lb = await startForwarder(() => alive);
    try {
      const id = room();
      const a = await joinOn(lb.url, id); // lands on `killed`, the first node
      const b = await joinOn(live, id);
      await a.c.next("peer-joined");
      killed.proc.kill(9);
      await killed.proc.exited;
      alive = [killed.port, live.server.port!]; // the balancer does not know yet: it tries, fails, moves on
      await a.c.closed;
      const a2 = await joinOn(lb.url, id, a.joined.token);
      expect(a2.self).toBe(a.self);
      expect(a2.joined.peers).toEqual([b.self]);
      expect(await b.c.next("peer-joined")).toEqual({ v: V, type: "peer-joined", peer: a.self });
      a2.c.send({ type: "signal", peer: b.self, session: "after", data: offer });
      expect((await b.c.next("signal")).session).toBe("after");
      b.c.send({ type: "signal", peer: a.self, session: "back", data: answer });
      expect((await a2.c.next("signal")).session).toBe("back");
      // Nothing the live node holds was lost: b kept its seat all along.
      expect(b.c.pending("peer-left")).toEqual([]);
    } finally {
      lb.close();
      killed.proc.kill(9);
    }
  }, 30_000);

  test("a node killed (-9): a live node frees its members' seats, the rooms told they are away, then gone, with no join needed", async () => {
    const {
      redis,
      nodes: [live],
    } = await sharing(1, { graceMs: 300 });
    const killed = await spawnNode(redis, { SEAT_GRACE_MS: "300" });
    try {
      const id = room();
      const a = await joinOn(killed.url, id);
      const b = await joinOn(live, id);
      await a.c.next("peer-joined");
      killed.proc.kill(9);
      await killed.proc.exited;
      // Its heartbeat runs out (5 s), then the live node sweeps it.
      expect(await b.c.next("peer-away", 15_000)).toEqual({ v: V, type: "peer-away", peer: a.self });
      expect(await b.c.next("peer-left", 5000)).toEqual({ v: V, type: "peer-left", peer: a.self, reason: "gone" });
      // The seat is gone from the room: a newcomer finds only b.
      const c = await joinOn(live, id);
      expect(c.joined.peers).toEqual([b.self]);
    } finally {
      killed.proc.kill(9);
    }
  }, 30_000);

  test("a node killed (-9): a join into its room before any sweep holds its members' seats, the room told they are away, then gone", async () => {
    // No sweep here (the node in this process does not sweep): the join finds the dead node's seat first.
    const sweep = spyOn(Cluster.prototype as unknown as { sweep: () => Promise<void> }, "sweep").mockImplementation(async () => {});
    const {
      redis,
      nodes: [live],
    } = await sharing(1, { graceMs: 300 });
    const nodeId = `doomed-${Math.random().toString(36).slice(2, 8)}`;
    const killed = await spawnNode(redis, { SEAT_GRACE_MS: "300", NODE_ID: nodeId });
    const store = new RedisClient(redis.url);
    try {
      const id = room();
      const a = await joinOn(killed.url, id);
      const b = await joinOn(live, id);
      await a.c.next("peer-joined");
      killed.proc.kill(9);
      await killed.proc.exited;
      // Its heartbeat runs out (5 s); then someone joins the room.
      const end = Date.now() + 10_000;
      while (Number(await store.send("EXISTS", [`ol:n:${nodeId}`])) !== 0 && Date.now() < end) await sleep(100);
      const c = await joinOn(live, id);
      expect(c.joined.peers).toEqual([b.self]);
      expect(await b.c.next("peer-away")).toEqual({ v: V, type: "peer-away", peer: a.self });
      expect(await b.c.next("peer-left", 5000)).toEqual({ v: V, type: "peer-left", peer: a.self, reason: "gone" });
      expect(await store.send("HKEYS", [`ol:r:${id}`])).toEqual(expect.arrayContaining([b.self, c.self]));
      expect(((await store.send("HKEYS", [`ol:r:${id}`])) as string[]).length).toBe(2);
    } finally {
      sweep.mockRestore();
      killed.proc.kill(9);
      store.close();
    }
  }, 30_000);

  test("Redis restarting: nodes say so, reconnect, re-register their members, and signals cross again", async () => {
    const {
      redis,
      nodes: [n1, n2],
    } = await sharing(2, { roomCapacity: 2 });
    const id = room();
    const a = await joinOn(n1, id);
    const b = await joinOn(n2, id);
    await a.c.next("peer-joined");
    const said = await restartUnder(redis, 2);
    expect(said.some((l) => /re-registered 1 member\b/.test(l))).toBe(true);
    a.c.send({ type: "signal", peer: b.self, session: "after", data: offer });
    expect((await b.c.next("signal", 3000)).session).toBe("after");
    b.c.send({ type: "signal", peer: a.self, session: "back", data: answer });
    expect((await a.c.next("signal", 3000)).session).toBe("back");
    await sleep(100);
    // Subscribed again exactly once: no frame arrives twice.
    expect(b.c.pending("signal")).toEqual([]);
    expect(a.c.pending("signal")).toEqual([]);
    // The room is whole again in Redis: a third member of a two-seat room is refused.
    const c = track(await openClient(n1));
    c.send({ type: "join", room: id });
    expect((await c.next("error")).code).toBe("room-full");
  }, 40_000);

  test("Redis restarting: a newcomer's pre-join screen still gets the cards of the members already in the call", async () => {
    const {
      redis,
      nodes: [n1, n2],
    } = await sharing(2, { roomCapacity: 5 });
    const id = room();
    const ada = await joinOn(n1, id);
    const bob = await joinOn(n2, id);
    const adaCard = Uint8Array.of(1, 2, 3);
    const peek = async (on: App) => {
      const c = track(await openClient(on));
      c.send({ type: "peek", room: id });
      return c.next("occupancy");
    };
    // Cards are written a moment after they are sent, with nothing to say so: look again (bounded)
    // until each write shows. Then none is still on its way when Redis goes down (one that was
    // failed there, and said so: the node writes its members' cards back once Redis is up).
    const lengths = async () => ((await peek(n2)).cards ?? []).map((c) => c.length).sort((x, y) => x - y);
    const cardsShow = async (want: number[]) => {
      let seen = await lengths();
      for (let i = 0; i < 100 && JSON.stringify(seen) !== JSON.stringify(want); i++) {
        await sleep(20);
        seen = await lengths();
      }
      expect(seen).toEqual(want);
    };
    bob.c.send({ type: "card", data: Uint8Array.of(4, 5) });
    await cardsShow([2]);
    bob.c.send({ type: "card", data: new Uint8Array(0) }); // taken down: none comes back
    await cardsShow([]);
    ada.c.send({ type: "card", data: Uint8Array.of(9) }); // replaced by the next: only the current card comes back
    ada.c.send({ type: "card", data: adaCard });
    await cardsShow([3]);
    const before = await peek(n2);
    expect(before.cards).toEqual([adaCard]);
    await restartUnder(redis, 2);
    for (const on of [n1, n2]) {
      const seen = await peek(on);
      expect(seen.people).toBe(2);
      expect(seen.cards).toEqual([adaCard]);
    }
  }, 40_000);
});

test("a node drained with SIGTERM tells its clients to move; their seats wait for them on another node", async () => {
  const redis = await Redis.start();
  const drained = await spawnNode(redis);
  const live = await startNode(redis);
  try {
    const id = room();
    const a = await joinOn(drained.url, id);
    const b = await joinOn(live, id);
    await a.c.next("peer-joined");
    drained.proc.kill("SIGTERM");
    expect(await a.c.closeCode(5000)).toBe(CloseCode.Restart);
    expect(await withTimeout(drained.proc.exited, 5000, "the drained node to exit")).toBe(0);
    // Its work with Redis finished before it left: the seat is held for the rejoin, not lost.
    expect(await b.c.next("peer-away", 3000)).toEqual({ v: V, type: "peer-away", peer: a.self });
    const a2 = await joinOn(live, id, a.joined.token);
    expect(a2.self).toBe(a.self);
    expect(a2.joined.peers).toEqual([b.self]);
  } finally {
    drained.proc.kill(9);
    await live.stop();
    await redis.down();
  }
}, 30_000);
