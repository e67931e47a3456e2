/**
 * Shared pieces of the signaling benchmark: the realistic payloads, /proc readers, percentiles,
 * and how every server under test is started (always its own process, on loopback only).
 */
import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BUN = process.execPath;

export type ServerKind = "ours" | "cluster" | "peerjs" | "bare";
export const SERVER_LABEL: Record<ServerKind, string> = {
  ours: "OneLink signal-server",
  cluster: "OneLink ×3 nodes + Redis",
  peerjs: "PeerJS server 1.0.2",
  bare: "bare Bun relay",
};

/** PeerJS path prefix; its clients connect to `${PEERJS_PATH}/peerjs?key=…&id=…&token=…`. */
export const PEERJS_PATH = "/bench";
export const PEERJS_KEY = "peerjs";

// ---------------------------------------------------------------- payloads

/** A plausible browser SDP (audio, video, data) of about `target` characters, CRLF line ends. */
export function makeSdp(kind: "offer" | "answer", target = 3900): string {
  const ufrag = kind === "offer" ? "EsAw" : "p9Zq";
  const lines = [
    "v=0",
    `o=- 46117317${kind === "offer" ? 1 : 2}9264153 2 IN IP4 127.0.0.1`,
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1 2",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS 7c6d1f0e-1b1a-4d8e-9a53-0f9b2c1d2e3f",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    `a=ice-ufrag:${ufrag}`,
    "a=ice-pwd:by4GZGG1lw+040DWA6hXM5Bz",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08",
    `a=setup:${kind === "offer" ? "actpass" : "active"}`,
    "a=mid:0",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=sendrecv",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107",
    "c=IN IP4 0.0.0.0",
    "a=mid:1",
  ];
  const codecs = ["VP8", "VP9", "H264", "AV1", "H265"];
  for (let pt = 96; lines.join("\r\n").length < target - 220; pt++) {
    const codec = codecs[pt % codecs.length];
    lines.push(
      `a=rtpmap:${pt} ${codec}/90000`,
      `a=rtcp-fb:${pt} goog-remb`,
      `a=rtcp-fb:${pt} transport-cc`,
      `a=rtcp-fb:${pt} nack pli`,
      `a=fmtp:${pt} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f`,
    );
  }
  lines.push(
    "a=ssrc-group:FID 2690217311 3389227325",
    "a=ssrc:2690217311 cname:q1yDtdpPiQSEXx5V",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 0.0.0.0",
    "a=mid:2",
    "a=sctp-port:5000",
    "a=max-message-size:262144",
  );
  return `${lines.join("\r\n")}\r\n`;
}

export const OFFER_SDP = makeSdp("offer");
export const ANSWER_SDP = makeSdp("answer");

/** The i-th of a side's ICE candidates, about 110 characters (≈200 bytes as a signal frame). */
export function makeCandidate(side: 0 | 1, i: number) {
  const port = 50000 + side * 1000 + i;
  const types = ["host", "srflx", "relay"] as const;
  const typ = types[i % 3];
  const extra = typ === "host" ? "" : ` raddr 192.168.1.${20 + side} rport ${port}`;
  return {
    candidate: `candidate:${842163049 + i * 7919} 1 udp ${2122260223 - i * 8192} 203.0.113.${10 + side} ${port} typ ${typ}${extra} generation 0`,
    sdpMid: "0",
    sdpMLineIndex: 0,
    usernameFragment: side ? "p9Zq" : "EsAw",
  };
}

/** Per pair: one description and this many candidates each way. */
export const CANDIDATES_PER_SIDE = 10;
export const MSGS_PER_PAIR = 2 * (1 + CANDIDATES_PER_SIDE);

// ---------------------------------------------------------------- /proc

export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}
const CLK_TCK = 100;

/**
 * CPU nanoseconds a process's threads have run so far (the scheduler's own count, /proc/PID/task/TID/schedstat):
 * finer than `cpuSeconds` (10 ms ticks), so one process's share of a 0.1 s burst can be read. Threads that exited
 * are not counted, so read it around a span in which none exit.
 */
export function cpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {} // a thread that exited meanwhile
  }
  return ns;
}

/**
 * CPU nanoseconds a process's threads have run so far, by thread name (`main` for the main thread, the
 * event loop; Bun's others are JavaScriptCore's JITWorker and HeapHelper (GC), mimalloc's scavenger …).
 */
export function cpuNsByThread(pid: number): Map<string, number> {
  const by = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = tid === String(pid) ? "main" : readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      by.set(name, (by.get(name) ?? 0) + ns);
    } catch {} // a thread that exited meanwhile
  }
  return by;
}

/** Minor page faults a process has taken so far. */
export function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

/**
 * Times a process's main thread has gone to sleep waiting (voluntary context switches): each one is
 * a wake-up later, when its next read arrives.
 */
export function sleeps(pid: number): number {
  const m = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

/** CPU seconds a process has spent in the kernel (system time) so far. */
export function systemCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[12]) / CLK_TCK;
}

/** CPU seconds the whole machine has been busy (all cores, everything but idle and iowait). */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

export function fdHardLimit(): number {
  const limits = readFileSync("/proc/self/limits", "utf8");
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
  if (!m) return 1024;
  return m[2] === "unlimited" ? 1 << 30 : Number(m[2]);
}

export function ephemeralPorts(): number {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return hi - lo + 1;
  } catch {
    return 28232;
  }
}

// ---------------------------------------------------------------- stats

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

/**
 * argv for a child that first raises its soft file-descriptor limit as far as the hard limit
 * allows (65,535 if permitted), then execs the command, so the PID is the command's own.
 */
export function withFdLimit(cmd: string[]): string[] {
  return ["bash", "-c", 'ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"', "bench", ...cmd];
}

export interface Started {
  kind: ServerKind;
  pid: number;
  port: number;
  proc: ReturnType<typeof Bun.spawn>;
  /** Every process serving (a cluster's nodes and its Redis); absent: `pid` alone. */
  pids?: number[];
  /** A cluster's Redis: its port (for the floor probe, floor.ts) and process. */
  redisPort?: number;
  redisPid?: number;
  stop(): Promise<void>;
}

/** Starts one server under test in its own process and waits for its "Listening on …:PORT" line. */
/** BENCH_OURS_ENV: `NAME=value` pairs, separated by spaces, for our servers only. */
function oursEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_OURS_ENV ?? "").split(/\s+/).filter((p) => p.includes("="));
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
}

export async function startServer(kind: ServerKind, opts: { hostname: string; env?: Record<string, string>; oursMain?: string }): Promise<Started> {
  const cmd =
    kind === "ours" || kind === "cluster"
      ? [BUN, opts.oursMain ?? "signal-server/main.ts"]
      : kind === "bare"
        ? [BUN, "bench/signal/bare-relay.ts"]
        : ["node", "bench/signal/peerjs-server.mjs"];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: "0",
    HOST: opts.hostname,
    NODE_ENV: "production",
    // Ours: two per room (no Janus: signaling alone is measured), and a rate limit far above what the
    // benchmark sends, so it never bites. Thousands of sockets from one address: the per-address
    // limits are off, as the rate limit is.
    ...(kind === "ours" || kind === "cluster"
      ? { ROOM_CAPACITY: "2", SFU: "off", RATE_PER_SECOND: "1000000", MAX_SOCKETS_PER_IP: "0", JOINS_PER_MINUTE_PER_IP: "0" }
      : {}),
    // Profiling aid, e.g. BENCH_OURS_BUN_OPTIONS="--cpu-prof-md --cpu-prof-dir=/tmp/prof".
    ...((kind === "ours" || kind === "cluster") && process.env.BENCH_OURS_BUN_OPTIONS ? { BUN_OPTIONS: process.env.BENCH_OURS_BUN_OPTIONS } : {}),
    // Our servers' environment only, e.g. BENCH_OURS_ENV="BUN_JSC_useFTLJIT=0" (JavaScriptCore's options; the clients keep theirs).
    ...(kind === "ours" || kind === "cluster" ? oursEnv() : {}),
    ...opts.env,
  };
  const proc = Bun.spawn(withFdLimit(cmd), { cwd: ROOT, env, stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const deadline = Date.now() + 30_000;
  let port = 0;
  while (!port) {
    const chunk = await Promise.race([reader.read(), sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    if (chunk === null) throw new Error(`${kind} server did not report a port within 30 s`);
    if (chunk.done) throw new Error(`${kind} server exited before listening: ${buffered}`);
    buffered += decoder.decode(chunk.value, { stream: true });
    const m = /Listening on https?:\/\/[^\s:]+:(\d+)/.exec(buffered);
    if (m) port = Number(m[1]);
  }
  // Keep draining stdout so the server never blocks on a full pipe.
  void (async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {}
  })();
  return {
    kind,
    pid: proc.pid,
    port,
    proc,
    async stop() {
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), sleep(3000).then(() => false)]);
      if (!exited) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
    },
  };
}

/**
 * Cluster mode: a redis-server on a free loopback port and `nodes` of our servers sharing it
 * (REDIS_URL). `pid` is the first node's (its RSS is reported: one node's share of the sockets);
 * `pids` are every node's and Redis's (their CPU is reported: the frames' whole way); `ports` are
 * every node's, and each pair is split over two of them.
 */
/** A redis-server on a free loopback port, with nothing saved to disk. */
export async function startRedis(): Promise<{ port: number; proc: ReturnType<typeof Bun.spawn> }> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const proc = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdout: "ignore",
    stderr: "inherit",
  });
  await sleep(300);
  return { port, proc };
}

export async function startCluster(nodes: number, opts: { hostname: string; oursMain?: string }): Promise<Started & { ports: number[] }> {
  const { port: redisPort, proc: redis } = await startRedis();
  const started: Started[] = [];
  try {
    for (let i = 0; i < nodes; i++) started.push(await startServer("cluster", { ...opts, env: { REDIS_URL: `redis://127.0.0.1:${redisPort}` } }));
  } catch (err) {
    for (const s of started) await s.stop();
    redis.kill("SIGKILL");
    throw err;
  }
  const first = started[0]!;
  return {
    ...first,
    ports: started.map((s) => s.port),
    redisPort,
    redisPid: redis.pid,
    pids: [...started.map((s) => s.pid), redis.pid],
    async stop() {
      for (const s of started) await s.stop();
      redis.kill("SIGKILL");
      await redis.exited;
    },
  };
}
