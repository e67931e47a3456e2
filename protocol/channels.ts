/**
 * The data channels every direct connection has (protocol/peer-wire.ts re-exports these). On their
 * own, so that the page's first script (machines/head-start.ts) can make a connection with them
 * without the msgpack codec peer-wire.ts brings.
 */

/** Negotiated data channel ids, identical on both sides, so no extra negotiation round is needed. */
export const DataChannelId = { control: 0, chat: 1, draw: 2 } as const;

/** Channels that carry a feature's own msgpack messages; the call routes them to that feature's actor. */
export type FeatureChannel = "chat" | "draw";
export const FEATURE_CHANNELS: readonly FeatureChannel[] = ["chat", "draw"];
