/**
 * Messages peers send each other directly over the "control" data channel (never via the server).
 */
import type { FeatureChannel } from "./channels.ts";
import { packr } from "./packr.ts";
import type { SignalPayload } from "./messages.ts";
import { isPeerId, isSignalPayload } from "./validate.ts";
import { PUBLIC_KEY_BYTES, WRAPPED_BYTES } from "./group-keys.ts";

/** Bytes of exactly `length` (what msgpack gives for a binary field). */
const isBytes = (x: unknown, length: number): x is Uint8Array => x instanceof Uint8Array && x.byteLength === length;

export interface MediaStateMessage {
  type: "media-state";
  audio: boolean;
  video: boolean;
  /** Their video is a shared screen (absent from older peers: not sharing). */
  screen?: boolean;
  /**
   * Their camera and microphone are still starting (they joined before those opened): nothing
   * comes on their lines yet. Absent: started (or an older peer).
   */
  starting?: boolean;
  /** What they call themselves (absent: no name given, or an older peer). Plain text, see cleanName. */
  name?: string;
}
export interface HangUpMessage {
  type: "hang-up";
}
/** Negotiation (description or candidate) peer to peer once the channel is open: no server needed. */
export interface ControlSignalMessage {
  type: "signal";
  data: SignalPayload;
}
/**
 * Group calls: "your picture reaches me through the media server". Once both sides of a direct
 * connection have said so, it closes (make before break: neither loses the other's picture).
 */
export interface ViaSfuMessage {
  type: "via-sfu";
}
/**
 * Back to two from a group: "your picture reaches me directly now". A side keeps publishing to
 * the media server until everyone who watched it there has said so (make before break both ways).
 */
export interface DirectMessage {
  type: "direct";
}
/** Group calls: this page's public key for the call's key exchange (protocol/group-keys.ts). */
export interface E2eePublicKeyMessage {
  type: "e2ee-pub";
  key: Uint8Array;
}
/** Group calls: a key epoch (generation `gen`, made by `author`) wrapped for the addressee. */
export interface E2eeEpochMessage {
  type: "e2ee-key";
  gen: number;
  author: string;
  box: Uint8Array;
}
export type E2eeControlMessage = E2eePublicKeyMessage | E2eeEpochMessage;
export type ControlMessage = MediaStateMessage | HangUpMessage | ControlSignalMessage | ViaSfuMessage | DirectMessage | E2eeControlMessage;

export { DataChannelId, FEATURE_CHANNELS, type FeatureChannel } from "./channels.ts";

/**
 * Bytes a peer may send on each feature channel (a burst, then so many a second). Frames past it
 * are dropped as they arrive, unread, so a flood costs the receiver nothing but the copy the
 * browser already made; each feature bounds what it does accept on its own terms too.
 */
export const CHANNEL_BYTE_BUDGET: Record<FeatureChannel, { burst: number; perSecond: number }> = {
  chat: { burst: 256 << 10, perSecond: 32 << 10 },
  // A whole drawing (its snapshot) at once; hand drawing itself sends a few kB a second.
  draw: { burst: 1 << 20, perSecond: 64 << 10 },
};

/** Longest name a participant may give, in characters (code points). */
export const NAME_MAX = 40;
/** Control characters, bidirectional overrides and line separators: a name is one plain line that cannot reorder what follows it. */
const NAME_JUNK = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * A name as people see it: junk characters removed, runs of spaces made one, trimmed, at most
 * NAME_MAX characters (never splitting one). Null when nothing is left (or it is not text).
 * Local input and what a peer sends go through the same function.
 */
export function cleanName(x: unknown): string | null {
  if (typeof x !== "string") return null;
  const text = Array.from(
    x
      .slice(0, NAME_MAX * 8)
      .replace(/\s+/gu, " ")
      .replace(NAME_JUNK, "")
      .replace(/ {2,}/g, " ")
      .trim(),
  )
    .slice(0, NAME_MAX)
    .join("")
    .trim();
  return text.length > 0 ? text : null;
}

/** A name on the wire: text of at most NAME_MAX characters (2 code units each at most); anything else is ignored. */
function wireName(x: unknown): { name: string } | Record<string, never> {
  if (typeof x !== "string" || x.length > NAME_MAX * 2 || Array.from(x).length > NAME_MAX) return {};
  const name = cleanName(x);
  return name ? { name } : {};
}

export const encodeControl = (msg: ControlMessage) => packr.pack(msg) as Uint8Array<ArrayBuffer>;

export function decodeControl(data: ArrayBuffer | Uint8Array): ControlMessage | null {
  try {
    const x = packr.unpack(data instanceof ArrayBuffer ? new Uint8Array(data) : data) as Partial<ControlMessage> | null;
    if (!x || typeof x !== "object") return null;
    if (x.type === "media-state" && typeof x.audio === "boolean" && typeof x.video === "boolean") {
      return {
        type: "media-state",
        audio: x.audio,
        video: x.video,
        ...(typeof x.screen === "boolean" ? { screen: x.screen } : {}),
        ...(x.starting === true ? { starting: true } : {}),
        ...wireName(x.name),
      };
    }
    if (x.type === "hang-up") return { type: "hang-up" };
    if (x.type === "via-sfu") return { type: "via-sfu" };
    if (x.type === "direct") return { type: "direct" };
    if (x.type === "signal" && isSignalPayload(x.data)) return { type: "signal", data: x.data };
    if (x.type === "e2ee-pub" && isBytes(x.key, PUBLIC_KEY_BYTES)) return { type: "e2ee-pub", key: x.key };
    if (x.type === "e2ee-key" && typeof x.gen === "number" && Number.isSafeInteger(x.gen) && x.gen >= 1 && isPeerId(x.author) && isBytes(x.box, WRAPPED_BYTES))
      return { type: "e2ee-key", gen: x.gen, author: x.author, box: x.box };
    return null;
  } catch {
    return null;
  }
}
