/**
 * The server's fast paths for its two common frames. `signal` (the busiest by far) is checked at
 * the byte level and relayed as the same bytes with the peer id swapped (a signal has the same
 * shape both ways), without turning a 4 KB SDP into a string and back. `join` (once per socket) is read without the general
 * decoder, which allocates far more than the two strings a join needs (memory per socket counts).
 *
 * It accepts only the plain shape a browser sends (exactly the fields of SignalMessage, no
 * duplicates, every string ASCII, sizes within the same bounds as validate.ts) and returns null
 * for anything else. The caller then takes the general path (decodeClient), which accepts or
 * rejects the frame with its precise error. So whenever this returns a result, decodeClient would
 * have accepted the frame, and the relayed frame decodes to the same message (tested).
 */
import { isAscii } from "node:buffer";
import { PEER_ID_MAX, PROTOCOL_VERSION, ROOM_ID_MAX, ROOM_ID_MIN, TOKEN_MAX } from "../protocol/messages.ts";
import { CANDIDATE_MAX, SDP_MAX, SESSION_ID_MAX } from "../protocol/validate.ts";

/** Where the peer id of a checked signal frame is in `frame` (ASCII bytes, compared with `peerIs`). */
export interface ReadSignal {
  frame: Uint8Array;
  peerStart: number;
  peerEnd: number;
}

/** Whether the signal names `id` as its peer. */
export function peerIs(sig: ReadSignal, id: string): boolean {
  const { frame, peerStart, peerEnd } = sig;
  if (peerEnd - peerStart !== id.length) return false;
  for (let i = 0; i < id.length; i++) if (frame[peerStart + i] !== id.charCodeAt(i)) return false;
  return true;
}

/** The peer id of a checked signal frame, as a string (to route it to another node). */
export const peerIdOf = (sig: ReadSignal): string => latin1(sig.frame, sig.peerStart, sig.peerEnd);

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const K = {
  v: ascii("v"),
  type: ascii("type"),
  peer: ascii("peer"),
  session: ascii("session"),
  re: ascii("re"),
  data: ascii("data"),
  signal: ascii("signal"),
  description: ascii("description"),
  sdp: ascii("sdp"),
  candidate: ascii("candidate"),
  sdpMid: ascii("sdpMid"),
  sdpMLineIndex: ascii("sdpMLineIndex"),
  usernameFragment: ascii("usernameFragment"),
  join: ascii("join"),
  room: ascii("room"),
  token: ascii("token"),
};
const DESCRIPTION_TYPES = ["offer", "answer", "pranswer", "rollback"].map(ascii);
const NIL = 0xc0;

/** Where a msgpack string's bytes are, or null if `at` holds no string. */
let strStart = 0;
let strEnd = 0;
function readStr(b: Uint8Array, at: number): boolean {
  const t = b[at];
  if (t === undefined) return false;
  let len: number;
  let head: number;
  if (t >= 0xa0 && t <= 0xbf) {
    len = t & 0x1f;
    head = 1;
  } else if (t === 0xd9) {
    len = b[at + 1] ?? -1;
    head = 2;
  } else if (t === 0xda) {
    len = at + 2 < b.length ? (b[at + 1]! << 8) | b[at + 2]! : -1;
    head = 3;
  } else if (t === 0xdb) {
    len = at + 4 < b.length ? b[at + 1]! * 2 ** 24 + ((b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!) : -1;
    head = 5;
  } else return false;
  if (len < 0 || at + head + len > b.length) return false;
  strStart = at + head;
  strEnd = strStart + len;
  return true;
}

/** Reads an ASCII string of 1..max bytes at `at` into strStart/strEnd. */
function readAscii(b: Uint8Array, at: number, max: number, allowEmpty = false): boolean {
  if (!readStr(b, at)) return false;
  const len = strEnd - strStart;
  if ((!allowEmpty && len === 0) || len > max) return false;
  if (len > 64) return isAscii(b.subarray(strStart, strEnd));
  // Short strings: a loop is cheaper than a native call and a view.
  for (let i = strStart; i < strEnd; i++) if (b[i]! > 0x7f) return false;
  return true;
}

function same(b: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (b[start + i] !== word[i]) return false;
  return true;
}

/** A map header at `at`: returns its entry count (or -1), and the first entry's offset in mapBody. */
let mapBody = 0;
function readMap(b: Uint8Array, at: number): number {
  const t = b[at];
  if (t === undefined) return -1;
  if (t >= 0x80 && t <= 0x8f) {
    mapBody = at + 1;
    return t & 0x0f;
  }
  if (t === 0xde && at + 2 < b.length) {
    mapBody = at + 3;
    return (b[at + 1]! << 8) | b[at + 2]!;
  }
  return -1;
}

/** Index of the key at strStart..strEnd in `keys`, or -1. */
function keyIndex(b: Uint8Array, keys: Uint8Array[]): number {
  for (let i = 0; i < keys.length; i++) if (same(b, strStart, strEnd, keys[i]!)) return i;
  return -1;
}

const DESCRIPTION_KEYS = [K.type, K.sdp];
const CANDIDATE_KEYS = [K.candidate, K.sdpMid, K.sdpMLineIndex, K.usernameFragment];
const STR_MAX = [CANDIDATE_MAX, 64, 0, 256];

/** Checks a signal payload at `at`; returns the offset after it, or -1. */
function readPayload(b: Uint8Array, at: number): number {
  if (readMap(b, at) !== 1) return -1;
  if (!readStr(b, mapBody)) return -1;
  let p = strEnd;
  if (same(b, strStart, strEnd, K.description)) {
    if (readMap(b, p) !== 2) return -1;
    p = mapBody;
    let seen = 0;
    for (let i = 0; i < 2; i++) {
      if (!readStr(b, p)) return -1;
      const k = keyIndex(b, DESCRIPTION_KEYS);
      if (k < 0 || seen & (1 << k)) return -1;
      seen |= 1 << k;
      if (k === 0) {
        if (!readStr(b, strEnd)) return -1;
        const s = strStart;
        const e = strEnd;
        if (!DESCRIPTION_TYPES.some((t) => same(b, s, e, t))) return -1;
      } else if (!readAscii(b, strEnd, SDP_MAX, true)) return -1;
      p = strEnd;
    }
    return p;
  }
  if (!same(b, strStart, strEnd, K.candidate)) return -1;
  if (b[p] === NIL) return p + 1;
  const n = readMap(b, p);
  if (n < 1 || n > 4) return -1;
  p = mapBody;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    if (!readStr(b, p)) return -1;
    const k = keyIndex(b, CANDIDATE_KEYS);
    if (k < 0 || seen & (1 << k)) return -1;
    seen |= 1 << k;
    p = strEnd;
    if (k === 2) {
      // sdpMLineIndex: nil, or an integer 0..1023 (fixint, uint8, uint16).
      const t = b[p];
      if (t === NIL || (t !== undefined && t <= 0x7f)) p += 1;
      else if (t === 0xcc && p + 1 < b.length) p += 2;
      else if (t === 0xcd && p + 2 < b.length && ((b[p + 1]! << 8) | b[p + 2]!) < 1024) p += 3;
      else return -1;
    } else if (k !== 0 && b[p] === NIL) p += 1;
    else {
      if (!readAscii(b, p, STR_MAX[k]!, true)) return -1;
      p = strEnd;
    }
  }
  return seen & 1 ? p : -1; // `candidate` itself is required
}

const TOP_KEYS = [K.v, K.type, K.peer, K.session, K.data, K.re];
const last: ReadSignal = { frame: new Uint8Array(0), peerStart: 0, peerEnd: 0 };

/**
 * A client `signal` frame in its plain shape, checked; null means "take the general path".
 * The result is one shared object, overwritten by the next call: use it before reading another.
 */
export function readSignal(b: Uint8Array): ReadSignal | null {
  // Five fields, or six with the optional `re`.
  const fields = readMap(b, 0);
  if (fields !== 5 && fields !== 6) return null;
  let p = mapBody;
  let seen = 0;
  let peerStart = 0;
  let peerEnd = 0;
  for (let i = 0; i < fields; i++) {
    if (!readStr(b, p)) return null;
    const k = keyIndex(b, TOP_KEYS);
    if (k < 0 || seen & (1 << k)) return null;
    seen |= 1 << k;
    p = strEnd;
    switch (k) {
      case 0: // v
        if (b[p] !== PROTOCOL_VERSION) return null;
        p += 1;
        break;
      case 1: // type
        if (!readStr(b, p) || !same(b, strStart, strEnd, K.signal)) return null;
        p = strEnd;
        break;
      case 2: // peer
        if (!readAscii(b, p, PEER_ID_MAX)) return null;
        peerStart = strStart;
        peerEnd = p = strEnd;
        break;
      case 3: // session
      case 5: // re
        if (!readAscii(b, p, SESSION_ID_MAX)) return null;
        p = strEnd;
        break;
      case 4: // data
        p = readPayload(b, p);
        if (p < 0) return null;
        break;
    }
  }
  if (p !== b.length || (seen & 0b11111) !== 0b11111) return null;
  last.frame = b;
  last.peerStart = peerStart;
  last.peerEnd = peerEnd;
  return last;
}

/**
 * The relayed frame for `sig`, from member `from`: the same frame with its peer id (the
 * addressee's) overwritten by the sender's, in place, so relaying copies and allocates nothing.
 * Null when the two ids differ in length (seat ids never do); the caller then re-encodes.
 * `sig.frame` must be the caller's own copy of the bytes, not read again after this.
 */
export function relayInPlace(sig: ReadSignal, from: string): Uint8Array | null {
  const { frame, peerStart, peerEnd } = sig;
  if (peerEnd - peerStart !== from.length) return null;
  for (let i = 0; i < from.length; i++) frame[peerStart + i] = from.charCodeAt(i);
  return frame;
}

const latin1 = (b: Uint8Array, start: number, end: number) => String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);

/** A room id's bytes: ROOM_ID_MIN..ROOM_ID_MAX of [A-Za-z0-9_-], as roomIdProblem requires. */
function isRoomId(b: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  if (len < ROOM_ID_MIN || len > ROOM_ID_MAX) return false;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f;
    if (!ok) return false;
  }
  return true;
}

const JOIN_KEYS = [K.v, K.type, K.room, K.token];

/**
 * A client `join` frame in its plain shape ({v, type, room} or with a `token`, ASCII, valid room
 * id), or null: then the general path decides, with its precise error.
 */
export function readJoin(b: Uint8Array): { room: string; token?: string } | null {
  const n = readMap(b, 0);
  if (n !== 3 && n !== 4) return null;
  let p = mapBody;
  let seen = 0;
  let room = "";
  let token: string | undefined;
  for (let i = 0; i < n; i++) {
    if (!readStr(b, p)) return null;
    const k = keyIndex(b, JOIN_KEYS);
    if (k < 0 || seen & (1 << k)) return null;
    seen |= 1 << k;
    p = strEnd;
    if (k === 0) {
      if (b[p] !== PROTOCOL_VERSION) return null;
      p += 1;
    } else if (k === 1) {
      if (!readStr(b, p) || !same(b, strStart, strEnd, K.join)) return null;
      p = strEnd;
    } else if (k === 2) {
      if (!readStr(b, p) || !isRoomId(b, strStart, strEnd)) return null;
      room = latin1(b, strStart, strEnd);
      p = strEnd;
    } else {
      if (!readAscii(b, p, TOKEN_MAX, true)) return null;
      token = latin1(b, strStart, strEnd);
      p = strEnd;
    }
  }
  if (p !== b.length || (seen & 7) !== 7) return null;
  return token === undefined ? { room } : { room, token };
}
