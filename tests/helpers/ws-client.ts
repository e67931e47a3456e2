/**
 * Test helpers for the signal server: start the real server on an ephemeral loopback port and
 * talk to it with real WebSocket clients that decode every frame with the protocol codec.
 */
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { decodeServer, encode, type ClientMessage, type ServerMessage, type WithoutVersion } from "../../protocol/index.ts";
import { readConfig, type ServerConfig } from "../../signal-server/config.ts";
import { startServer } from "../../signal-server/server.ts";
import type { SignalingOptions } from "../../signal-server/socket.ts";

export type App = ReturnType<typeof startServer>;
export type Msg<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;

/** The real server on 127.0.0.1 and a free port, with any config overridden. */
export function startTestServer(overrides: Partial<ServerConfig> = {}, options: SignalingOptions = {}): App {
  return startServer({ ...readConfig({}), port: 0, hostname: "127.0.0.1", ...overrides }, options);
}

export const wsUrl = (app: App) => `ws://127.0.0.1:${app.server.port}/ws`;
export const httpUrl = (app: App, path: string) => `http://127.0.0.1:${app.server.port}${path}`;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Closed {
  code: number;
  reason: string;
}

export class TestClient {
  readonly ws: WebSocket;
  /** Every decoded server message, in arrival order (kept even after `next` consumed it). */
  readonly received: ServerMessage[] = [];
  /** Frames the protocol codec rejected: a well-behaved server never sends any. */
  readonly invalid: string[] = [];
  readonly closed: Promise<Closed>;
  isClosed = false;
  private queue: ServerMessage[] = [];
  private waiters = new Set<() => void>();

  /** `headers` (Bun's WebSocket accepts them) let a test act as a browser page of some Origin. */
  constructor(url: string, headers?: Record<string, string>) {
    this.ws = headers ? new WebSocket(url, { headers } as unknown as string[]) : new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onmessage = (ev) => {
      const decoded = decodeServer(ev.data);
      if (!decoded.ok) this.invalid.push(decoded.text);
      else {
        this.received.push(decoded.msg);
        this.queue.push(decoded.msg);
      }
      for (const w of [...this.waiters]) w();
    };
    this.closed = new Promise((resolve) => {
      this.ws.onclose = (ev) => {
        this.isClosed = true;
        resolve({ code: ev.code, reason: ev.reason });
        for (const w of [...this.waiters]) w();
      };
    });
  }

  opened(timeoutMs = 2000): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        this.ws.onopen = () => resolve();
        this.ws.onerror = () => reject(new Error("WebSocket failed to open"));
      }),
      timeoutMs,
      "open",
    );
  }

  send(msg: WithoutVersion<ClientMessage>) {
    this.ws.send(encode(msg));
  }

  sendRaw(data: Uint8Array | string) {
    this.ws.send(data);
  }

  /** Resolves with (and consumes) the next message of `type`; other messages stay queued. */
  next<T extends ServerMessage["type"]>(type: T, timeoutMs = 2000): Promise<Msg<T>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.queue.findIndex((m) => m.type === type);
        if (i >= 0) {
          done();
          resolve(this.queue.splice(i, 1)[0] as Msg<T>);
        } else if (this.isClosed) {
          done();
          reject(new Error(`socket closed while waiting for "${type}"; got ${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no "${type}" within ${timeoutMs} ms; got ${this.describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Unconsumed messages of `type` (or all), without waiting. */
  pending(type?: ServerMessage["type"]): ServerMessage[] {
    return this.queue.filter((m) => type === undefined || m.type === type);
  }

  /** The close code, failing if the socket is still open after `timeoutMs`. */
  async closeCode(timeoutMs = 2000): Promise<number> {
    return (await withTimeout(this.closed, timeoutMs, "close")).code;
  }

  close() {
    if (!this.isClosed) this.ws.close();
  }

  private describe() {
    return JSON.stringify(this.received.map((m) => m.type));
  }
}

export async function openClient(app: App | string, headers?: Record<string, string>): Promise<TestClient> {
  const client = new TestClient(typeof app === "string" ? app : wsUrl(app), headers);
  await client.opened();
  return client;
}

/** Two clients joined to `room`, the first told about the second. */
export async function openPair(app: App, room: string) {
  const a = await openClient(app);
  a.send({ type: "join", room });
  const aJoined = await a.next("joined");
  const b = await openClient(app);
  b.send({ type: "join", room });
  const bJoined = await b.next("joined");
  await a.next("peer-joined");
  return { a, b, aId: aJoined.self, bId: bJoined.self, aJoined, bJoined };
}

/** Polls until `check` is true, failing after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 2000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/**
 * A hand-made WebSocket over a raw TCP socket that never answers pings: a dead peer as the
 * server sees it (a browser tab frozen, a laptop lid closed).
 */
export async function openSilentSocket(app: App): Promise<{ sock: Socket; sendBinary(b: Uint8Array): void; closed: Promise<void> }> {
  const sock = connect(app.server.port!, "127.0.0.1");
  const key = randomBytes(16).toString("base64");
  sock.write(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      sock.once("data", (d) => (d.toString("latin1").startsWith("HTTP/1.1 101") ? resolve() : reject(new Error("no upgrade"))));
      sock.once("error", reject);
    }),
    2000,
    "raw upgrade",
  );
  const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
  sock.on("error", () => {});
  return {
    sock,
    closed,
    sendBinary(payload: Uint8Array) {
      // Client frames must be masked (RFC 6455 §5.3); payloads here stay under 64 KiB.
      const mask = randomBytes(4);
      const len = payload.length;
      const header = len < 126 ? [0x82, 0x80 | len] : [0x82, 0x80 | 126, len >> 8, len & 0xff];
      const masked = payload.map((b, i) => b ^ mask[i % 4]!);
      sock.write(Buffer.concat([Buffer.from(header), mask, Buffer.from(masked)]));
    },
  };
}
