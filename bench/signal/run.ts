/**
 * Signaling benchmark (issue 8): our signal server against the PeerJS server and a bare Bun relay,
 * in one run, on loopback only. Every server runs in its own process; the load comes from separate
 * client processes (bench/signal/client.ts). See bench/signal/README.md for how to read the output.
 *
 *   npm run bench:signal [-- --pairs 1000,5000] [--big] [--clients 1] [--servers ours,peerjs,bare]
 *   npm run bench:signal -- --pairs 1000 --servers ours,cluster   (1 node against 3 nodes + Redis:
 *   every pair split over two nodes)
 *   … --spread 2000   (the pairs' negotiations start evenly over 2 s instead of at once: a steady
 *   load, so latency is a frame's way through the servers, not its place in one big queue)
 */
import { parseArgs } from "node:util";
import { type SchedDelays, startSched } from "./sched.ts";
import type { WorkerCommand, WorkerReport } from "./client.ts";
import {
  BUN,
  MSGS_PER_PAIR,
  ROOT,
  SERVER_LABEL,
  cpuNs,
  cpuNsByThread,
  cpuSeconds,
  sleeps,
  systemCpuSeconds,
  minorFaults,
  ephemeralPorts,
  fdHardLimit,
  machineBusySeconds,
  percentile,
  rssKb,
  sleep,
  startCluster,
  startRedis,
  startServer,
  withFdLimit,
  type ServerKind,
} from "./common.ts";

const { values: args } = parseArgs({
  options: {
    pairs: { type: "string", default: "1000,5000" },
    big: { type: "boolean", default: false },
    clients: { type: "string", default: "1" },
    servers: { type: "string", default: "ours,peerjs,bare" },
    window: { type: "string", default: "100" },
    settle: { type: "string", default: "3000" },
    repeat: { type: "string", default: "2" },
    /** Another entry point for "ours", e.g. a patched copy of signal-server/ to compare. */
    "ours-main": { type: "string", default: "signal-server/main.ts" },
    "quiet-wait": { type: "string", default: "90" },
    /** Start the pairs' negotiations evenly over this many ms instead of at once (0: one burst). */
    spread: { type: "string", default: "0" },
    /** Unmeasured bursts before the measured one (JIT tiers, heap sizing). */
    warmup: { type: "string", default: "1" },
    /** Record the scheduler (perf sched) during each measured burst: how long a woken process waited for a core. */
    sched: { type: "boolean", default: false },
  },
});

const sizes = args.pairs
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
if (args.big && !sizes.includes(20_000)) sizes.push(20_000);
const kinds = args.servers.split(",") as ServerKind[];
const baseClients = Math.max(1, Number(args.clients));
const joinWindow = Math.max(1, Number(args.window));
const settleMs = Number(args.settle);
const repeats = Math.max(1, Number(args.repeat));
const quietWaitS = Number(args["quiet-wait"]);
const spreadMs = Math.max(0, Number(args.spread));
const warmups = Math.max(1, Number(args.warmup));
const hardFds = fdHardLimit();
const portsPerDestination = ephemeralPorts();

interface Result {
  kind: ServerKind;
  pairs: number;
  skipped?: string;
  joinedPerS?: number;
  joinFailed?: number;
  msgsPerS?: number;
  /** The unmeasured warm-up burst, for reference. */
  warmupMsgsPerS?: number;
  p50?: number;
  p99?: number;
  delivered?: number;
  expected?: number;
  rssStartKb?: number;
  rssIdleKb?: number;
  kbPerSocket?: number;
  serverCpuBurst?: number;
  /** Server CPU time per relayed frame during the burst: robust to other load on the machine. */
  serverUsPerMsg?: number;
  /** Share of the server's CPU during the burst spent in the kernel (system time). */
  serverKernelShare?: number;
  /** Minor page faults the server took during the burst (fresh memory touched). */
  serverFaults?: number;
  clientCpuBurst?: number;
  /** Times the serving processes' and the clients' main threads slept (each a wake-up), per relayed frame. */
  serverWakeupsPerMsg?: number;
  clientWakeupsPerMsg?: number;
  /** A bare PUBLISH → SUBSCRIBE round trip through a Redis during the burst (floor.ts): the cluster's, or one of the floor's own. */
  floorP50?: number;
  floorP99?: number;
  floorCount?: number;
  /** With --sched: wake-up to running, per role (perf sched). */
  sched?: SchedDelays;
  /**
   * CPU per relayed frame in the measured burst, per process (schedstat, ns): the load generator, each node, Redis;
   * and the machine's busy time per frame (all cores, 10 ms ticks), which bounds msgs/s at cores / that.
   */
  split?: { role: string; usPerMsg: number; byThread: [string, number][] }[];
  machineUsPerMsg?: number;
  /** With several nodes: p99 of the frames each node delivered to its clients (does one node lag?). */
  p99ByNode?: number[];
  /** CPU used during the burst by everything else on the machine (other work shares the cores). */
  otherCpuBurst?: number;
  problems: string[];
}

// ---------------------------------------------------------------- client processes

class Worker {
  proc: ReturnType<typeof Bun.spawn>;
  private waiting: ((r: WorkerReport) => void) | null = null;
  private up: Promise<void>;
  constructor() {
    let upResolve = () => {};
    this.up = new Promise((r) => (upResolve = r));
    this.proc = Bun.spawn(withFdLimit([BUN, "bench/signal/client.ts"]), {
      cwd: ROOT,
      stdout: "inherit",
      stderr: "inherit",
      serialization: "advanced",
      ipc: (m: WorkerReport) => {
        if (m.ev === "up") return upResolve();
        const w = this.waiting;
        this.waiting = null;
        w?.(m);
      },
    });
  }
  async ready() {
    await Promise.race([this.up, sleep(20_000).then(() => Promise.reject(new Error("client process did not start")))]);
  }
  ask<E extends WorkerReport["ev"]>(cmd: WorkerCommand, timeoutMs: number): Promise<Extract<WorkerReport, { ev: E }>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`client process: no answer to ${cmd.cmd} in ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiting = (r) => {
        clearTimeout(t);
        resolve(r as Extract<WorkerReport, { ev: E }>);
      };
      this.proc.send(cmd);
    });
  }
  async kill() {
    this.proc.kill("SIGKILL");
    await this.proc.exited;
  }
}

/** Median of a few RSS samples, `gap` ms apart, to step over a GC in progress. */
async function sampleRss(pid: number, samples = 5, gap = 200): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    xs.push(rssKb(pid));
    if (i < samples - 1) await sleep(gap);
  }
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/**
 * Other work on the machine (builds, browsers) steals cores from the processes under test. Before
 * each measurement, wait (up to 20 s, and `quietWaitS` over the whole run) for a second in which
 * the machine is mostly idle (under 30% of one core busy), and say how busy it still was.
 */
let quietBudgetMs = quietWaitS * 1000;
async function awaitQuiet(): Promise<number> {
  const started = Date.now();
  const deadline = started + Math.min(20_000, quietBudgetMs);
  let busy = 0;
  do {
    const b0 = machineBusySeconds();
    await sleep(1000);
    busy = machineBusySeconds() - b0;
    if (busy < 0.3) break;
  } while (Date.now() < deadline);
  quietBudgetMs = Math.max(0, quietBudgetMs - (Date.now() - started - 1000));
  return busy;
}

// ---------------------------------------------------------------- one measurement

async function measure(kind: ServerKind, pairs: number, runIndex: number): Promise<Result> {
  const sockets = 2 * pairs;
  const result: Result = { kind, pairs, problems: [] };
  if (sockets + 200 > hardFds) {
    result.skipped = `server needs ${sockets.toLocaleString()} descriptors; hard limit here is ${hardFds.toLocaleString()}`;
    return result;
  }
  // Enough client processes that none needs more descriptors than the hard limit allows.
  const clients = Math.max(baseClients, Math.ceil((sockets + 200) / (hardFds - 200)));
  // One destination address gives ~28k ephemeral ports; past that, spread over 127.0.0.1-4,
  // which needs the server on the wildcard address (still only loopback traffic).
  const spread = sockets > portsPerDestination * 0.8;
  const hosts = spread ? ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"] : ["127.0.0.1"];
  const server =
    kind === "cluster"
      ? await startCluster(3, { hostname: spread ? "0.0.0.0" : "127.0.0.1", oursMain: args["ours-main"] })
      : await startServer(kind, { hostname: spread ? "0.0.0.0" : "127.0.0.1", oursMain: args["ours-main"] });
  // One node measured beside a cluster gets a Redis of its own for the floor probe alone (floor.ts):
  // the same round trip, measured under one node's load, to set beside the cluster's.
  const floorRedis = kind === "ours" && kinds.includes("cluster") ? await startRedis() : null;
  const workers: Worker[] = [];
  try {
    await sleep(1000);
    result.rssStartKb = await sampleRss(server.pid);
    for (let i = 0; i < clients; i++) workers.push(new Worker());
    await Promise.all(workers.map((w) => w.ready()));

    // Join: every client process opens its share of pairs, `window` pairs in flight at a time.
    const share = Math.ceil(pairs / clients);
    const joined = await Promise.all(
      workers.map((w, i) =>
        w.ask<"joined">(
          {
            cmd: "connect",
            kind: kind === "cluster" ? "ours" : kind,
            hosts,
            port: server.port,
            ports: "ports" in server ? (server.ports as number[]) : undefined,
            first: i * share,
            count: Math.max(0, Math.min(share, pairs - i * share)),
            window: joinWindow,
            tag: `r${runIndex}w${i}`,
          },
          180_000,
        ),
      ),
    );
    const ready = joined.reduce((s, j) => s + j.ready, 0);
    result.joinFailed = joined.reduce((s, j) => s + j.failed, 0);
    result.joinedPerS = ready / ((Math.max(...joined.map((j) => j.t1)) - Math.min(...joined.map((j) => j.t0))) / 1000);
    for (const j of joined) result.problems.push(...j.problems);

    // Idle memory with every socket connected and joined.
    await sleep(settleMs);
    result.rssIdleKb = await sampleRss(server.pid);
    result.kbPerSocket = (result.rssIdleKb - result.rssStartKb) / (2 * ready);

    // Burst: every pair negotiates at once (offer, answer, 10 candidates each way). The first
    // burst warms the server up (JIT tiers, heap sizing: Bun and Node alike) and is only checked;
    // the second, a renegotiation of the same pairs, is the one measured.
    let warm = await Promise.all(workers.map((w) => w.ask<"burst">({ cmd: "burst", spreadMs }, 150_000)));
    for (let i = 1; i < warmups; i++) {
      for (const b of warm) result.problems.push(...b.problems);
      warm = await Promise.all(workers.map((w) => w.ask<"burst">({ cmd: "burst", spreadMs }, 150_000)));
    }
    result.warmupMsgsPerS = warm.reduce((s, b) => s + b.delivered, 0) / ((Math.max(...warm.map((b) => b.t1)) - Math.min(...warm.map((b) => b.t0))) / 1000);
    for (const b of warm) result.problems.push(...b.problems);
    await sleep(500);
    // Every process of the server under test: for a cluster, its nodes and Redis (the frames' whole way).
    const pids = server.pids ?? [server.pid];
    const sum = (f: (pid: number) => number) => pids.reduce((s, pid) => s + f(pid), 0);
    const cpu0 = sum(cpuSeconds);
    const sys0 = sum(systemCpuSeconds);
    const faults0 = sum(minorFaults);
    const clientCpu0 = workers.reduce((s, w) => s + cpuSeconds(w.proc.pid), 0);
    const sleeps0 = sum(sleeps);
    const clientSleeps0 = workers.reduce((s, w) => s + sleeps(w.proc.pid), 0);
    const floorPort = server.redisPort ?? floorRedis?.port;
    const redisPid = server.redisPid;
    const sched = args.sched
      ? await startSched({ nodes: pids.filter((p) => p !== redisPid), redis: redisPid ? [redisPid] : [], client: workers.map((w) => w.proc.pid) })
      : null;
    const splitPids = [...workers.map((w) => w.proc.pid), ...pids];
    const splitRoles = [
      ...workers.map((_, i) => `client${workers.length > 1 ? i + 1 : ""}`),
      ...pids.map((p, i) => (p === redisPid ? "redis" : `node${i + 1}`)),
    ];
    const ns0 = splitPids.map(cpuNs);
    const threads0 = splitPids.map(cpuNsByThread);
    const busy0 = machineBusySeconds();
    const bursts = await Promise.all(workers.map((w) => w.ask<"burst">({ cmd: "burst", spreadMs, floorPort }, 150_000)));
    const t0 = Math.min(...bursts.map((b) => b.t0));
    const t1 = Math.max(...bursts.map((b) => b.t1));
    const wall = (t1 - t0) / 1000;
    const ns1 = splitPids.map(cpuNs);
    const threads1 = splitPids.map(cpuNsByThread);
    const machineBusy = machineBusySeconds() - busy0;
    const serverCpu = sum(cpuSeconds) - cpu0;
    result.serverKernelShare = serverCpu > 0 ? (sum(systemCpuSeconds) - sys0) / serverCpu : 0;
    result.serverFaults = sum(minorFaults) - faults0;
    result.serverCpuBurst = serverCpu / wall;
    result.clientCpuBurst = (workers.reduce((s, w) => s + cpuSeconds(w.proc.pid), 0) - clientCpu0) / wall;
    result.otherCpuBurst = Math.max(0, machineBusy / wall - result.serverCpuBurst - result.clientCpuBurst);
    result.delivered = bursts.reduce((s, b) => s + b.delivered, 0);
    const frames = Math.max(1, result.delivered);
    result.split = splitRoles.map((role, i) => ({
      role,
      usPerMsg: (ns1[i] - ns0[i]) / 1000 / frames,
      // The threads that ran in the burst, busiest first (main, JITWorker, HeapHelper …).
      byThread: [...threads1[i]!]
        .map(([name, ns]): [string, number] => [name, (ns - (threads0[i]!.get(name) ?? 0)) / 1000 / frames])
        .filter(([, us]) => us >= 0.01)
        .sort((a, b) => b[1] - a[1]),
    }));
    result.machineUsPerMsg = (machineBusy * 1e6) / frames;
    if (bursts[0]?.nodes) {
      const byNode: number[][] = [];
      for (const b of bursts) b.latencies.forEach((ms, i) => (byNode[b.nodes![i]] ??= []).push(ms));
      result.p99ByNode = byNode.map((xs) => percentile(Float64Array.from(xs).sort(), 99));
    }
    result.serverWakeupsPerMsg = (sum(sleeps) - sleeps0) / Math.max(1, result.delivered);
    result.clientWakeupsPerMsg = (workers.reduce((s, w) => s + sleeps(w.proc.pid), 0) - clientSleeps0) / Math.max(1, result.delivered);
    if (sched) result.sched = await sched.stop();
    if (floorPort) {
      const floor = Float64Array.from(bursts.flatMap((b) => [...(b.floor ?? [])])).sort();
      result.floorCount = floor.length;
      result.floorP50 = percentile(floor, 50);
      result.floorP99 = percentile(floor, 99);
    }
    result.expected = bursts.reduce((s, b) => s + b.expected, 0);
    result.msgsPerS = result.delivered / wall;
    result.serverUsPerMsg = (serverCpu * 1e6) / result.delivered;
    const all = new Float64Array(result.delivered);
    let at = 0;
    for (const b of bursts) {
      all.set(b.latencies, at);
      at += b.latencies.length;
      result.problems.push(...b.problems);
    }
    all.sort();
    result.p50 = percentile(all, 50);
    result.p99 = percentile(all, 99);

    await Promise.all(workers.map((w) => w.ask<"closed">({ cmd: "close" }, 30_000).catch(() => null)));
  } catch (err) {
    result.problems.push(String(err instanceof Error ? err.message : err));
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
    await server.stop();
    floorRedis?.proc.kill("SIGKILL");
  }
  return result;
}

// ---------------------------------------------------------------- output

function describeSched(d: SchedDelays): string {
  return Object.entries(d)
    .filter(([, v]) => v.n > 0)
    .map(([role, v]) => `${role} p50 ${fmt(v.p50, 3)} / p99 ${fmt(v.p99, 3)} / max ${fmt(v.max, 2)} ms (${fmt(v.n)} wake-ups)`)
    .join("; ");
}

const fmt = (x: number | undefined, digits = 0) =>
  x === undefined || !Number.isFinite(x) ? "-" : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pad = (s: string, n: number, left = false) => (left ? s.padEnd(n) : s.padStart(n));

function table(results: Result[]) {
  const head = [
    "server",
    "pairs",
    "joined/s",
    "msgs/s",
    "p50 ms",
    "p99 ms",
    "delivered",
    "RSS start MB",
    "RSS idle MB",
    "KB/socket",
    "srv µs/msg",
    "srv CPU",
    "cli CPU",
    "other",
  ];
  const widths = [22, 7, 9, 9, 8, 8, 15, 12, 11, 9, 10, 7, 7, 6];
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], i === 0)).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of results) {
    if (r.skipped) {
      console.log(`${line([SERVER_LABEL[r.kind], fmt(r.pairs), "skipped", "", "", "", "", "", "", "", "", "", "", ""])}  (${r.skipped})`);
      continue;
    }
    console.log(
      line([
        SERVER_LABEL[r.kind],
        fmt(r.pairs),
        fmt(r.joinedPerS),
        fmt(r.msgsPerS),
        fmt(r.p50, 1),
        fmt(r.p99, 1),
        `${fmt(r.delivered)}/${fmt(r.expected)}`,
        fmt(r.rssStartKb && r.rssStartKb / 1024, 1),
        fmt(r.rssIdleKb && r.rssIdleKb / 1024, 1),
        fmt(r.kbPerSocket, 2),
        fmt(r.serverUsPerMsg, 1),
        r.serverCpuBurst === undefined ? "-" : `${Math.round(r.serverCpuBurst * 100)}%`,
        r.clientCpuBurst === undefined ? "-" : `${Math.round(r.clientCpuBurst * 100)}%`,
        r.otherCpuBurst === undefined ? "-" : `${Math.round(r.otherCpuBurst * 100)}%`,
      ]),
    );
  }
}

function ratios(results: Result[]) {
  for (const n of sizes) {
    const get = (k: ServerKind) => results.find((r) => r.kind === k && r.pairs === n && !r.skipped);
    const ours = get("ours");
    if (!ours) continue;
    const vs = (other: Result | undefined, name: string) => {
      if (!other) return;
      const line = [
        `joined/s ×${fmt(ours.joinedPerS! / other.joinedPerS!, 2)}`,
        `msgs/s ×${fmt(ours.msgsPerS! / other.msgsPerS!, 2)}`,
        `p50 ×${fmt(ours.p50! / other.p50!, 2)}`,
        `p99 ×${fmt(ours.p99! / other.p99!, 2)}`,
        `KB/socket ×${fmt(ours.kbPerSocket! / other.kbPerSocket!, 2)}`,
        `server CPU/msg ×${fmt(ours.serverUsPerMsg! / other.serverUsPerMsg!, 2)}`,
      ];
      console.log(`  ${fmt(n)} pairs, ours/${name}: ${line.join(", ")}`);
    };
    vs(get("peerjs"), "PeerJS");
    vs(get("bare"), "bare relay");
  }
  const ours = results.find((r) => r.kind === "ours" && r.pairs === 5000 && !r.skipped);
  const peer = results.find((r) => r.kind === "peerjs" && r.pairs === 5000 && !r.skipped);
  const bare = results.find((r) => r.kind === "bare" && r.pairs === 5000 && !r.skipped);
  if (!ours) return;
  console.log("\nTargets at 5,000 pairs:");
  const check = (label: string, ok: boolean, detail: string) => console.log(`  ${ok ? "MET   " : "MISSED"} ${label}: ${detail}`);
  if (peer) {
    check("msgs/s ≥ 5× PeerJS", ours.msgsPerS! >= 5 * peer.msgsPerS!, `×${fmt(ours.msgsPerS! / peer.msgsPerS!, 2)}`);
    check("p99 ≤ 1/5 of PeerJS", ours.p99! <= peer.p99! / 5, `${fmt(ours.p99, 1)} ms vs ${fmt(peer.p99, 1)} ms (×${fmt(ours.p99! / peer.p99!, 2)})`);
    check(
      "memory/socket ≤ 1/3 of PeerJS",
      ours.kbPerSocket! <= peer.kbPerSocket! / 3,
      `${fmt(ours.kbPerSocket, 2)} KB vs ${fmt(peer.kbPerSocket, 2)} KB (×${fmt(ours.kbPerSocket! / peer.kbPerSocket!, 2)})`,
    );
  }
  if (bare) check("msgs/s ≥ 0.8× bare relay", ours.msgsPerS! >= 0.8 * bare.msgsPerS!, `×${fmt(ours.msgsPerS! / bare.msgsPerS!, 2)}`);
}

// ---------------------------------------------------------------- main

const started = Date.now();
console.log(
  `Signaling benchmark: ${kinds.join(", ")} at ${sizes.map((n) => n.toLocaleString("en-US")).join(" / ")} pairs; ` +
    `${MSGS_PER_PAIR} relayed frames per pair; ${navigator.hardwareConcurrency} CPUs; fd hard limit ${hardFds.toLocaleString("en-US")}; ` +
    `${baseClients} client process(es); Bun ${Bun.version}, ${(await Bun.$`node --version`.quiet().text()).trim()} for PeerJS.`,
);
if (spreadMs > 0) console.log(`Steady load: the pairs' negotiations start evenly over ${spreadMs} ms (msgs/s is then the offered rate).`);
console.log(`Each configuration runs ${repeats}×, servers interleaved; the table keeps each one's run with the most msgs/s.`);
const results: Result[] = [];
let runIndex = 0;
for (const n of sizes) {
  const runs = new Map<ServerKind, Result[]>();
  for (let rep = 0; rep < repeats; rep++) {
    for (const kind of kinds) {
      if (runs.get(kind)?.[0]?.skipped) continue; // a skip (descriptor limit) would only repeat
      const idle = await awaitQuiet();
      process.stdout.write(`  ${SERVER_LABEL[kind]}, ${n.toLocaleString("en-US")} pairs, run ${rep + 1} (machine ${Math.round(idle * 100)}% busy before) … `);
      const r = await measure(kind, n, runIndex++);
      runs.set(kind, [...(runs.get(kind) ?? []), r]);
      console.log(
        r.skipped
          ? `skipped (${r.skipped})`
          : `${fmt(r.joinedPerS)} joined/s, ${fmt(r.msgsPerS)} msgs/s (warm-up burst ${fmt(r.warmupMsgsPerS)}), p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, ` +
              `${fmt(r.kbPerSocket, 2)} KB/socket, server ${fmt(r.serverUsPerMsg, 1)} µs CPU/msg (${Math.round((r.serverKernelShare ?? 0) * 100)}% of it in the kernel, ${fmt((r.serverFaults ?? 0) / Math.max(1, r.delivered ?? 1), 2)} page faults/msg), other CPU ${Math.round((r.otherCpuBurst ?? 0) * 100)}%`,
      );
      if (!r.skipped) {
        let more = `    wake-ups per relayed frame: serving processes ${fmt(r.serverWakeupsPerMsg, 2)}, client ${fmt(r.clientWakeupsPerMsg, 2)}`;
        if (r.floorCount)
          more += `; floor (bare PUBLISH → SUBSCRIBE through a Redis, ${fmt(r.floorCount)} in the burst): p50 ${fmt(r.floorP50, 2)} ms, p99 ${fmt(r.floorP99, 2)} ms`;
        console.log(more);
        if (r.split) {
          const total = r.split.reduce((s, x) => s + x.usPerMsg, 0);
          console.log(
            `    CPU per relayed frame (schedstat): ${r.split.map((x) => `${x.role} ${fmt(x.usPerMsg, 2)} (${x.byThread.map(([name, us]) => `${name} ${fmt(us, 2)}`).join(", ")})`).join(", ")} µs; sum ${fmt(total, 2)} µs, ` +
              `machine busy ${fmt(r.machineUsPerMsg, 2)} µs (${navigator.hardwareConcurrency} cores / that: ${fmt((navigator.hardwareConcurrency * 1e6) / (r.machineUsPerMsg ?? 1))} msgs/s)` +
              (r.p99ByNode ? `; p99 by receiving node ${r.p99ByNode.map((x) => fmt(x, 2)).join(" / ")} ms` : ""),
          );
        }
        if (r.sched) console.log(`    wake-up → running (perf sched, main threads): ${describeSched(r.sched)}`);
      }
      for (const p of r.problems.slice(0, 5)) console.log(`    ! ${p}`);
    }
  }
  for (const kind of kinds) {
    const rs = runs.get(kind) ?? [];
    if (rs.length) results.push(rs.reduce((best, r) => ((r.msgsPerS ?? -1) > (best.msgsPerS ?? -1) ? r : best), rs[0]));
  }
}
console.log("");
table(results);
console.log("");
ratios(results);
console.log(`\nTotal ${Math.round((Date.now() - started) / 1000)} s.`);
