/**
 * One load-generator process (never the server's): opens its share of pairs against one server,
 * then plays the signaling burst on command, and reports timings to the parent over Bun IPC.
 *
 * Each flavour speaks its server's real wire:
 *   ours    msgpack `join` to a room, then `signal` {to, session, data} to the peer's id;
 *   peerjs  ws://…/bench/peerjs?key=peerjs&id=ID&token=TOKEN, JSON {type: OFFER|ANSWER|CANDIDATE, dst, payload};
 *   bare    first frame is the room id, then the same msgpack frames as ours, forwarded untouched.
 *
 * The sockets are raw-ws.ts clients (Bun.connect and a minimal RFC 6455 framing), not a full
 * WebSocket client: frames are built once before the burst, a side's frames leave in one write
 * (as a browser's do when it sends them in one task), and reads are parsed in place, so the
 * generator spends little CPU and the server under test sets the pace.
 *
 * Both members of a pair live in this process, so a relay latency is one clock's difference
 * between the write and the frame's arrival at the partner. Frames between a pair are ordered
 * (one TCP connection each way, single-threaded servers), so send times are matched in FIFO order.
 */
import { decodeServer, encode, type SignalPayload } from "../../protocol/index.ts";
import { startFloor } from "./floor.ts";
import { RawWs, clientFrame, concat, indexOf, type RawHandlers } from "./raw-ws.ts";
import { ANSWER_SDP, CANDIDATES_PER_SIDE, MSGS_PER_PAIR, OFFER_SDP, PEERJS_KEY, PEERJS_PATH, makeCandidate, now, type ServerKind } from "./common.ts";

export type WorkerCommand =
  | { cmd: "connect"; kind: ServerKind; hosts: string[]; port: number; first: number; count: number; window: number; tag: string; ports?: number[] }
  /** `spreadMs`: the pairs' negotiations start evenly over this long instead of all at once (a steady load). */
  | { cmd: "burst"; spreadMs?: number; floorPort?: number }
  | { cmd: "close" };

export type WorkerReport =
  | { ev: "up" }
  | { ev: "joined"; t0: number; t1: number; ready: number; failed: number; problems: string[] }
  | {
      ev: "burst";
      t0: number;
      t1: number;
      delivered: number;
      expected: number;
      latencies: Float64Array;
      /** With several nodes: which node (index in `ports`) delivered each of `latencies`. */
      nodes?: Uint8Array;
      problems: string[];
      /** Bare PUBLISH → SUBSCRIBE round trips through a Redis during the burst (floor.ts), ms. */
      floor?: Float64Array;
    }
  | { ev: "closed" };

const send = (r: WorkerReport) => process.send!(r);

interface Pair {
  ws: [RawWs, RawWs];
  /** Each side's id as the server knows it, and the peer id it addresses. */
  self: [string, string];
  peer: [string | null, string | null];
  registered: [boolean, boolean];
  offerer: 0 | 1;
  ready: boolean;
  failed: boolean;
  /** Send times of frames still in flight from side s to the other side. */
  inFlight: [number[], number[]];
  received: number;
  answered: boolean;
  session: [string, string];
  connId: string;
  /** Each side's burst: its frames, concatenated, written at once. */
  frames: [Uint8Array, Uint8Array] | null;
  /** Frames per side in that burst. */
  count: [number, number];
  /** Bytes every frame from the partner must contain: the partner's id or session as relayed. */
  needle: [Uint8Array, Uint8Array] | null;
  /** Several nodes: the node (index in `ports`) each side is connected to. */
  node: [number, number];
}

let kind: ServerKind = "ours";
let pairs: Pair[] = [];
let problems: string[] = [];
let problemCount = 0;
const problem = (text: string) => {
  problemCount++;
  if (problems.length < 5) problems.push(text);
};

let phase: "join" | "burst" | "closing" = "join";
let readyCount = 0;
let failedCount = 0;
let onJoinProgress = () => {};

// Burst bookkeeping.
let latencies = new Float64Array(0);
let latencyNodes = new Uint8Array(0);
let severalNodes = false;
let delivered = 0;
let pairsDone = 0;
let burstT1 = 0;
let onBurstProgress = () => {};

const rand = () => Math.random().toString(36).slice(2, 12);

function markReady(p: Pair) {
  if (p.ready) return;
  if (kind === "ours" ? p.peer[0] !== null && p.peer[1] !== null : p.registered[0] && p.registered[1]) {
    p.ready = true;
    readyCount++;
    onJoinProgress();
  }
}

// ---------------------------------------------------------------- sending the burst

/**
 * A side's frames for the burst, encoded once after the join phase (outside any timing) so the
 * load generator spends its CPU on sockets, not on encoding: [description, ...candidates].
 */
function buildFrames(p: Pair, side: 0 | 1): Uint8Array[] {
  const descType = side === p.offerer ? "offer" : "answer";
  const sdp = descType === "offer" ? OFFER_SDP : ANSWER_SDP;
  const frames: Uint8Array[] = [];
  if (kind === "peerjs") {
    // What the PeerJS client library sends: OFFER/ANSWER with the session description and
    // connection details, CANDIDATE with the ICE candidate; the server adds `src`.
    const dst = p.peer[side];
    frames.push(
      clientFrame(
        JSON.stringify({
          type: descType === "offer" ? "OFFER" : "ANSWER",
          dst,
          payload: { sdp: { type: descType, sdp }, type: "media", connectionId: p.connId, browser: "chrome" },
        }),
      ),
    );
    for (let i = 0; i < CANDIDATES_PER_SIDE; i++) {
      frames.push(
        clientFrame(JSON.stringify({ type: "CANDIDATE", dst, payload: { candidate: makeCandidate(side, i), type: "media", connectionId: p.connId } })),
      );
    }
  } else {
    // Copies, so no frame shares msgpackr's scratch buffer.
    const frame = (data: SignalPayload) => clientFrame(new Uint8Array(encode({ type: "signal", peer: p.peer[side]!, session: p.session[side], data })));
    frames.push(frame({ description: { type: descType, sdp } }));
    for (let i = 0; i < CANDIDATES_PER_SIDE; i++) frames.push(frame({ candidate: makeCandidate(side, i) }));
  }
  return frames;
}

function sendAll(p: Pair, side: 0 | 1) {
  const q = p.inFlight[side];
  const t = now();
  for (let i = 0; i < p.count[side]; i++) q.push(t);
  p.ws[side].write(p.frames![side]);
}

const enc = new TextEncoder();
/** What every frame relayed to `side` must contain, so a frame from anyone else is caught. */
function needleFor(p: Pair, side: 0 | 1): Uint8Array {
  const from = 1 - side;
  // PeerJS adds "src" (the sender's id); ours names the sender (its seat id) as `peer`; the bare
  // relay forwards the sender's frame untouched, which carries the sender's session.
  if (kind === "peerjs") return enc.encode(`"src":"${p.self[from]}"`);
  if (kind === "ours") {
    const id = enc.encode(p.peer[side]!);
    return Uint8Array.from([...enc.encode("peer"), 0xa0 | id.length, ...id]); // key, fixstr header, id
  }
  return enc.encode(p.session[from]);
}
const SIGNAL = enc.encode("signal");
const PEERJS_TYPE = enc.encode('"type":"');

/**
 * A relayed frame arrived at `side`: check it came from the partner (it carries the partner's
 * id, and is a signal), time it, answer an offer. The check is a byte search, the same cost for
 * every server, instead of a full parse of a 4 KB frame.
 */
function onRelayed(p: Pair, side: 0 | 1, payload: Uint8Array) {
  const ok = indexOf(payload, p.needle![side]) >= 0 && indexOf(payload, kind === "peerjs" ? PEERJS_TYPE : SIGNAL) >= 0;
  if (!ok) {
    problem(`unexpected frame ${new TextDecoder().decode(payload.subarray(0, 120))}`);
    return;
  }
  const sentAt = p.inFlight[1 - side].shift();
  if (sentAt === undefined) return problem("a frame arrived that was never sent");
  latencyNodes[delivered] = p.node[side];
  latencies[delivered++] = now() - sentAt;
  p.received++;
  if (side !== p.offerer && !p.answered) {
    // The first frame at the answerer is the offer: answer it, then trickle our candidates.
    p.answered = true;
    sendAll(p, side);
  }
  if (p.received === MSGS_PER_PAIR) {
    pairsDone++;
    if (pairsDone === pairs.length) burstT1 = now();
    onBurstProgress();
  }
}

// ---------------------------------------------------------------- joining

const HANDLERS: RawHandlers = {
  open(c) {
    const { room } = c.tag as SideTag;
    if (kind === "ours") c.write(clientFrame(new Uint8Array(encode({ type: "join", room }))));
    else if (kind === "bare") c.write(clientFrame(room));
  },
  frame(c, _opcode, payload) {
    const { p, side } = c.tag as SideTag;
    if (p.ready && phase !== "join") return onRelayed(p, side, payload);
    if (kind === "ours") {
      const d = decodeServer(payload.slice());
      if (!d.ok) return problem(`undecodable server frame: ${d.text}`);
      const m = d.msg;
      if (m.type === "joined") {
        p.self[side] = m.self;
        if (m.peers.length) {
          p.peer[side] = m.peers[0];
          p.offerer = side; // the newcomer offers, as in the app
        }
      } else if (m.type === "peer-joined") p.peer[side] = m.peer;
      else if (m.type === "error") problem(`server error ${m.code}: ${m.text}`);
      markReady(p);
    } else if (kind === "peerjs") {
      const text = new TextDecoder().decode(payload);
      const m = JSON.parse(text);
      if (m.type === "OPEN") p.registered[side] = true;
      else problem(`PeerJS said ${text.slice(0, 120)}`);
      markReady(p);
    } else {
      if (payload.length === 1 && payload[0] === 0x70) p.registered[side] = true; // "p"
      markReady(p);
    }
  },
  close(c, why) {
    const { p } = c.tag as SideTag;
    if (phase === "closing") return;
    problem(`socket closed during ${phase}: ${why}`);
    if (!p.ready) {
      failedCount++;
      p.ready = p.failed = true; // counted as done (failed), so the join phase can finish
      onJoinProgress();
    }
  },
};

interface SideTag {
  p: Pair;
  side: 0 | 1;
  room: string;
}

function openSide(p: Pair, side: 0 | 1, url: string, room: string) {
  const c = new RawWs(new URL(url), HANDLERS, { p, side, room } satisfies SideTag);
  p.ws[side] = c;
  c.connect();
}

async function connect(c: Extract<WorkerCommand, { cmd: "connect" }>) {
  kind = c.kind;
  pairs = [];
  const t0 = now();
  let next = 0;
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    const launch = () => {
      while (inFlight < c.window && next < c.count) {
        const i = c.first + next++;
        inFlight++;
        const host = c.hosts[i % c.hosts.length];
        const room = `${c.tag}-${i}`;
        const p: Pair = {
          ws: [null as unknown as RawWs, null as unknown as RawWs],
          self: [`${room}a`, `${room}b`],
          peer: [null, null],
          registered: [false, false],
          offerer: 0,
          ready: false,
          failed: false,
          inFlight: [[], []],
          received: 0,
          answered: false,
          session: [rand(), rand()],
          connId: `mc_${rand()}`,
          frames: null,
          count: [0, 0],
          needle: null,
          node: [0, 0],
        };
        pairs.push(p);
        if (kind === "ours" && c.ports && c.ports.length > 1) {
          // Cluster mode: the two sides of every pair on two different nodes.
          const n = c.ports.length;
          severalNodes = true;
          p.node = [i % n, (i + 1) % n];
          openSide(p, 0, `ws://${host}:${c.ports[i % n]}/ws`, room);
          openSide(p, 1, `ws://${host}:${c.ports[(i + 1) % n]}/ws`, room);
        } else if (kind === "ours") {
          const url = `ws://${host}:${c.port}/ws`;
          openSide(p, 0, url, room);
          openSide(p, 1, url, room);
        } else if (kind === "peerjs") {
          p.peer = [p.self[1], p.self[0]];
          for (const side of [0, 1] as const) {
            const url = `ws://${host}:${c.port}${PEERJS_PATH}/peerjs?key=${PEERJS_KEY}&id=${p.self[side]}&token=${rand()}`;
            openSide(p, side, url, room);
          }
        } else {
          p.peer = ["bare-peer-id-0-a", "bare-peer-id-0-b"]; // seat-id sized, so frames match ours
          openSide(p, 0, `ws://${host}:${c.port}/`, room);
          openSide(p, 1, `ws://${host}:${c.port}/`, room);
        }
      }
    };
    let settled = 0;
    onJoinProgress = () => {
      const done = readyCount + failedCount;
      inFlight -= done - settled;
      settled = done;
      if (done === c.count) resolve();
      else launch();
    };
    launch();
  });
  const t1 = now();
  for (const p of pairs) {
    if (!p.ready || p.failed) continue;
    const [f0, f1] = [buildFrames(p, 0), buildFrames(p, 1)];
    p.frames = [concat(f0), concat(f1)];
    p.count = [f0.length, f1.length];
    p.needle = [needleFor(p, 0), needleFor(p, 1)];
  }
  send({ ev: "joined", t0, t1, ready: readyCount, failed: failedCount, problems });
  problems = [];
  problemCount = 0;
}

/** Floor probes: one every this many ms, as big as a side's batch of frames (an offer and 10 candidates). */
const FLOOR_EVERY_MS = 2;
const FLOOR_BYTES = 6000;

async function burst(spreadMs = 0, floorPort?: number) {
  phase = "burst";
  const stopFloor = floorPort ? await startFloor(floorPort, FLOOR_EVERY_MS, FLOOR_BYTES) : null;
  const live = pairs.filter((p) => p.ready && !p.failed);
  for (const p of live) {
    // A later burst is a renegotiation of the same pairs (an ICE restart, say).
    p.received = 0;
    p.answered = false;
    p.inFlight = [[], []];
  }
  burstT1 = 0;
  problems = [];
  problemCount = 0;
  latencies = new Float64Array(live.length * MSGS_PER_PAIR);
  latencyNodes = new Uint8Array(live.length * MSGS_PER_PAIR);
  delivered = 0;
  pairsDone = pairs.length - live.length;
  const t0 = now();
  let reported = false;
  const report = async () => {
    if (reported) return;
    reported = true;
    const floor = stopFloor ? await stopFloor() : undefined;
    send({
      ev: "burst",
      t0,
      t1: burstT1 || now(),
      delivered,
      expected: live.length * MSGS_PER_PAIR,
      latencies: latencies.slice(0, delivered),
      nodes: severalNodes ? latencyNodes.slice(0, delivered) : undefined,
      problems: problemCount > problems.length ? [...problems, `(${problemCount} problems in all)`] : problems,
      floor,
    });
  };
  onBurstProgress = () => {
    if (pairsDone === pairs.length) void report();
  };
  setTimeout(() => void report(), 120_000); // a server that stalls still gets a (partial) report
  if (spreadMs > 0) {
    // A steady load: one pair starts every spreadMs / pairs ms, so a frame's time is its way
    // through the servers rather than its place in a queue of every pair's frames.
    const step = spreadMs / Math.max(1, live.length);
    live.forEach((p, i) => setTimeout(() => sendAll(p, p.offerer), i * step));
  } else for (const p of live) sendAll(p, p.offerer);
  if (live.length === 0) void report();
}

async function close() {
  phase = "closing";
  const closing: Promise<void>[] = [];
  let open = 0;
  let allClosed = () => {};
  const closeHandler = HANDLERS.close;
  HANDLERS.close = (c, why) => {
    closeHandler(c, why);
    if (--open === 0) allClosed();
  };
  for (const p of pairs) {
    for (const ws of p.ws) {
      if (!ws || ws.closed) continue;
      open++;
      ws.close();
    }
  }
  if (open > 0) closing.push(new Promise((r) => (allClosed = r)));
  await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, 10_000))]);
  send({ ev: "closed" });
}

process.on("message", (m: WorkerCommand) => {
  if (m.cmd === "connect") void connect(m);
  else if (m.cmd === "burst") void burst(m.spreadMs, m.floorPort);
  else if (m.cmd === "close") void close();
});
send({ ev: "up" });
