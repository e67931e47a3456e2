/**
 * A connection of a node's own to Redis, speaking just enough RESP for one job (the node's channel
 * heard as bytes, redis-channel.ts; frames published with no promise each, redis-pipe.ts). Bun's
 * RedisClient serves everything else. This part: the URL, AUTH and SELECT, reconnecting (100 ms,
 * doubling up to 2 s), and the bytes of a reply cut over two reads.
 */
import type { Socket } from "bun";

const CR = 13;
const LF = 10;
const enc = new TextEncoder();

/** The RESP of a command whose arguments are strings or bytes. */
export function command(args: (string | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = [enc.encode(`*${args.length}\r\n`)];
  for (const a of args) {
    const bytes = typeof a === "string" ? enc.encode(a) : a;
    parts.push(enc.encode(`$${bytes.byteLength}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}
const CRLF = enc.encode("\r\n");

export abstract class RespConnection {
  protected socket: Socket<undefined> | null = null;
  /**
   * The start of a reply cut by the end of a read, in `held[0, heldLength)`: the next reads are
   * appended (the buffer grows by doubling, and is kept), so a large reply over several reads is
   * copied about once, not once per read.
   */
  private held = new Uint8Array(0);
  private heldLength = 0;
  private stopped = false;
  /** Connected once already (a later connection is a reconnect). */
  protected once = false;
  private retryMs = 100;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private first: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;
  /** AUTH and SELECT as the URL asks, written first on every connection. */
  protected readonly hello: Uint8Array;
  /** How many replies `hello` gets. */
  protected readonly helloReplies: number;

  constructor(url: string) {
    const u = new URL(url);
    this.tls = u.protocol === "rediss:";
    this.host = u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
    this.port = Number(u.port) || 6379;
    const parts: Uint8Array[] = [];
    const password = decodeURIComponent(u.password);
    const user = decodeURIComponent(u.username);
    if (password) parts.push(command(user ? ["AUTH", user, password] : ["AUTH", password]));
    const db = u.pathname.replace(/^\//, "");
    if (db && db !== "0") parts.push(command(["SELECT", db]));
    this.hello = Buffer.concat(parts);
    this.helloReplies = parts.length;
  }

  /** Resolves once ready the first time (see `ready`); rejects if that first connection fails. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.first = { resolve, reject };
      this.connect();
    });
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.end();
    this.socket = null;
  }

  /** The connection is open: write what it starts with. */
  protected abstract opened(s: Socket<undefined>): void;
  /** The connection is gone (it will be made again unless stopped). */
  protected abstract closed(): void;
  /** Handles the reply at `at`; returns where the next one starts, or -1 if it is not all here. */
  protected abstract reply(b: Uint8Array, at: number): number;
  /** After the replies of one read. */
  protected readDone() {}
  /** The socket can take more (after a write that it took only part of). */
  protected drained() {}

  /** The connection does its job (subscribed; ready to publish): the first start resolves. */
  protected ready() {
    this.retryMs = 100;
    this.once = true;
    this.first?.resolve();
    this.first = null;
  }

  /** Out of step with the protocol: start over on a new connection. */
  protected desync(b: Uint8Array): number {
    this.socket?.end();
    return b.length;
  }

  private connect() {
    if (this.stopped) return;
    Bun.connect({
      hostname: this.host,
      port: this.port,
      tls: this.tls,
      socket: {
        open: (s) => {
          this.socket = s;
          this.heldLength = 0;
          this.opened(s);
        },
        data: (_s, data) => this.read(data),
        drain: () => this.drained(),
        close: () => this.lost(),
        error: () => this.lost(),
        connectError: () => this.lost(new Error(`could not connect to Redis at ${this.host}:${this.port}`)),
      },
    }).catch((err) => this.lost(err));
  }

  private lost(err?: Error) {
    this.socket = null;
    this.heldLength = 0;
    this.closed();
    if (this.stopped || this.timer) return;
    if (this.first && !this.once) {
      this.first.reject(err ?? new Error("Redis closed the connection"));
      this.first = null;
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(2000, this.retryMs * 2);
  }

  private read(data: Uint8Array) {
    let b = data;
    if (this.heldLength) {
      const length = this.heldLength + data.byteLength;
      if (length > this.held.byteLength) {
        const grown = new Uint8Array(Math.max(length, 2 * this.held.byteLength));
        grown.set(this.held.subarray(0, this.heldLength));
        this.held = grown;
      }
      this.held.set(data, this.heldLength);
      b = this.held.subarray(0, length);
    }
    let at = 0;
    while (at < b.length) {
      const next = this.reply(b, at);
      if (next < 0) break;
      at = next;
    }
    // What the replies handed over (views of `b`) is written out before `b` is overwritten.
    this.readDone();
    const rest = b.length - at;
    if (rest === 0) this.heldLength = 0;
    else if (b === data) {
      if (rest > this.held.byteLength) this.held = new Uint8Array(Math.max(rest, 2 * this.held.byteLength));
      this.held.set(data.subarray(at));
      this.heldLength = rest;
    } else {
      if (at > 0) this.held.copyWithin(0, at, b.length);
      this.heldLength = rest;
    }
  }
}

/** Where the line starting at `from` ends (its CR), or -1 if it is not all here. */
export function lineEnd(b: Uint8Array, from: number): number {
  for (let i = from; i + 1 < b.length; i++) if (b[i] === CR && b[i + 1] === LF) return i;
  return -1;
}

/** The decimal integer in b[from, to). */
export function int(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  let sign = 1;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 45) sign = -1;
    else n = n * 10 + (c - 48);
  }
  return sign * n;
}
