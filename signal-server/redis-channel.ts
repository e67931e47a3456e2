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
import { RespConnection, command, int, lineEnd } from "./redis-resp.ts";

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

export class RedisChannel extends RespConnection {
  private subscribed = false;
  private readonly subscribe: Uint8Array;

  constructor(private opts: ChannelOptions) {
    super(opts.url);
    this.subscribe = command(["SUBSCRIBE", opts.channel]);
  }

  get connected() {
    return this.subscribed;
  }

  protected opened(s: Socket<undefined>) {
    s.write(Buffer.concat([this.hello, this.subscribe]));
  }

  protected closed() {
    this.subscribed = false;
  }

  protected override readDone() {
    this.opts.onRead?.();
  }

  protected reply(b: Uint8Array, at: number): number {
    const t = b[at];
    if (t === 43 /* + */ || t === 45 /* - */ || t === 58 /* : */) {
      const end = lineEnd(b, at);
      if (end < 0) return -1;
      if (t === 45) console.warn(`signal: Redis refused this node's channel: ${Buffer.from(b.subarray(at + 1, end)).toString()}`);
      return end + 2;
    }
    if (t !== 42 /* * */) return this.desync(b);
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
      const again = this.once;
      this.ready();
      this.opts.onSubscribed?.(again);
    }
    return i;
  }
}
