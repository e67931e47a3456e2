/**
 * Many signaling nodes on loopback: a real redis-server on a free port, nodes in this process or
 * as child processes (to kill -9), and a tiny TCP forwarder standing in for the load balancer
 * (each connection goes to the first node that accepts it).
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import type { ServerConfig } from "../../signal-server/config.ts";
import type { SignalingOptions } from "../../signal-server/socket.ts";
import { startTestServer, sleep, withTimeout, type App } from "./ws-client.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export class Redis {
  proc: Subprocess | null = null;
  constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async start(): Promise<Redis> {
    const r = new Redis(await freePort());
    await r.up();
    return r;
  }
  async up() {
    this.proc = Bun.spawn(["redis-server", "--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdout: "ignore",
      stderr: "ignore",
    });
    const end = Date.now() + 5000;
    while (!(await canConnect(this.port))) {
      if (Date.now() > end) throw new Error("redis-server did not start");
      await sleep(20);
    }
  }
  /** Stops it with everything it held (no persistence): a Redis restart loses all. */
  async down() {
    this.proc?.kill(9);
    await this.proc?.exited;
    this.proc = null;
  }
}

/** A node in this process, connected to Redis. */
export async function startNode(redis: Redis, overrides: Partial<ServerConfig> = {}, options: SignalingOptions = {}): Promise<App> {
  const app = startTestServer({ redisUrl: redis.url, ...overrides }, options);
  await withTimeout(app.ready, 5000, "node connected to Redis");
  return app;
}

/** A node as a child process (signal-server/main.ts), to be killed. */
export async function spawnNode(redis: Redis, env: Record<string, string> = {}) {
  const port = await freePort();
  const proc = Bun.spawn([BUN, resolve(ROOT, "signal-server/main.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", REDIS_URL: redis.url, SFU: "off", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  // Ready when it says so (Redis reached, its signals handled), not when its port first accepts.
  await withTimeout(saysListening(proc.stdout), 10_000, "the node to start").catch((err) => {
    proc.kill(9);
    throw err;
  });
  return { proc, port, url: `ws://127.0.0.1:${port}/ws` };
}

/** Resolves once the node's log says it listens; the rest of its log is read and dropped (a full pipe would stall it). */
async function saysListening(stdout: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let log = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the node exited before listening: ${log.trim()}`);
    log += decoder.decode(value, { stream: true });
    if (log.includes("Listening on")) break;
  }
  void (async () => {
    while (!(await reader.read().catch(() => ({ done: true }))).done) {}
  })();
}

/** A TCP forwarder on loopback: each connection goes to the first of `ports()` that accepts it. */
export async function startForwarder(ports: () => number[]): Promise<{ port: number; url: string; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.pause();
    const tryAt = (i: number) => {
      const list = ports();
      if (i >= list.length) return client.destroy();
      const up = connect(list[i]!, "127.0.0.1");
      up.once("error", () => tryAt(i + 1));
      up.once("connect", () => {
        sockets.add(up);
        up.removeAllListeners("error");
        client.pipe(up).pipe(client);
        client.resume();
        const end = () => {
          client.destroy();
          up.destroy();
        };
        up.on("error", end).on("close", end);
        client.on("error", end).on("close", end);
      });
    };
    tryAt(0);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
