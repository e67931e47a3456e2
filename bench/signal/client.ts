/**
 * One load-generator process (never the server's): opens its share of pairs against one server,
 * then plays the signaling burst on command, and reports timings to the parent over Bun IPC.
 *
 * Each flavour speaks its server's real wire:
 *   ours    msgpack `join` to a room, then `signal` {to, session, data} to the peer's id;
 *   peerjs  ws://…/bench/peerjs?key=peerjs&id=ID&token=TOKEN, JSON {type: OFFER|ANSWER|CANDIDATE, dst, payload};
 *   bare    first frame is the room id, then the same msgpack frames as ours, forwarded untouched.
 *
 * Both members of a pair live in this process, so a relay latency is one clock's difference
 * between the send() call and the partner's message event. Frames between a pair are ordered
 * (one TCP connection each way, single-threaded servers), so send times are matched in FIFO order.
 */
import { Packr } from "msgpackr";
import { decodeServer, encode, type SignalPayload } from "../../protocol/index.ts";
import { ANSWER_SDP, CANDIDATES_PER_SIDE, MSGS_PER_PAIR, OFFER_SDP, PEERJS_KEY, PEERJS_PATH, makeCandidate, now, type ServerKind } from "./common.ts";

export type WorkerCommand =
  | { cmd: "connect"; kind: ServerKind; hosts: string[]; port: number; first: number; count: number; window: number; tag: string }
  | { cmd: "burst" }
  | { cmd: "close" };

export type WorkerReport =
  | { ev: "up" }
  | { ev: "joined"; t0: number; t1: number; ready: number; failed: number; problems: string[] }
  | { ev: "burst"; t0: number; t1: number; delivered: number; expected: number; latencies: Float64Array; problems: string[] }
  | { ev: "closed" };

const send = (r: WorkerReport) => process.send!(r);
const raw = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, structuredClone: false });

interface Pair {
  ws: [WebSocket, WebSocket];
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
  frames: [(Uint8Array | string)[], (Uint8Array | string)[]] | null;
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
function buildFrames(p: Pair, side: 0 | 1): (Uint8Array | string)[] {
  const descType = side === p.offerer ? "offer" : "answer";
  const sdp = descType === "offer" ? OFFER_SDP : ANSWER_SDP;
  const frames: (Uint8Array | string)[] = [];
  if (kind === "peerjs") {
    // What the PeerJS client library sends: OFFER/ANSWER with the session description and
    // connection details, CANDIDATE with the ICE candidate; the server adds `src`.
    const dst = p.peer[side];
    frames.push(JSON.stringify({ type: descType === "offer" ? "OFFER" : "ANSWER", dst, payload: { sdp: { type: descType, sdp }, type: "media", connectionId: p.connId, browser: "chrome" } }));
    for (let i = 0; i < CANDIDATES_PER_SIDE; i++) {
      frames.push(JSON.stringify({ type: "CANDIDATE", dst, payload: { candidate: makeCandidate(side, i), type: "media", connectionId: p.connId } }));
    }
  } else {
    // Copies, so no frame shares msgpackr's scratch buffer.
    const frame = (data: SignalPayload) => new Uint8Array(encode({ type: "signal", to: p.peer[side]!, session: p.session[side], data }));
    frames.push(frame({ description: { type: descType, sdp } }));
    for (let i = 0; i < CANDIDATES_PER_SIDE; i++) frames.push(frame({ candidate: makeCandidate(side, i) }));
  }
  return frames;
}

function sendAll(p: Pair, side: 0 | 1) {
  const ws = p.ws[side];
  const q = p.inFlight[side];
  for (const f of p.frames![side]) {
    q.push(now());
    ws.send(f);
  }
}

/** A relayed frame arrived at `side`: check it came from the partner, time it, answer an offer. */
function onRelayed(p: Pair, side: 0 | 1, data: unknown) {
  let ok = false;
  if (kind === "peerjs") {
    const m = JSON.parse(data as string);
    ok = (m.type === "OFFER" || m.type === "ANSWER" || m.type === "CANDIDATE") && m.src === p.peer[side];
    if (!ok) problem(`unexpected PeerJS frame ${String(data).slice(0, 120)}`);
  } else {
    const m = raw.unpack(new Uint8Array(data as ArrayBuffer)) as Record<string, unknown>;
    ok = m.type === "signal" && (kind === "bare" || m.from === p.peer[side]);
    if (!ok) problem(`unexpected frame ${JSON.stringify(m).slice(0, 120)}`);
  }
  if (!ok) return;
  const sentAt = p.inFlight[1 - side].shift();
  if (sentAt === undefined) return problem("a frame arrived that was never sent");
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

function openSide(p: Pair, side: 0 | 1, url: string, room: string) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  p.ws[side] = ws;
  ws.onopen = () => {
    if (kind === "ours") ws.send(encode({ type: "join", room }));
    else if (kind === "bare") ws.send(room);
  };
  ws.onmessage = (ev) => {
    if (p.ready && phase !== "join") return onRelayed(p, side, ev.data);
    if (kind === "ours") {
      const d = decodeServer(ev.data);
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
      const m = JSON.parse(ev.data as string);
      if (m.type === "OPEN") p.registered[side] = true;
      else problem(`PeerJS said ${String(ev.data).slice(0, 120)}`);
      markReady(p);
    } else {
      if (ev.data === "p") p.registered[side] = true;
      markReady(p);
    }
  };
  ws.onclose = (ev) => {
    if (phase === "closing") return;
    problem(`socket closed during ${phase}: ${ev.code} ${ev.reason}`);
    if (!p.ready) {
      failedCount++;
      p.ready = p.failed = true; // counted as done (failed), so the join phase can finish
      onJoinProgress();
    }
  };
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
          ws: [null as unknown as WebSocket, null as unknown as WebSocket],
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
        };
        pairs.push(p);
        if (kind === "ours") {
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
  for (const p of pairs) if (p.ready && !p.failed) p.frames = [buildFrames(p, 0), buildFrames(p, 1)];
  send({ ev: "joined", t0, t1, ready: readyCount, failed: failedCount, problems });
  problems = [];
  problemCount = 0;
}

function burst() {
  phase = "burst";
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
  delivered = 0;
  pairsDone = pairs.length - live.length;
  const t0 = now();
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    send({
      ev: "burst",
      t0,
      t1: burstT1 || now(),
      delivered,
      expected: live.length * MSGS_PER_PAIR,
      latencies: latencies.slice(0, delivered),
      problems: problemCount > problems.length ? [...problems, `(${problemCount} problems in all)`] : problems,
    });
  };
  onBurstProgress = () => {
    if (pairsDone === pairs.length) report();
  };
  setTimeout(report, 120_000); // a server that stalls still gets a (partial) report
  for (const p of live) sendAll(p, p.offerer);
  if (live.length === 0) report();
}

async function close() {
  phase = "closing";
  const closing: Promise<void>[] = [];
  for (const p of pairs) {
    for (const ws of p.ws) {
      if (!ws || ws.readyState === WebSocket.CLOSED) continue;
      closing.push(new Promise((r) => ws.addEventListener("close", () => r(), { once: true })));
      ws.close();
    }
  }
  await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, 10_000))]);
  send({ ev: "closed" });
}

process.on("message", (m: WorkerCommand) => {
  if (m.cmd === "connect") void connect(m);
  else if (m.cmd === "burst") burst();
  else if (m.cmd === "close") void close();
});
send({ ev: "up" });
