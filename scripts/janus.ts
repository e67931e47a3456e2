/**
 * A private Janus (the group calls' SFU) for `npm start` and the tests: a trimmed config in a
 * fresh temporary folder, the WebSocket API on 127.0.0.1 only behind a random API secret, the
 * VideoRoom plugin alone, started and stopped with the caller.
 *
 *   bun scripts/janus.ts ensure   installs Debian's `janus` when missing (unless SFU_URLS or SFU=off)
 *   bun scripts/janus.ts          runs one in the foreground and prints its URL and secret
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SFU_RTP_PORTS, readConfig } from "../signal-server/config.ts";

export const JANUS_BIN = "/usr/bin/janus";

export interface JanusOptions {
  /** The API's port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** API secret every request must carry (default: random). */
  secret?: string;
  /** UDP ports for media, "min-max" (default: SFU_RTP_PORTS's default). */
  rtpPorts?: string;
  /** The only interfaces ICE may use (Janus's -E), e.g. a test namespace's veth end. */
  iface?: string;
  /** Janus's own log level, 0-7 (default 2: errors only). */
  debugLevel?: number;
  /** How long Janus may take to answer its API (default 15 s). */
  startTimeoutMs?: number;
  bin?: string;
  /** Where Janus's output goes once it is up (default: our stderr, each line prefixed). */
  onLog?: (line: string) => void;
}

export interface RunningJanus {
  /** The WebSocket API, subprotocol "janus-protocol". */
  url: string;
  secret: string;
  pid: number;
  /** Resolves with Janus's exit code, however it ends. */
  exited: Promise<number>;
  /** SIGTERM (SIGKILL after 5 s), then its config folder is removed. */
  stop(): Promise<void>;
}

/** Where the package put its plugins: /usr/lib/<multiarch>/janus on Debian. */
function janusLibDir(): string {
  const multiarch = existsSync("/usr/lib") ? readdirSync("/usr/lib").filter((d) => d.includes("-linux-")) : [];
  const candidates = [...multiarch.map((d) => `/usr/lib/${d}/janus`), "/usr/lib/janus", "/usr/local/lib/janus", "/opt/janus/lib/janus"];
  const found = candidates.find((dir) => existsSync(join(dir, "plugins", "libjanus_videoroom.so")));
  if (!found) throw new Error(`Janus's VideoRoom plugin was not found in ${candidates.join(", ")} (is the janus package installed?)`);
  return found;
}

/** Every module in a Janus folder but `keep`, as Janus's comma-separated `disable` list. */
function allBut(dir: string, keep: string): string {
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => /^libjanus_\w+\.so$/.test(f) && f !== keep) : [];
  return names.sort().join(",");
}

/** The trimmed configuration: janus.jcfg, the WebSocket transport's and VideoRoom's. */
export function writeJanusConfig(dir: string, opts: { port: number; secret: string; debugLevel: number }): void {
  const lib = janusLibDir();
  const folder = (name: string) => join(lib, name);
  writeFileSync(
    join(dir, "janus.jcfg"),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${folder("plugins")}"
  transports_folder = "${folder("transports")}"
  events_folder = "${folder("events")}"
  loggers_folder = "${folder("loggers")}"
  debug_level = ${opts.debugLevel}
  api_secret = "${opts.secret}"
  hide_dependencies = true
}
plugins: {
  disable = "${allBut(folder("plugins"), "libjanus_videoroom.so")}"
}
transports: {
  disable = "${allBut(folder("transports"), "libjanus_websockets.so")}"
}
loggers: {
  disable = "${allBut(folder("loggers"), "")}"
}
events: {
  broadcast = false
}
`,
  );
  writeFileSync(
    join(dir, "janus.transport.websockets.jcfg"),
    `general: {
  json = "plain"
  ws = true
  ws_ip = "127.0.0.1"
  ws_port = ${opts.port}
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
  );
  writeFileSync(join(dir, "janus.plugin.videoroom.jcfg"), "general: {\n  string_ids = true\n}\n");
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export type JanusMessage = { janus: string; transaction?: string; [key: string]: unknown };

/** One WebSocket to Janus's API: requests matched to replies by transaction (acks skipped). */
export async function openJanusSocket(url: string, timeoutMs = 5000) {
  const ws = new WebSocket(url, "janus-protocol");
  const waiting = new Map<string, (msg: JanusMessage) => void>();
  const events: JanusMessage[] = [];
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as JanusMessage;
    const settle = msg.transaction && msg.janus !== "ack" ? waiting.get(msg.transaction) : undefined;
    if (settle) {
      waiting.delete(msg.transaction!);
      settle(msg);
    } else events.push(msg);
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from ${url} within ${timeoutMs} ms`)), timeoutMs);
    ws.onopen = () => (clearTimeout(timer), resolve());
    ws.onerror = () => (clearTimeout(timer), reject(new Error(`cannot connect to ${url}`)));
  });
  ws.onclose = () => {
    for (const settle of waiting.values()) settle({ janus: "error", error: { code: 0, reason: "connection closed" } });
    waiting.clear();
  };
  return {
    /** Unsolicited messages (events, hangups) in arrival order. */
    events,
    request(body: Record<string, unknown>): Promise<JanusMessage> {
      const transaction = randomBytes(8).toString("hex");
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => (waiting.delete(transaction), reject(new Error(`Janus did not answer "${body.janus}" within ${timeoutMs} ms`))),
          timeoutMs,
        );
        waiting.set(transaction, (msg) => (clearTimeout(timer), resolve(msg)));
        ws.send(JSON.stringify({ ...body, transaction }));
      });
    },
    close() {
      ws.close();
    },
  };
}

/** Whether Janus answers `info` on its API right now. */
async function answers(url: string): Promise<boolean> {
  try {
    const socket = await openJanusSocket(url, 1000);
    try {
      return (await socket.request({ janus: "info" })).janus === "server_info";
    } finally {
      socket.close();
    }
  } catch {
    return false;
  }
}

/** Keeps the last lines of a stream, and once `live` is set hands each new line on. */
function tail(stream: ReadableStream<Uint8Array>, keep = 20) {
  const lines: string[] = [];
  const state = { live: null as ((line: string) => void) | null, lines };
  void (async () => {
    let partial = "";
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const text = partial + decoder.decode(read.value, { stream: true });
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > keep) lines.shift();
        state.live?.(line);
      }
    }
  })().catch(() => {});
  return state;
}

/**
 * Janus dies with us even when we are killed (SIGKILL runs no handler): the kernel's parent-death
 * signal. In a session of its own (detached), a Ctrl-C reaches only us, and we stop it in order.
 */
const WITH_PARENT = existsSync("/usr/bin/setpriv") ? ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] : [];

async function startOnce(opts: JanusOptions, port: number, secret: string): Promise<RunningJanus | { failed: string; portTaken: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), "onelink-janus-"));
  writeJanusConfig(dir, { port, secret, debugLevel: opts.debugLevel ?? 2 });
  const args = ["-F", dir, "-C", join(dir, "janus.jcfg"), "-o", "-r", opts.rtpPorts ?? DEFAULT_SFU_RTP_PORTS];
  if (opts.iface) args.push("-E", opts.iface);
  const proc = Bun.spawn([...WITH_PARENT, opts.bin ?? JANUS_BIN, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true });
  const out = tail(proc.stdout);
  const err = tail(proc.stderr);
  const url = `ws://127.0.0.1:${port}`;
  let exitCode: number | null = null;
  const exited = proc.exited.then((code) => {
    exitCode = code;
    rmSync(dir, { recursive: true, force: true });
    return code;
  });
  const stop = async () => {
    if (exitCode !== null) return;
    out.live = err.live = null; // its goodbye is no news
    proc.kill("SIGTERM");
    const killer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  while (exitCode === null && Date.now() < deadline) {
    if (await answers(url)) {
      const log = opts.onLog ?? ((line: string) => console.error(`janus: ${line}`));
      out.live = log;
      err.live = log;
      return { url, secret, pid: proc.pid, exited, stop };
    }
    await Bun.sleep(100);
  }
  await stop();
  await Bun.sleep(50); // the last lines of its output
  const said = [...err.lines, ...out.lines].slice(-15).join("\n  ");
  const why = exitCode === null ? `did not answer on ${url} within ${opts.startTimeoutMs ?? 15_000} ms` : `exited with code ${exitCode}`;
  return { failed: `Janus ${why}; its last lines:\n  ${said || "(none)"}`, portTaken: /creating vhost|No WebSockets server started/i.test(said) };
}

/** Starts a private Janus; throws with its last output lines if it does not answer in time. */
export async function startJanus(opts: JanusOptions = {}): Promise<RunningJanus> {
  const bin = opts.bin ?? JANUS_BIN;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: install Debian's janus package (npm start does, or \`bun scripts/janus.ts ensure\`)`);
  const secret = opts.secret || randomBytes(24).toString("base64url");
  // A port picked here may be taken before Janus binds it: try another, a few times.
  for (let attempt = 1; ; attempt++) {
    const started = await startOnce(opts, opts.port ?? freePort(), secret);
    if (!("failed" in started)) return started;
    if (opts.port !== undefined || !started.portTaken || attempt === 3) throw new Error(started.failed);
  }
}

/** Installs Debian's janus package when its binary is missing (apt-get, with sudo when not root). */
export function ensureJanus(bin = JANUS_BIN): void {
  if (existsSync(bin)) return;
  console.log("Installing Janus (Debian package janus) for group calls…");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const cmd of [
    ["apt-get", "update", "-qq"],
    ["apt-get", "install", "-y", "-qq", "janus"],
  ]) {
    const run = Bun.spawnSync([...sudo, ...cmd], { env, stdout: "inherit", stderr: "inherit" });
    if (run.exitCode !== 0)
      throw new Error(`\`${[...sudo, ...cmd].join(" ")}\` failed (exit ${run.exitCode}): install the janus package, or set SFU_URLS or SFU=off`);
  }
  if (!existsSync(bin)) throw new Error(`the janus package is installed but ${bin} is missing`);
}

if (import.meta.main) {
  const config = readConfig();
  if (process.argv[2] === "ensure") {
    if (config.sfu && config.sfuUrls.length === 0) ensureJanus();
  } else {
    ensureJanus();
    const janus = await startJanus({ secret: config.sfuSecret, rtpPorts: config.sfuRtpPorts, iface: config.sfuInterface || undefined });
    console.log(`Janus ${janus.pid} answers on ${janus.url} (API secret ${janus.secret}); Ctrl-C stops it`);
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void janus.stop().then(() => process.exit(0)));
    process.exit(await janus.exited);
  }
}
