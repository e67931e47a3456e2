/**
 * The server's fast paths (protocol/relay.ts) against the general path (decodeClient): when a fast
 * path accepts a frame, the general path accepts it too, with the same meaning (for a signal, the
 * relayed frame decodes to the same message); the fast paths engage for what browsers really
 * send; odd frames fall through to the general path.
 */
import { describe, expect, test } from "bun:test";
import { decodeClient, decodeServer, encode, encodeRaw, type SignalPayload } from "../protocol/index.ts";
import { readJoin, readSignal, relayedSignal, toIs } from "../protocol/relay.ts";

const FROM = "Zm9vYmFyYmF6cXV4";
const sdp = (n: number) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n${"a=x\r\n".repeat(Math.max(0, Math.floor((n - 30) / 5)))}`;

const PAYLOADS: SignalPayload[] = [
  { description: { type: "offer", sdp: sdp(4000) } },
  { description: { type: "answer", sdp: sdp(3800) } },
  { description: { type: "pranswer", sdp: "" } },
  { description: { type: "rollback", sdp: "" } },
  { description: { type: "offer", sdp: sdp(32 * 1024 - 8) } },
  { candidate: { candidate: "candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host generation 0", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "EsAw" } },
  { candidate: { candidate: "candidate:2 1 udp 1 203.0.113.9 3478 typ relay raddr 0.0.0.0 rport 0", sdpMid: null, sdpMLineIndex: 300, usernameFragment: null } },
  { candidate: { candidate: "", sdpMLineIndex: 1023 } },
  { candidate: { candidate: "candidate:3 1 tcp 5 192.0.2.1 9 typ host tcptype active", sdpMid: "video", sdpMLineIndex: 200 } },
  { candidate: null },
];

const frameOf = (data: SignalPayload, to = "YWJjZGVmZ2hpamts", session = "s-1234") => new Uint8Array(encode({ type: "signal", to, session, data }));

/** The property: a fast-path result means the general path agrees, to the byte of meaning. */
function expectAgreement(bytes: Uint8Array) {
  const fast = readSignal(bytes);
  if (!fast) return false;
  const slow = decodeClient(bytes);
  expect(slow.ok).toBe(true);
  if (!slow.ok || slow.msg.type !== "signal") throw new Error("general path disagrees");
  expect(toIs(fast, slow.msg.to)).toBe(true);
  expect(toIs(fast, `${slow.msg.to}x`)).toBe(false);
  expect(toIs(fast, `x${slow.msg.to.slice(1)}`)).toBe(slow.msg.to.startsWith("x"));
  const relayed = decodeServer(relayedSignal(FROM, fast));
  expect(relayed.ok).toBe(true);
  if (!relayed.ok) return true;
  expect(relayed.msg).toEqual({ v: 1, type: "signal", from: FROM, session: slow.msg.session, data: slow.msg.data });
  return true;
}

describe("relay fast path", () => {
  test("takes every plain signal a browser sends, and relays it unchanged in meaning", () => {
    for (const data of PAYLOADS) expect(expectAgreement(frameOf(data))).toBe(true);
    // Long peer ids and sessions (str8 headers) at their bounds.
    expect(expectAgreement(frameOf(PAYLOADS[5]!, "p".repeat(64), "s".repeat(64)))).toBe(true);
  });

  test("leaves to the general path what it does not fully understand", () => {
    const odd: unknown[] = [
      { v: 1, type: "signal", to: "abc", session: "s", data: PAYLOADS[5], extra: 1 }, // extra field
      { v: 2, type: "signal", to: "abc", session: "s", data: PAYLOADS[5] }, // other version
      { v: 1, type: "signal", to: "", session: "s", data: PAYLOADS[5] }, // empty id
      { v: 1, type: "signal", to: "abc", session: "s".repeat(65), data: PAYLOADS[5] }, // long session
      { v: 1, type: "signal", to: "p".repeat(65), session: "s", data: PAYLOADS[5] }, // long id
      { v: 1, type: "signal", to: "abc", session: "s", data: { description: { type: "offer", sdp: "é" } } }, // not ASCII
      { v: 1, type: "signal", to: "abc", session: "s", data: { description: { type: "bogus", sdp: "" } } },
      { v: 1, type: "signal", to: "abc", session: "s", data: { description: { type: "offer", sdp: "x".repeat(32 * 1024 + 1) } } },
      { v: 1, type: "signal", to: "abc", session: "s", data: { candidate: { candidate: "c", sdpMLineIndex: 1024 } } },
      { v: 1, type: "signal", to: "abc", session: "s", data: { candidate: { candidate: "c", sdpMLineIndex: -1 } } },
      { v: 1, type: "signal", to: "abc", session: "s", data: { candidate: { candidate: "c", sdpMLineIndex: 1.5 } } },
      { v: 1, type: "signal", to: "abc", session: "s", data: { candidate: { sdpMid: "0" } } }, // no candidate string
      { v: 1, type: "signal", to: "abc", session: "s", data: { candidate: { candidate: "c", foo: "bar" } } },
      { v: 1, type: "signal", to: "abc", session: "s", data: { candidate: "c" } },
      { v: 1, type: "signal", to: "abc", session: "s", data: {} },
      { v: 1, type: "signal", to: 7, session: "s", data: PAYLOADS[5] },
      { v: 1, type: "join", room: "abc", to: "x", session: "s" },
      [1, "signal"],
      "signal",
    ];
    for (const value of odd) expect(readSignal(encodeRaw(value))).toBeNull();
    // Trailing bytes after a valid map, and a truncated frame.
    const good = frameOf(PAYLOADS[0]!);
    expect(readSignal(new Uint8Array([...good, 0xc0]))).toBeNull();
    expect(readSignal(good.subarray(0, good.length - 1))).toBeNull();
    // A duplicate key (hand-built: a fixmap of 5 with `to` twice, so `session` is missing): both paths refuse.
    const dup = encodeRaw({ v: 1, type: "signal", to: "abc", session: "s", data: { candidate: null } });
    const twice = Uint8Array.from(dup);
    const at = twice.indexOf(0xa7); // the `session` key becomes a second `to`
    twice.set([0xa2, 0x74, 0x6f], at);
    const dupFrame = new Uint8Array([...twice.subarray(0, at + 3), ...twice.subarray(at + 8)]);
    expect(readSignal(dupFrame)).toBeNull();
    expect(decodeClient(dupFrame).ok).toBe(false);
  });

  test("mutated frames: whatever the fast path accepts, the general path accepts the same way (20,000 cases)", () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const bases = PAYLOADS.map((p) => frameOf(p));
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = bases[rand(bases.length)]!;
      const b = Uint8Array.from(base);
      const kind = rand(4);
      let bytes: Uint8Array = b;
      if (kind === 0) for (let k = 0; k < 1 + rand(3); k++) b[rand(b.length)] = rand(256);
      else if (kind === 1) bytes = b.subarray(0, rand(b.length));
      else if (kind === 2) {
        const at = rand(b.length);
        bytes = new Uint8Array([...b.subarray(0, at), rand(256), ...b.subarray(at)]);
      } else b[rand(Math.min(64, b.length))] = rand(256); // headers and keys
      if (expectAgreement(bytes)) accepted++;
    }
    // Most mutations of the long SDP land in its text and stay valid: the property was exercised.
    expect(accepted).toBeGreaterThan(1000);
  });
});

describe("join fast path", () => {
  const joinOf = (room: string, token?: string) => new Uint8Array(encode({ type: "join", room, ...(token === undefined ? {} : { token }) }));
  function agrees(bytes: Uint8Array) {
    const fast = readJoin(bytes);
    if (!fast) return false;
    const slow = decodeClient(bytes);
    expect(slow.ok).toBe(true);
    if (!slow.ok || slow.msg.type !== "join") throw new Error("general path disagrees");
    expect({ v: 1, type: "join", ...fast }).toEqual(slow.msg);
    return true;
  }

  test("takes the joins a browser sends", () => {
    expect(agrees(joinOf(crypto.randomUUID()))).toBe(true);
    expect(agrees(joinOf("abc"))).toBe(true);
    expect(agrees(joinOf("A_b-9".repeat(12).slice(0, 64), "t".repeat(128)))).toBe(true);
    expect(agrees(joinOf("room-1", "b64url_token-AbC"))).toBe(true);
    expect(agrees(joinOf("room-1", ""))).toBe(true);
  });

  test("leaves odd joins to the general path", () => {
    const odd = [
      { v: 1, type: "join", room: "ab" }, // too short
      { v: 1, type: "join", room: "x".repeat(65) },
      { v: 1, type: "join", room: "has space" },
      { v: 1, type: "join", room: "é-room" },
      { v: 1, type: "join", room: "room", token: "t".repeat(129) },
      { v: 1, type: "join", room: "room", token: 5 },
      { v: 1, type: "join", room: "room", extra: 1 },
      { v: 2, type: "join", room: "room" },
      { v: 1, type: "leave", room: "room" },
      { v: 1, type: "join" },
    ];
    for (const value of odd) expect(readJoin(encodeRaw(value))).toBeNull();
  });

  test("mutated joins: whatever the fast path accepts, the general path accepts the same way (20,000 cases)", () => {
    let seed = 777;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const bases = [joinOf(crypto.randomUUID()), joinOf("room_42", "tok-en"), joinOf("abc")];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = Uint8Array.from(bases[rand(bases.length)]!);
      let bytes: Uint8Array = b;
      const kind = rand(3);
      if (kind === 0) b[rand(b.length)] = rand(256);
      else if (kind === 1) bytes = b.subarray(0, rand(b.length));
      else {
        const at = rand(b.length);
        bytes = new Uint8Array([...b.subarray(0, at), rand(256), ...b.subarray(at)]);
      }
      if (agrees(bytes)) accepted++;
    }
    expect(accepted).toBeGreaterThan(300); // mutations inside the room id that keep it valid
  });
});
