/**
 * A minimal RFC 6455 WebSocket client over Bun.connect, for the load generator only: it should
 * cost the machine as little as possible so the servers under test, not the generator, set the
 * pace. Client frames are built once (the mask key is zero, which RFC 6455 allows: the payload
 * goes out as is), several frames leave in one write, and incoming frames are cut out of each
 * read without copying unless a frame spans two reads.
 */
import type { Socket } from "bun";

export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** One client frame (FIN, masked with a zero key), ready to write. */
export function clientFrame(payload: Uint8Array | string, opcode = typeof payload === "string" ? OP_TEXT : OP_BINARY): Uint8Array {
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const n = body.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = new Uint8Array(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out[2] = n >> 8;
    out[3] = n & 0xff;
  } else {
    out[1] = 0x80 | 127;
    new DataView(out.buffer).setUint32(6, n);
  }
  // Mask key: four zero bytes (already zero), then the payload unchanged.
  out.set(body, head + 4);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface RawHandlers {
  open(c: RawWs): void;
  /** A data frame (text or binary); `payload` is only valid during the call. */
  frame(c: RawWs, opcode: number, payload: Uint8Array): void;
  close(c: RawWs, why: string): void;
}

const CRLF2 = new Uint8Array([13, 10, 13, 10]);

export class RawWs {
  socket: Socket<RawWs> | null = null;
  upgraded = false;
  closed = false;
  /** Bytes of an incomplete frame (or of the HTTP response) carried over to the next read. */
  private rest: Uint8Array | null = null;
  /** Bytes not yet accepted by the kernel, written again on drain. */
  private queue: Uint8Array[] = [];

  constructor(
    readonly url: URL,
    readonly handlers: RawHandlers,
    readonly tag: unknown = null,
  ) {}

  connect() {
    void Bun.connect<RawWs>({
      hostname: this.url.hostname,
      port: Number(this.url.port),
      data: this,
      socket: SOCKET_HANDLERS,
    }).catch((err) => this.fail(`connect: ${err}`));
  }

  /** Writes bytes (one or many frames) now, keeping whatever the kernel did not take for drain. */
  write(bytes: Uint8Array) {
    if (this.closed || !this.socket) return;
    if (this.queue.length) {
      this.queue.push(bytes);
      return;
    }
    const n = this.socket.write(bytes);
    if (n < bytes.length) this.queue.push(bytes.subarray(Math.max(0, n)));
  }

  close() {
    if (this.closed) return;
    if (this.socket && this.upgraded) this.write(CLOSE_FRAME);
    this.socket?.end();
  }

  drain() {
    while (this.queue.length && this.socket) {
      const head = this.queue[0]!;
      const n = this.socket.write(head);
      if (n < head.length) {
        this.queue[0] = head.subarray(Math.max(0, n));
        return;
      }
      this.queue.shift();
    }
  }

  fail(why: string) {
    if (this.closed) return;
    this.closed = true;
    this.handlers.close(this, why);
  }

  onData(chunk: Uint8Array) {
    let buf = chunk;
    if (this.rest) {
      const joined = new Uint8Array(this.rest.length + chunk.length);
      joined.set(this.rest);
      joined.set(chunk, this.rest.length);
      buf = joined;
      this.rest = null;
    }
    let at = 0;
    if (!this.upgraded) {
      const end = indexOf(buf, CRLF2);
      if (end < 0) {
        this.rest = buf.slice();
        return;
      }
      const head = new TextDecoder().decode(buf.subarray(0, end));
      if (!head.startsWith("HTTP/1.1 101")) {
        this.fail(`upgrade refused: ${head.split("\r\n")[0]}`);
        this.socket?.end();
        return;
      }
      this.upgraded = true;
      at = end + 4;
      this.handlers.open(this);
    }
    while (at + 2 <= buf.length) {
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (at + 4 > buf.length) break;
        len = (buf[at + 2]! << 8) | buf[at + 3]!;
        head = 4;
      } else if (len === 127) {
        if (at + 10 > buf.length) break;
        len = buf[at + 6]! * 2 ** 24 + ((buf[at + 7]! << 16) | (buf[at + 8]! << 8) | buf[at + 9]!);
        head = 10;
      }
      if (b1 & 0x80) head += 4; // servers never mask, but skip a key if one is there
      if (at + head + len > buf.length) break;
      const opcode = b0 & 0x0f;
      const payload = buf.subarray(at + head, at + head + len);
      at += head + len;
      if (opcode === OP_PING) this.write(clientFrame(payload.slice(), OP_PONG));
      else if (opcode === OP_CLOSE) {
        const code = payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : 1005;
        this.fail(`closed by the server: ${code} ${new TextDecoder().decode(payload.subarray(2))}`);
        this.socket?.end();
        return;
      } else if (opcode === OP_TEXT || opcode === OP_BINARY) this.handlers.frame(this, opcode, payload);
      if (this.closed) return;
    }
    if (at < buf.length) this.rest = buf.slice(at);
  }
}

const CLOSE_FRAME = clientFrame(new Uint8Array([0x03, 0xe8]), OP_CLOSE); // 1000, normal closure

const SOCKET_HANDLERS = {
  open(s: Socket<RawWs>) {
    const c = s.data;
    c.socket = s;
    const { hostname, port, pathname, search } = c.url;
    s.write(
      `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  },
  data(s: Socket<RawWs>, chunk: Uint8Array) {
    s.data.onData(chunk);
  },
  drain(s: Socket<RawWs>) {
    s.data.drain();
  },
  close(s: Socket<RawWs>) {
    s.data.fail("connection closed");
  },
  error(s: Socket<RawWs>, err: Error) {
    s.data.fail(`socket error: ${err.message}`);
  },
  connectError(s: Socket<RawWs>, err: Error) {
    s.data.fail(`connect: ${err.message}`);
  },
};

const KEY = Buffer.from("onelink-bench-16").toString("base64");

/** Index of `needle` in `hay` (both small), or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from);
}
