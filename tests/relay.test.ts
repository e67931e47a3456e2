/**
 * The server's fast paths (signal-server/relay-wire.ts) against the general path (decodeClient): when a fast
 * path accepts a frame, the general path accepts it too, with the same meaning (for a signal, the
 * relayed frame decodes to the same message); the fast paths engage for what browsers really
 * send; odd frames fall through to the general path.
 */
import { describe, expect, test } from "bun:test";
import { PROTOCOL_VERSION, decodeClient, decodeServer, encode, encodeRaw, type SignalPayload } from "../protocol/index.ts";
import { peerIs, readJoin, readSignal, relayInPlace } from "../signal-server/relay-wire.ts";

const V = PROTOCOL_VERSION;
/** A sender id as long as `id` (relaying in place swaps ids of equal length). */
const senderFor = (id: string) => "Zm9vYmFyYmF6cXV4".repeat(5).slice(0, id.length);
const sdp = (n: number) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n${"a=x\r\n".repeat(Math.max(0, Math.floor((n - 30) / 5)))}`;

const PAYLOADS: SignalPayload[] = [
  { description: { type: "offer", sdp: sdp(4000) } },
  { description: { type: "answer", sdp: sdp(3800) } },
  { description: { type: "pranswer", sdp: "" } },
  { description: { type: "rollback", sdp: "" } },
  { description: { type: "offer", sdp: sdp(32 * 1024 - 8) } },
  { candidate: { candidate: "candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host generation 0", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "EsAw" } },
  {
    candidate: { candidate: "candidate:2 1 udp 1 203.0.113.9 3478 typ relay raddr 0.0.0.0 rport 0", sdpMid: null, sdpMLineIndex: 300, usernameFragment: null },
  },
  { candidate: { candidate: "", sdpMLineIndex: 1023 } },
  { candidate: { candidate: "candidate:3 1 tcp 5 192.0.2.1 9 typ host tcptype active", sdpMid: "video", sdpMLineIndex: 200 } },
  { candidate: null },
];

const frameOf = (data: SignalPayload, peer = "YWJjZGVmZ2hpamts", session = "s-1234", re?: string) =>
  new Uint8Array(encode({ type: "signal", peer, session, ...(re === undefined ? {} : { re }), data }));

/** The property: a fast-path result means the general path agrees, to the byte of meaning. */
function expectAgreement(bytes: Uint8Array) {
  const fast = readSignal(bytes);
  if (!fast) return false;
  const slow = decodeClient(bytes);
  expect(slow.ok).toBe(true);
  if (!slow.ok || slow.msg.type !== "signal") throw new Error("general path disagrees");
  const addressee = slow.msg.peer;
  expect(peerIs(fast, addressee)).toBe(true);
  expect(peerIs(fast, `${addressee}x`)).toBe(false);
  expect(peerIs(fast, `x${addressee.slice(1)}`)).toBe(addressee.startsWith("x"));
  // Ids of another length cannot be swapped in place: the frame is left as it was.
  const before = Uint8Array.from(bytes);
  expect(relayInPlace(fast, `${addressee}x`)).toBeNull();
  expect(bytes).toEqual(before);
  const from = senderFor(addressee);
  const relayed = decodeServer(relayInPlace(fast, from));
  expect(relayed.ok).toBe(true);
  if (!relayed.ok) return true;
  const re = slow.msg.re === undefined ? {} : { re: slow.msg.re };
  expect(relayed.msg).toEqual({ v: V, type: "signal", peer: from, session: slow.msg.session, ...re, data: slow.msg.data });
  return true;
}

describe("relay fast path", () => {
  test("takes every plain signal a browser sends, and relays it unchanged in meaning", () => {
    for (const data of PAYLOADS) expect(expectAgreement(frameOf(data))).toBe(true);
    // Long peer ids and sessions (str8 headers) at their bounds.
    expect(expectAgreement(frameOf(PAYLOADS[5]!, "p".repeat(64), "s".repeat(64)))).toBe(true);
    // Saying which of the addressee's connections it answers (`re`), anywhere in the map.
    for (const data of PAYLOADS) expect(expectAgreement(frameOf(data, undefined, undefined, "r-5678"))).toBe(true);
    expect(expectAgreement(frameOf(PAYLOADS[0]!, undefined, undefined, "r".repeat(64)))).toBe(true);
    expect(expectAgreement(new Uint8Array(encodeRaw({ re: "r-1", v: V, peer: "abc", data: PAYLOADS[9], type: "signal", session: "s" })))).toBe(true);
  });

  test("leaves to the general path what it does not fully understand", () => {
    const odd: unknown[] = [
      { v: V, type: "signal", peer: "abc", session: "s", data: PAYLOADS[5], extra: 1 }, // extra field
      { v: V, type: "signal", peer: "abc", session: "s", re: "r", data: PAYLOADS[5], extra: 1 }, // extra field besides `re`
      { v: V, type: "signal", peer: "abc", re: "r", data: PAYLOADS[5] }, // `re` instead of `session`
      { v: V, type: "signal", peer: "abc", session: "s", re: "", data: PAYLOADS[5] }, // empty `re`
      { v: V, type: "signal", peer: "abc", session: "s", re: "r".repeat(65), data: PAYLOADS[5] }, // long `re`
      { v: V, type: "signal", peer: "abc", session: "s", re: 7, data: PAYLOADS[5] }, // `re` not a string
      { v: V + 1, type: "signal", peer: "abc", session: "s", data: PAYLOADS[5] }, // other version
      { v: V, type: "signal", peer: "", session: "s", data: PAYLOADS[5] }, // empty id
      { v: V, type: "signal", peer: "abc", session: "s".repeat(65), data: PAYLOADS[5] }, // long session
      { v: V, type: "signal", peer: "p".repeat(65), session: "s", data: PAYLOADS[5] }, // long id
      { v: V, type: "signal", peer: "abc", session: "s", data: { description: { type: "offer", sdp: "é" } } }, // not ASCII
      { v: V, type: "signal", peer: "abc", session: "s", data: { description: { type: "bogus", sdp: "" } } },
      { v: V, type: "signal", peer: "abc", session: "s", data: { description: { type: "offer", sdp: "x".repeat(32 * 1024 + 1) } } },
      { v: V, type: "signal", peer: "abc", session: "s", data: { candidate: { candidate: "c", sdpMLineIndex: 1024 } } },
      { v: V, type: "signal", peer: "abc", session: "s", data: { candidate: { candidate: "c", sdpMLineIndex: -1 } } },
      { v: V, type: "signal", peer: "abc", session: "s", data: { candidate: { candidate: "c", sdpMLineIndex: 1.5 } } },
      { v: V, type: "signal", peer: "abc", session: "s", data: { candidate: { sdpMid: "0" } } }, // no candidate string
      { v: V, type: "signal", peer: "abc", session: "s", data: { candidate: { candidate: "c", foo: "bar" } } },
      { v: V, type: "signal", peer: "abc", session: "s", data: { candidate: "c" } },
      { v: V, type: "signal", peer: "abc", session: "s", data: {} },
      { v: V, type: "signal", peer: 7, session: "s", data: PAYLOADS[5] },
      { v: V, type: "join", room: "abc", peer: "x", session: "s" },
      [1, "signal"],
      "signal",
    ];
    for (const value of odd) expect(readSignal(encodeRaw(value))).toBeNull();
    // Trailing bytes after a valid map, and a truncated frame.
    const good = frameOf(PAYLOADS[0]!);
    expect(readSignal(new Uint8Array([...good, 0xc0]))).toBeNull();
    expect(readSignal(good.subarray(0, good.length - 1))).toBeNull();
    // A duplicate key (hand-built: a fixmap of 5 with `peer` twice, so `session` is missing): both paths refuse.
    const dup = encodeRaw({ v: V, type: "signal", peer: "abc", session: "s", data: { candidate: null } });
    const twice = Uint8Array.from(dup);
    const at = twice.indexOf(0xa7); // the `session` key becomes a second `peer`
    twice.set([0xa4, 0x70, 0x65, 0x65, 0x72], at);
    const dupFrame = new Uint8Array([...twice.subarray(0, at + 5), ...twice.subarray(at + 8)]);
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
    expect({ v: V, type: "join", ...fast }).toEqual(slow.msg);
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
      { v: V, type: "join", room: "ab" }, // too short
      { v: V, type: "join", room: "x".repeat(65) },
      { v: V, type: "join", room: "has space" },
      { v: V, type: "join", room: "é-room" },
      { v: V, type: "join", room: "room", token: "t".repeat(129) },
      { v: V, type: "join", room: "room", token: 5 },
      { v: V, type: "join", room: "room", extra: 1 },
      { v: V + 1, type: "join", room: "room" },
      { v: V, type: "leave", room: "room" },
      { v: V, type: "join" },
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
