/**
 * Chat messages peers send each other over the negotiated "chat" data channel (never via the
 * server), as msgpack. A text carries its own id, the sender's time and the sender's chat id; the
 * receiver answers every text (even a repeat) with an ack, so the sender knows what to resend.
 * Everything is validated at run time: decoding never throws, and anything odd decodes to null.
 */
import { Packr } from "msgpackr";

/** Longest message, in characters (code points, so an emoji counts once or a few times, never as bytes). */
export const CHAT_MAX_CHARS = 2000;
/** Ids acknowledged in one frame at most. */
export const CHAT_MAX_ACK_IDS = 256;
const MAX_ID_CHARS = 64;
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

const isId = (x: unknown): x is string => typeof x === "string" && x.length > 0 && x.length <= MAX_ID_CHARS;

/** A well-formed text message (also used to check history read back from storage). */
export function isChatText(x: unknown): x is ChatText {
  if (!x || typeof x !== "object") return false;
  const m = x as Record<string, unknown>;
  return (
    m.t === "msg" &&
    isId(m.id) &&
    isId(m.from) &&
    typeof m.at === "number" &&
    Number.isFinite(m.at) &&
    m.at >= 0 &&
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

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, structuredClone: false });

export function encodeChat(msg: ChatWire): Uint8Array<ArrayBuffer> {
  // Only the known fields go out, whatever else the object carries.
  const clean: ChatWire = msg.t === "msg" ? { t: "msg", id: msg.id, from: msg.from, at: msg.at, text: msg.text } : { t: "ack", ids: [...msg.ids] };
  return packr.pack(clean) as Uint8Array<ArrayBuffer>;
}

export function decodeChat(data: ArrayBuffer | Uint8Array): ChatWire | null {
  try {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    if (bytes.byteLength === 0 || bytes.byteLength > MAX_FRAME_BYTES) return null;
    const x: unknown = packr.unpack(bytes);
    if (isChatText(x)) return { t: "msg", id: x.id, from: x.from, at: x.at, text: x.text };
    if (isChatAck(x)) return { t: "ack", ids: [...x.ids] };
    return null;
  } catch {
    return null;
  }
}
