/**
 * Frames to other nodes, published on a connection of the node's own: the PUBLISH commands of one
 * flush are RESP bytes the node writes itself, in one write, and each reply (an integer, how many
 * nodes heard it) goes to a callback kept in order, with no promise per command and no copy of the
 * batch but the kernel's. Bun's RedisClient would copy each batch into a command of its own and
 * settle a promise for each.
 *
 * While Redis is away, commands wait (up to MAX_QUEUED_BYTES) and go out, in order, once it is back;
 * those written on a connection that is lost get an Error as their reply.
 */
import type { Socket } from "bun";
import { RespConnection, int, lineEnd } from "./redis-resp.ts";

/** A command's reply: an integer (or 0 for a status reply such as +OK), or what Redis refused. */
export type Answer = (reply: number | Error) => void;

/** Commands waiting for a connection beyond this many bytes are dropped (their answers get an Error). */
const MAX_QUEUED_BYTES = 64 << 20;

interface Chunk {
  bytes: Uint8Array;
  /** How many commands end in these bytes. */
  commands: number;
  /** AUTH / SELECT of one connection: not sent again on the next. */
  hello?: boolean;
}

export class RedisPipe extends RespConnection {
  /** The answers of the commands written or waiting, in order; `head` is the next reply's. */
  private answers: (Answer | null)[] = [];
  private head = 0;
  /** Bytes not handed to the socket yet (no connection, or it took part of a write). */
  private queue: Chunk[] = [];
  private queuedBytes = 0;
  private queuedCommands = 0;
  /** queue[0] was partly written on this connection: the rest of it must go on this one or nowhere. */
  private partial = false;
  private up = false;
  /** Replies still to come for this connection's hello. */
  private skip = 0;
  private idle: (() => void)[] = [];
  private warned = false;

  get connected() {
    return this.up;
  }

  /** No reply is awaited. */
  get settled() {
    return this.head === this.answers.length;
  }

  /** Resolves once every command written or waiting has its reply (or the connection that took it was lost). */
  whenSettled(): Promise<void> {
    if (this.settled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** The next command written gets `answer` with its reply (null: not asked). Call once per command, before `write`. */
  expect(answer: Answer | null) {
    this.answers.push(answer);
  }

  /**
   * Writes `bytes`, `commands` whole commands (their answers given to `expect` just before). The
   * bytes are read now only: a buffer may be reused after the call.
   */
  write(bytes: Uint8Array, commands: number) {
    let rest = bytes;
    if (this.up && this.queue.length === 0) {
      const n = Math.max(0, this.socket!.write(bytes));
      if (n === bytes.byteLength) return;
      rest = bytes.slice(n);
      this.partial = n > 0;
    } else if (this.queuedBytes + bytes.byteLength > MAX_QUEUED_BYTES) {
      const lost = this.answers.splice(this.answers.length - commands, commands);
      if (!this.warned) console.warn("signal: Redis is not taking frames for other nodes; dropping them until it does");
      this.warned = true;
      for (const a of lost) a?.(new Error("not sent: Redis is not taking commands"));
      return;
    } else rest = bytes.slice();
    this.enqueue({ bytes: rest, commands });
  }

  private enqueue(c: Chunk, first = false) {
    if (first) this.queue.unshift(c);
    else this.queue.push(c);
    this.queuedBytes += c.bytes.byteLength;
    this.queuedCommands += c.commands;
  }

  private dequeue(): Chunk {
    const c = this.queue.shift()!;
    this.queuedBytes -= c.bytes.byteLength;
    this.queuedCommands -= c.commands;
    this.partial = false;
    return c;
  }

  protected opened(_s: Socket<undefined>) {
    this.skip = this.helloReplies;
    if (this.hello.byteLength) this.enqueue({ bytes: this.hello, commands: 0, hello: true }, true);
    this.up = true;
    this.warned = false;
    this.pump();
    this.ready();
  }

  protected override drained() {
    this.pump();
  }

  private pump() {
    while (this.up && this.queue.length) {
      const c = this.queue[0]!;
      const n = Math.max(0, this.socket!.write(c.bytes));
      if (n < c.bytes.byteLength) {
        c.bytes = c.bytes.subarray(n);
        this.queuedBytes -= n;
        if (n > 0) this.partial = true;
        return;
      }
      this.dequeue();
    }
  }

  protected closed() {
    this.up = false;
    // Commands written on the lost connection (whole, or the part of one): their replies will not come.
    let lost = this.answers.length - this.head - this.queuedCommands;
    if (this.partial) lost += this.dequeue().commands;
    if (this.queue.some((c) => c.hello)) {
      const keep = this.queue.filter((c) => !c.hello);
      this.queue = [];
      this.queuedBytes = this.queuedCommands = 0;
      for (const c of keep) this.enqueue(c);
    }
    const gone = new Error("Redis connection lost");
    for (let i = 0; i < lost; i++) this.answer(gone);
  }

  protected reply(b: Uint8Array, at: number): number {
    const t = b[at];
    if (t !== 58 /* : */ && t !== 43 /* + */ && t !== 45 /* - */) return this.desync(b);
    const end = lineEnd(b, at);
    if (end < 0) return -1;
    const r = t === 58 ? int(b, at + 1, end) : t === 43 ? 0 : new Error(Buffer.from(b.subarray(at + 1, end)).toString());
    if (this.skip > 0) {
      this.skip--;
      if (r instanceof Error) console.warn(`signal: Redis refused this node's connection: ${r.message}`);
    } else this.answer(r);
    return end + 2;
  }

  private answer(r: number | Error) {
    if (this.head === this.answers.length) return;
    const a = this.answers[this.head];
    this.answers[this.head++] = null;
    if (this.head === this.answers.length) {
      this.answers.length = 0;
      this.head = 0;
      const idle = this.idle;
      this.idle = [];
      for (const resolve of idle) resolve();
    } else if (this.head >= 1024 && this.head * 2 >= this.answers.length) {
      this.answers.splice(0, this.head);
      this.head = 0;
    }
    a?.(r);
  }
}
