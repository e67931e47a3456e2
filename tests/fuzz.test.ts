/**
 * Bounded fuzz: ~20 hostile sockets throw random and mutated frames at the real server while three
 * real pairs signal through it. Set FUZZ_SEED to replay a run.
 */
import { afterAll, expect, spyOn, test } from "bun:test";
import { PROTOCOL_VERSION, encode, encodeRaw, type ClientMessage, type WithoutVersion } from "../protocol/index.ts";
import { openPair, sleep, startTestServer, TestClient, until, wsUrl, type App } from "./helpers/ws-client.ts";

const V = PROTOCOL_VERSION;

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FUZZERS = 20;
const PAIRS = 3;
const FUZZ_MS = 7000;
/** A busy machine sends and relays fewer frames in FUZZ_MS: the run goes on until it has done what is asserted below, up to this. */
const FUZZ_MAX_MS = 30_000;
const TEST_MS = FUZZ_MAX_MS + 20_000;
const MIN_ROUNDS = 20;
const MIN_FRAMES = 500;
const CLOSE_CODES = [4001, 1009, 4002];
const GRACE_MS = 200;
const FRAME_LIMIT = 64 * 1024;

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));

function randomValue(depth = 0): unknown {
  switch (int(depth > 3 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick([0, -1, 1, 2, 255, 65536, 2 ** 32, -(2 ** 40), 1.5, NaN, Infinity]);
    case 3:
      return "x".repeat(int(300));
    case 4:
      return pick(["", "join", "peek", "card", "signal", "ping", "leave", "abc", "a b", "__proto__", "😀".repeat(40)]);
    case 5:
      return bytes(int(64));
    case 6:
      return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(["v", "type", "room", "to", "data", "x"]), randomValue(depth + 1)]));
  }
}

/** Real peer ids (of other rooms) make the hostile frames hit real routing. */
const realIds: string[] = [];

/** Whom a fuzzer addresses: mostly members of its own room (so frames get relayed), else strangers. */
function target(c: TestClient): string {
  const own = c.received.flatMap((m) => (m.type === "joined" ? m.peers : m.type === "peer-joined" ? [m.peer] : []));
  if (own.length && random() < 0.7) return pick(own);
  return realIds.length && random() < 0.7 ? pick(realIds) : `p${int(100)}`;
}

function validMessage(to: string): WithoutVersion<ClientMessage> {
  return pick<WithoutVersion<ClientMessage>>([
    { type: "join", room: pick(["real-0", "real-1", "real-2", `fz-${int(3)}`]) },
    { type: "join", room: `fz-${int(3)}`, token: `tok${int(10)}` },
    { type: "signal", peer: to, session: "s", data: { description: { type: "offer", sdp: "v=0" } } },
    { type: "signal", peer: to, session: "s", data: { candidate: null } },
    { type: "peek", room: pick(["real-0", "real-1", `fz-${int(3)}`]) },
    { type: "card", data: bytes(pick([0, 1, 200, 256, 257, 2000])) },
    { type: "leave" },
    { type: "ping" },
  ]);
}

/** Nested one-element arrays hung below a valid frame's last value (its trailing nil). */
function deepFrame(to: string, depth: number): Uint8Array {
  const prefix = encodeRaw({ v: V, type: "signal", peer: to, session: "s", data: { candidate: null, junk: null } });
  const out = new Uint8Array(prefix.length + depth).fill(0x91);
  out.set(prefix.subarray(0, prefix.length - 1));
  out[out.length - 1] = 0xc0;
  return out;
}

const generators: ((to: string) => Uint8Array | string | Uint8Array[])[] = [
  () => bytes(int(2000)),
  () => pick(["hello", '{"v":1,"type":"ping"}', ""]),
  (to) => encode(validMessage(to)),
  (to) => {
    const f = encode(validMessage(to));
    return f.slice(0, int(f.length));
  },
  (to) => {
    const f = new Uint8Array(encode(validMessage(to)));
    f[int(f.length)] = int(256);
    return f;
  },
  (to) => encodeRaw({ ...validMessage(to), [pick(["v", "type", "room", "peer", "session", "data", "token"])]: randomValue() }),
  (to) => encodeRaw({ ...validMessage(to), v: pick([0, 1, V + 1, -1, "1", null, 1.0001]) }),
  () => encodeRaw(randomValue()),
  (to) => encodeRaw({ v: V, type: "signal", peer: to, session: "s", data: { candidate: new Array(FRAME_LIMIT / 2 - 50).fill(1) } }),
  (to) => encodeRaw({ v: V, type: "signal", peer: to, session: "s", data: { candidate: null, junk: new Array(FRAME_LIMIT / 2 - 50).fill(1) } }),
  () => encodeRaw({ v: V, type: "join", room: "fz-0", junk: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])) }),
  (to) => deepFrame(to, pick([100, 5000, 20_000, 60_000])),
  () => new Uint8Array([pick([0xdc, 0xdd, 0xde, 0xdf, 0xdb, 0xc6]), 0xff, 0xff, 0xff, 0xff, ...bytes(int(8))]),
  () => bytes(FRAME_LIMIT + 1 + int(1000)), // too large: closed with 1009
  () => Array.from({ length: 150 }, () => encode({ type: "ping" })), // a burst past the rate limit
];

const errors = spyOn(console, "error");
const warnings = spyOn(console, "warn");
let app: App;
afterAll(async () => {
  await app?.stop();
  errors.mockRestore();
  warnings.mockRestore();
});

test(
  `fuzzing never disturbs real calls (seed ${SEED})`,
  async () => {
    // Two dozen clients on one address: the per-address limits are not what is fuzzed here.
    app = startTestServer({ graceMs: GRACE_MS, maxSocketsPerIp: 0, joinsPerMinutePerIp: 0, roomCapacity: 2 });
    const pairs: Awaited<ReturnType<typeof openPair>>[] = [];
    for (let i = 0; i < PAIRS; i++) pairs.push(await openPair(app, `real-${i}`));
    for (const p of pairs) realIds.push(p.aId, p.bId);

    let running = true;
    const fuzzClients: TestClient[] = [];
    const closeCodes = new Map<number, number>();
    let framesSent = 0;

    async function fuzzer() {
      while (running) {
        const c = new TestClient(wsUrl(app));
        fuzzClients.push(c);
        try {
          await c.opened();
        } catch {
          continue;
        }
        // Half the fuzzers sit in a room first, so their junk is addressed to a real member.
        if (random() < 0.5) c.send({ type: "join", room: `fz-${int(3)}` });
        while (running && !c.isClosed) {
          const frame = pick(generators)(target(c));
          try {
            for (const f of Array.isArray(frame) ? frame : [frame]) c.sendRaw(f);
            framesSent++;
          } catch {
            break; // closed under our feet
          }
          await sleep(int(15));
        }
        c.close();
        const { code } = await c.closed;
        closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
      }
    }

    /** One real pair trades offers, answers and candidates, checking each relay exactly. */
    const roundsNow = pairs.map(() => 0);
    async function signaling(p: (typeof pairs)[number], n: number) {
      let rounds = 0;
      while (running) {
        const session = `r${n}-${rounds}`;
        const sdp = `v=0\r\ns=${session}\r\n`;
        p.a.send({ type: "signal", peer: p.bId, session, data: { description: { type: "offer", sdp } } });
        expect(await p.b.next("signal", 3000)).toEqual({ v: V, type: "signal", peer: p.aId, session, data: { description: { type: "offer", sdp } } });
        p.b.send({ type: "signal", peer: p.aId, session, data: { description: { type: "answer", sdp } } });
        expect(await p.a.next("signal", 3000)).toEqual({ v: V, type: "signal", peer: p.bId, session, data: { description: { type: "answer", sdp } } });
        const candidate = { candidate: `candidate:${rounds} 1 udp 1 127.0.0.1 9 typ host`, sdpMid: "0", sdpMLineIndex: 0 };
        p.a.send({ type: "signal", peer: p.bId, session, data: { candidate } });
        expect((await p.b.next("signal", 3000)).data).toEqual({ candidate });
        roundsNow[n] = ++rounds;
        await sleep(60); // ~30 frames/s from `a`: well inside the default 50/s rate limit
      }
      return rounds;
    }

    // Two fuzzers that surely share a room signal each other with junk fields the relay must drop (the
    // random ones meet in a room only by chance, and a busy machine sends fewer frames).
    const x = new TestClient(wsUrl(app));
    const y = new TestClient(wsUrl(app));
    fuzzClients.push(x, y);
    await Promise.all([x.opened(), y.opened()]);
    x.send({ type: "join", room: "fz-sure" });
    await x.next("joined");
    y.send({ type: "join", room: "fz-sure" });
    const yJoined = await y.next("joined");
    const xId = yJoined.peers[0]!;
    y.sendRaw(encodeRaw({ v: V, type: "signal", peer: xId, session: "s", data: { candidate: null, junk: [1, 2] }, extra: "x" }));
    await x.next("signal", 3000);

    const fuzzing = Array.from({ length: FUZZERS }, fuzzer);
    const calls = Promise.all(pairs.map(signaling));
    calls.catch(() => (running = false)); // a broken call ends the run early; the await below reports it
    const enough = () => roundsNow.every((r) => r > MIN_ROUNDS) && framesSent > MIN_FRAMES && CLOSE_CODES.every((code) => (closeCodes.get(code) ?? 0) > 0);
    await Promise.race([
      (async () => {
        await sleep(FUZZ_MS);
        for (let t = FUZZ_MS; t < FUZZ_MAX_MS && !enough(); t += 100) await sleep(100);
      })(),
      calls,
    ]);
    running = false;
    const rounds = await calls;
    await Promise.all(fuzzing);

    // Every pair kept talking the whole time, and saw nothing but its partner.
    for (const r of rounds) expect(r).toBeGreaterThan(MIN_ROUNDS);
    for (const p of pairs) {
      for (const [c, partner] of [
        [p.a, p.bId],
        [p.b, p.aId],
      ] as const) {
        expect(c.isClosed).toBe(false);
        expect(c.invalid).toEqual([]);
        expect(c.received.filter((m) => m.type === "error")).toEqual([]);
        expect(c.received.filter((m) => m.type === "signal" && m.peer !== partner)).toEqual([]);
        expect(c.received.filter((m) => m.type.startsWith("peer-") && m.type !== "peer-joined")).toEqual([]);
      }
    }
    // The fuzz really ran: many frames, and the server enforced every limit.
    expect(framesSent).toBeGreaterThan(MIN_FRAMES);
    expect(fuzzClients.length).toBeGreaterThan(FUZZERS);
    expect(fuzzClients.every((c) => c.invalid.length === 0)).toBe(true);
    for (const code of CLOSE_CODES) expect(closeCodes.get(code) ?? 0).toBeGreaterThan(0);
    const errorCodes = new Set(fuzzClients.flatMap((c) => c.received.flatMap((m) => (m.type === "error" ? [m.code] : []))));
    for (const code of ["bad-frame", "bad-version", "unknown-peer", "room-full"]) expect(errorCodes).toContain(code as never);
    // Fuzzers sharing a room relayed to each other, and only ever validated fields.
    const relayed = fuzzClients.flatMap((c) => c.received.filter((m) => m.type === "signal"));
    expect(relayed.length).toBeGreaterThan(0);
    for (const m of relayed) {
      expect(Object.keys(m).sort()).toEqual(["data", "peer", "session", "type", "v"]);
      if (m.type === "signal") expect(Object.keys(m.data)).toHaveLength(1);
    }

    x.close();
    y.close();
    for (const p of pairs) p.a.close(), p.b.close();
    await until(() => app.stats().sockets === 0, 3000, "all sockets closed");
    await until(() => app.stats().rooms === 0, GRACE_MS + 2000, "all rooms emptied");
    expect(app.stats()).toEqual({ sockets: 0, rooms: 0, seats: 0, connected: 0 });
    expect(errors).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
  },
  TEST_MS,
);
