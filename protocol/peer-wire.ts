/**
 * Messages peers send each other directly over the "control" data channel (never via the server).
 */
import { packr } from "./packr.ts";
import type { SignalPayload } from "./messages.ts";
import { isSignalPayload } from "./validate.ts";

export interface MediaStateMessage {
  type: "media-state";
  audio: boolean;
  video: boolean;
  /** Their video is a shared screen (absent from older peers: not sharing). */
  screen?: boolean;
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
export type ControlMessage = MediaStateMessage | HangUpMessage | ControlSignalMessage | ViaSfuMessage;

/** Negotiated data channel ids, identical on both sides, so no extra negotiation round is needed. */
export const DataChannelId = { control: 0, chat: 1, draw: 2 } as const;

/** Channels that carry a feature's own msgpack messages; the call routes them to that feature's actor. */
export type FeatureChannel = "chat" | "draw";
export const FEATURE_CHANNELS: readonly FeatureChannel[] = ["chat", "draw"];

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

export const encodeControl = (msg: ControlMessage) => packr.pack(msg) as Uint8Array<ArrayBuffer>;

export function decodeControl(data: ArrayBuffer | Uint8Array): ControlMessage | null {
  try {
    const x = packr.unpack(data instanceof ArrayBuffer ? new Uint8Array(data) : data) as Partial<ControlMessage> | null;
    if (!x || typeof x !== "object") return null;
    if (x.type === "media-state" && typeof x.audio === "boolean" && typeof x.video === "boolean") {
      return { type: "media-state", audio: x.audio, video: x.video, ...(typeof x.screen === "boolean" ? { screen: x.screen } : {}) };
    }
    if (x.type === "hang-up") return { type: "hang-up" };
    if (x.type === "via-sfu") return { type: "via-sfu" };
    if (x.type === "signal" && isSignalPayload(x.data)) return { type: "signal", data: x.data };
    return null;
  } catch {
    return null;
  }
}
