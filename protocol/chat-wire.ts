/**
 * Chat messages peers send each other over the negotiated "chat" data channel (never via the
 * server), as msgpack. A text carries its own id, the sender's time and the sender's chat id; the
 * receiver answers every text (even a repeat) with an ack, so the sender knows what to resend.
 * Everything is validated at run time: decoding never throws, and anything odd decodes to null
 * (readChat says why). Times are checked against the receiver's clock by the chat machine.
 */
import { packr } from "./packr.ts";

/** Longest message, in characters (code points, so an emoji counts once or a few times, never as bytes). */
export const CHAT_MAX_CHARS = 2000;
/** Ids acknowledged in one frame at most. */
export const CHAT_MAX_ACK_IDS = 256;
const MAX_ID_CHARS = 64;
/** The latest time a Date can hold (±8.64e15 ms): anything past it cannot even be shown. */
export const CHAT_MAX_DATE_MS = 8.64e15;
/** A message's time may be this far ahead of the receiver's clock (clocks are often a little off)... */
export const CHAT_MAX_AHEAD_MS = 24 * 60 * 60 * 1000;
/** ...or this far behind it (a message resent long after it was written, a tab kept open for weeks). */
export const CHAT_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
/** Bigger frames are not even unpacked (a full message is at most ~8 KB of UTF-8). */
const MAX_FRAME_BYTES = 16_384;

export interface ChatText {
  t: "msg";
  /** Unique per message; the receiver drops repeats by it. */
  id: string;
  /** The sender's chat id (stable for a tab across reloads). */
  from: string;
  /** The sender's clock, ms since the epoch. */
  at: number;
  text: string;
}
export interface ChatAck {
  t: "ack";
  ids: string[];
}
export type ChatWire = ChatText | ChatAck;

/** Length as the limit counts it: code points. */
export function chatLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const ID_RE = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_ID_CHARS}}$`);
/** A message id or a sender id: 1 to 64 letters, digits, "-" or "_". */
export const isChatId = (x: unknown): x is string => typeof x === "string" && ID_RE.test(x);
const isId = isChatId;

/** A whole number of ms that a Date can hold and show (not NaN, not negative, not past year 275,760). */
export const isChatTime = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= CHAT_MAX_DATE_MS;

/** Why a message's time is not believable on a clock reading `now`, or null when it is. */
export function chatTimeProblem(at: number, now: number): string | null {
  if (!isChatTime(at)) return "its time is not a valid date";
  if (at > now + CHAT_MAX_AHEAD_MS) return "its time is more than a day ahead of this clock";
  if (at < now - CHAT_MAX_AGE_MS) return "its time is more than 30 days in the past";
  return null;
}

/** A well-formed text message (also used to check history read back from storage). */
export function isChatText(x: unknown): x is ChatText {
  if (!x || typeof x !== "object") return false;
  const m = x as Record<string, unknown>;
  return (
    m.t === "msg" &&
    isId(m.id) &&
    isId(m.from) &&
    isChatTime(m.at) &&
    typeof m.text === "string" &&
    m.text.trim().length > 0 &&
    chatLength(m.text) <= CHAT_MAX_CHARS
  );
}

function isChatAck(x: unknown): x is ChatAck {
  if (!x || typeof x !== "object") return false;
  const m = x as Record<string, unknown>;
  return m.t === "ack" && Array.isArray(m.ids) && m.ids.length > 0 && m.ids.length <= CHAT_MAX_ACK_IDS && m.ids.every(isId);
}

export function encodeChat(msg: ChatWire): Uint8Array<ArrayBuffer> {
  // Only the known fields go out, whatever else the object carries.
  const clean: ChatWire = msg.t === "msg" ? { t: "msg", id: msg.id, from: msg.from, at: msg.at, text: msg.text } : { t: "ack", ids: [...msg.ids] };
  return packr.pack(clean) as Uint8Array<ArrayBuffer>;
}

export type ChatRead = { ok: true; wire: ChatWire } | { ok: false; problem: string };

/** Decodes a frame, or says what is wrong with it. Never throws. */
export function readChat(data: ArrayBuffer | Uint8Array): ChatRead {
  const bad = (problem: string): ChatRead => ({ ok: false, problem });
  try {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    if (!(bytes instanceof Uint8Array)) return bad("not bytes");
    if (bytes.byteLength === 0) return bad("empty frame");
    if (bytes.byteLength > MAX_FRAME_BYTES) return bad(`frame of ${bytes.byteLength} bytes (at most ${MAX_FRAME_BYTES})`);
    const x: unknown = packr.unpack(bytes);
    if (isChatText(x)) return { ok: true, wire: { t: "msg", id: x.id, from: x.from, at: x.at, text: x.text } };
    if (isChatAck(x)) return { ok: true, wire: { t: "ack", ids: [...x.ids] } };
    const kind = x && typeof x === "object" ? (x as Record<string, unknown>).t : undefined;
    return bad(kind === "msg" || kind === "ack" ? `malformed "${kind}" frame` : "unknown kind of frame");
  } catch {
    return bad("not msgpack");
  }
}

export function decodeChat(data: ArrayBuffer | Uint8Array): ChatWire | null {
  const r = readChat(data);
  return r.ok ? r.wire : null;
}
