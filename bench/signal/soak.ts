/**
 * Soak run (minutes; not part of CI): thousands of sockets join and leave our signal server in a
 * loop, and the server's RSS is compared before and after, once GC has settled.
 *
 *   node_modules/.bin/bun bench/signal/soak.ts [--minutes 3] [--pairs 2000] [--grace-ms 5000] [--settle 30] [--ours-main path]
 *
 * Each pair: two sockets join a fresh room, exchange an offer, an answer and two candidates each
 * way, then end in one of three ways: both `leave` (seat freed at once), both just drop (seat
 * held for SEAT_GRACE_MS, then expires), or one drops and comes back with its seat token before
 * both leave (the refresh path). `--pairs` pairs are in flight at all times.
 *
 * The server runs in its own process; this process is the load. RSS is read from /proc:
 * cold (just started), warm (after a first stretch of churn has drained: heaps, JIT and allocator
 * pools are at working size), and end (after the whole soak has drained). The leak check is end
 * against warm; the server's own /healthz must also be back to zero sockets, rooms and seats.
 */
import { parseArgs } from "node:util";
import { decodeServer, encode, type SignalPayload } from "../../protocol/index.ts";
import { ANSWER_SDP, OFFER_SDP, makeCandidate, rssKb, sleep, startServer } from "./common.ts";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "3" },
    pairs: { type: "string", default: "2000" },
    "grace-ms": { type: "string", default: "5000" },
    settle: { type: "string", default: "30" },
    /** Another entry point for our server, e.g. a patched copy to compare. */
    "ours-main": { type: "string", default: "signal-server/main.ts" },
  },
});
const durationMs = Number(args.minutes) * 60_000;
const inFlightPairs = Math.max(1, Number(args.pairs));
const graceMs = Number(args["grace-ms"]);
const settleS = Number(args.settle);
const warmupMs = Math.max(20_000, durationMs * 0.2);

const server = await startServer("ours", { hostname: "127.0.0.1", env: { SEAT_GRACE_MS: String(graceMs) }, oursMain: args["ours-main"] });
const url = `ws://127.0.0.1:${server.port}/ws`;
const health = async () =>
  (await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).json()) as { sockets: number; rooms: number; seats: number; connected: number };

let pairSeq = 0;
let completed = 0;
let failed = 0;
let sockets = 0;
const failures = new Map<string, number>();
const fail = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1);

interface Side {
  ws: WebSocket;
  self: string | null;
  peer: string | null;
  token: string | null;
  got: number;
}

/** Opens a socket, joins `room` (with `token` to reclaim a seat), calls back on every server frame. */
function openSide(room: string, token: string | null, onFrame: (s: Side, m: ReturnType<typeof decodeServer>) => void): Side {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  sockets++;
  const side: Side = { ws, self: null, peer: null, token, got: 0 };
  ws.onopen = () => ws.send(encode(token ? { type: "join", room, token } : { type: "join", room }));
  ws.onmessage = (ev) => onFrame(side, decodeServer(ev.data));
  ws.onclose = () => sockets--;
  return side;
}

const signal = (s: Side, data: SignalPayload) => s.ws.send(encode({ type: "signal", peer: s.peer!, session: "soak", data }));

function sendNegotiation(s: Side, role: "offer" | "answer", index: 0 | 1) {
  signal(s, { description: { type: role, sdp: role === "offer" ? OFFER_SDP : ANSWER_SDP } });
  signal(s, { candidate: makeCandidate(index, 0) });
  signal(s, { candidate: makeCandidate(index, 1) });
}

/** One pair's life; resolves when both sockets are closed (or after a 15 s watchdog). */
function lifecycle(): Promise<void> {
  const room = `soak-${pairSeq++}-${Math.random().toString(36).slice(2, 8)}`;
  const ending = Math.random();
  return new Promise<void>((resolve) => {
    let finished = false;
    const all: Side[] = [];
    const finish = (ok: boolean, why?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(watchdog);
      if (ok) completed++;
      else {
        failed++;
        fail(why ?? "unknown");
      }
      for (const s of all) if (s.ws.readyState !== WebSocket.CLOSED) s.ws.close();
      resolve();
    };
    const watchdog = setTimeout(() => finish(false, "watchdog (15 s)"), 15_000);

    const leaveBoth = (x: Side, y: Side) => {
      for (const s of [x, y]) {
        s.ws.send(encode({ type: "leave" }));
        s.ws.close();
      }
      finish(true);
    };
    const negotiated = () => {
      const [a, b] = all;
      setTimeout(() => {
        if (finished) return;
        if (ending < 0.5) return leaveBoth(a, b);
        if (ending < 0.8) {
          a.ws.close();
          b.ws.close();
          return finish(true);
        }
        // A refresh: a drops, comes back with its seat token, then both leave.
        a.ws.close();
        const back = openSide(room, a.token, (s, d) => {
          if (!d.ok) return finish(false, `bad frame: ${d.text}`);
          if (d.msg.type === "joined") {
            if (d.msg.self !== a.self) return finish(false, "rejoin got a different seat");
            all.push(s);
            leaveBoth(s, b);
          } else if (d.msg.type === "error") finish(false, `error ${d.msg.code}`);
        });
        all.push(back);
      }, Math.random() * 500);
    };
    const onFrame = (s: Side, d: ReturnType<typeof decodeServer>) => {
      if (finished) return;
      if (!d.ok) return finish(false, `bad frame: ${d.text}`);
      const m = d.msg;
      const [a, b] = all;
      switch (m.type) {
        case "joined":
          s.self = m.self;
          s.token = m.token;
          if (m.peers.length) {
            s.peer = m.peers[0];
            sendNegotiation(s, "offer", s === a ? 0 : 1); // the newcomer offers
          }
          break;
        case "peer-joined":
          s.peer = m.peer;
          break;
        case "signal":
          s.got++;
          if (s.got === 1 && m.data && "description" in m.data && m.data.description.type === "offer") {
            sendNegotiation(s, "answer", s === a ? 0 : 1);
          }
          if (a.got === 3 && b.got === 3) negotiated();
          break;
        case "peer-away":
        case "peer-left":
          break;
        case "error":
          return finish(false, `error ${m.code}`);
      }
    };
    all.push(openSide(room, null, onFrame), openSide(room, null, onFrame));
  });
}

/** Keeps `inFlightPairs` lifecycles going until `until`, then waits for the last ones. */
async function churn(until: number) {
  let active = 0;
  await new Promise<void>((resolve) => {
    const next = () => {
      while (active < inFlightPairs && Date.now() < until) {
        active++;
        void lifecycle().then(() => {
          active--;
          if (Date.now() < until) next();
          else if (active === 0) resolve();
        });
      }
    };
    next();
  });
}

/** Waits until our sockets are closed and the server's registry is empty, then lets GC settle. */
async function drain(label: string): Promise<number> {
  const deadline = Date.now() + graceMs + 30_000;
  let h = await health();
  while ((sockets > 0 || h.sockets > 0 || h.rooms > 0 || h.seats > 0) && Date.now() < deadline) {
    await sleep(500);
    h = await health();
  }
  if (h.sockets || h.rooms || h.seats) console.log(`  ! ${label}: server still holds ${JSON.stringify(h)}`);
  // Let the server go idle long enough for its GC to run; take the lowest of the last samples.
  const samples: number[] = [];
  for (let t = 0; t < settleS; t += 2) {
    await sleep(2000);
    samples.push(rssKb(server.pid));
  }
  return Math.min(...samples.slice(-5));
}

const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
const t0 = Date.now();
try {
  await sleep(1000);
  const cold = rssKb(server.pid);
  console.log(
    `Soak: ${args.minutes} min of churn, ${inFlightPairs.toLocaleString("en-US")} pairs (${(2 * inFlightPairs).toLocaleString("en-US")} sockets) in flight, ` +
      `SEAT_GRACE_MS=${graceMs}; warm-up ${Math.round(warmupMs / 1000)} s, settle ${settleS} s.`,
  );
  console.log(`  RSS cold start: ${mb(cold)}`);

  await churn(Date.now() + warmupMs);
  const warm = await drain("after warm-up");
  const warmPairs = completed + failed;
  console.log(`  RSS warm start (after ${warmPairs.toLocaleString("en-US")} pairs of warm-up, drained): ${mb(warm)}`);

  const soakStart = Date.now();
  const peak = { rss: warm };
  const sampler = setInterval(() => {
    const r = rssKb(server.pid);
    peak.rss = Math.max(peak.rss, r);
    console.log(
      `    ${Math.round((Date.now() - soakStart) / 1000)} s: ${(completed + failed - warmPairs).toLocaleString("en-US")} pairs, RSS ${mb(r)}, ${sockets} sockets not yet closed here`,
    );
  }, 20_000);
  await churn(soakStart + durationMs);
  clearInterval(sampler);
  const soakPairs = completed + failed - warmPairs;
  const rate = soakPairs / ((Date.now() - soakStart) / 1000);
  const end = await drain("at the end");
  const h = await health();
  console.log(
    `  Churned ${soakPairs.toLocaleString("en-US")} pairs (${(2 * soakPairs).toLocaleString("en-US")} sockets) in the soak, ~${Math.round(rate)} pairs/s; peak RSS ${mb(peak.rss)}.`,
  );
  console.log(`  ${failed} pairs failed${failures.size ? `: ${[...failures].map(([w, n]) => `${w} ×${n}`).join(", ")}` : ""}.`);
  console.log(`  Server registry at the end: ${JSON.stringify(h)}`);
  console.log(`  RSS end (drained, settled): ${mb(end)}`);
  const diff = ((end - warm) / warm) * 100;
  console.log(
    `  RSS end vs warm start: ${diff >= 0 ? "+" : ""}${diff.toFixed(1)}%  (vs cold start: ${end >= cold ? "+" : ""}${(((end - cold) / cold) * 100).toFixed(1)}%)`,
  );
  console.log(`  Total ${Math.round((Date.now() - t0) / 1000)} s.`);
} finally {
  await server.stop();
}
