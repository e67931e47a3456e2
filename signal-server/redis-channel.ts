/**
 * One Redis pub/sub channel heard as bytes. Bun's RedisClient hands a subscriber every message as a
 * string (decoded as UTF-8), so binary frames would have to travel as latin1 text, encoded and
 * decoded at both ends. This connection speaks just enough RESP (AUTH, SELECT, SUBSCRIBE and the
 * pushes that follow) to hand each message over as a view of the bytes that arrived: a frame for a
 * socket is written to it as it came from the other node, with no copy and no string.
 *
 * It reconnects on its own (100 ms, doubling up to 2 s) and subscribes again.
 */
import type { Socket } from "bun";

const CR = 13;
const LF = 10;
const enc = new TextEncoder();

/** The RESP of a command whose arguments are all strings. */
function command(args: string[]): Uint8Array {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${enc.encode(a).length}\r\n${a}\r\n`;
  return enc.encode(s);
}

export interface ChannelOptions {
  url: string;
  channel: string;
  /**
   * A message, as a view of the bytes read (valid during the call only: copy what is kept). All
   * the messages of one read are handed over before `onRead`.
   */
  onMessage: (message: Uint8Array) => void;
  /** After the messages of one read: a place to write out what they produced. */
  onRead?: () => void;
  /** Subscribed (again, after a reconnect). */
  onSubscribed?: (again: boolean) => void;
}

export class RedisChannel {
  private socket: Socket<undefined> | null = null;
  private rest: Uint8Array | null = null;
  private subscribed = false;
  private stopped = false;
  private once = false;
  private retryMs = 100;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstSubscribe: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;
  private readonly hello: Uint8Array;

  constructor(private opts: ChannelOptions) {
    const url = new URL(opts.url);
    this.tls = url.protocol === "rediss:";
    this.host = url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
    this.port = Number(url.port) || 6379;
    const parts: Uint8Array[] = [];
    const password = decodeURIComponent(url.password);
    const user = decodeURIComponent(url.username);
    if (password) parts.push(command(user ? ["AUTH", user, password] : ["AUTH", password]));
    const db = url.pathname.replace(/^\//, "");
    if (db && db !== "0") parts.push(command(["SELECT", db]));
    parts.push(command(["SUBSCRIBE", opts.channel]));
    this.hello = Buffer.concat(parts);
  }

  get connected() {
    return this.subscribed;
  }

  /** Resolves once subscribed the first time; rejects if that first connection fails. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstSubscribe = { resolve, reject };
      this.connect();
    });
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.end();
    this.socket = null;
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
          this.rest = null;
          s.write(this.hello);
        },
        data: (_s, data) => this.read(data),
        close: () => this.lost(),
        error: () => this.lost(),
        connectError: () => this.lost(new Error(`could not connect to Redis at ${this.host}:${this.port}`)),
      },
    }).catch((err) => this.lost(err));
  }

  private lost(err?: Error) {
    this.socket = null;
    this.subscribed = false;
    this.rest = null;
    if (this.stopped || this.timer) return;
    if (this.firstSubscribe && !this.once) {
      this.firstSubscribe.reject(err ?? new Error("Redis closed the connection"));
      this.firstSubscribe = null;
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
    if (this.rest) {
      b = Buffer.concat([this.rest, data]);
      this.rest = null;
    }
    let at = 0;
    while (at < b.length) {
      const next = this.reply(b, at);
      if (next < 0) break;
      at = next;
    }
    if (at < b.length) this.rest = b.slice(at);
    this.opts.onRead?.();
  }

  /** Handles the reply at `at`; returns where the next one starts, or -1 if it is not all here. */
  private reply(b: Uint8Array, at: number): number {
    const t = b[at];
    if (t === 43 /* + */ || t === 45 /* - */ || t === 58 /* : */) {
      const end = lineEnd(b, at);
      if (end < 0) return -1;
      if (t === 45) console.warn(`signal: Redis refused this node's channel: ${Buffer.from(b.subarray(at + 1, end)).toString()}`);
      return end + 2;
    }
    if (t !== 42 /* * */) {
      // Out of step with the protocol: start over on a new connection.
      this.socket?.end();
      return b.length;
    }
    // A push: *3 then three bulk strings (message), or two and an integer (subscribe).
    let i = lineEnd(b, at);
    if (i < 0) return -1;
    const count = int(b, at + 1, i);
    i += 2;
    let kind = -1;
    let payload: Uint8Array | null = null;
    for (let n = 0; n < count; n++) {
      if (i >= b.length) return -1;
      const e = lineEnd(b, i);
      if (e < 0) return -1;
      if (b[i] === 36 /* $ */) {
        const len = int(b, i + 1, e);
        const start = e + 2;
        if (start + len + 2 > b.length) return -1;
        if (n === 0) kind = b[start]!; // 'm'essage or 's'ubscribe / 'u'nsubscribe
        if (n === 2) payload = b.subarray(start, start + len);
        i = start + len + 2;
      } else i = e + 2;
    }
    if (kind === 109 /* m */ && payload) this.opts.onMessage(payload);
    else if (kind === 115 /* s */) {
      this.subscribed = true;
      this.retryMs = 100;
      const again = this.once;
      this.once = true;
      this.firstSubscribe?.resolve();
      this.firstSubscribe = null;
      this.opts.onSubscribed?.(again);
    }
    return i;
  }
}

function lineEnd(b: Uint8Array, from: number): number {
  for (let i = from; i + 1 < b.length; i++) if (b[i] === CR && b[i + 1] === LF) return i;
  return -1;
}

function int(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  let sign = 1;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 45) sign = -1;
    else n = n * 10 + (c - 48);
  }
  return sign * n;
}
