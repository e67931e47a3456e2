/**
 * How features (chat, drawing) talk to the transport: named channels, messages in and out with
 * the sender's or the recipient's participant id. Features import this, never the call.
 */
import type { ActorRef, ActorSystem, AnyActorRef, Snapshot } from "xstate";
import type { FeatureChannel } from "../../protocol/index.ts";
import { TRANSPORT_ID } from "../system-ids.ts";

/** The stats actor asks for a sample of every connection. */
export type StatsReport = { type: "STATS.POLL" };

/**
 * Feature actors (chat, drawing) are invoked by `inRoom` under the id in FEATURE_ACTOR. They get
 * FeatureInbound events and answer with FeatureOutbound ones; the call routes bytes to peers.
 */
export const FEATURE_ACTOR: Record<FeatureChannel, string> = { chat: "chat", draw: "drawing" };
export type FeatureInbound =
  | { type: "FEATURE.MESSAGE"; channel: FeatureChannel; peer: string; data: Uint8Array }
  | { type: "FEATURE.PEER_OPEN"; channel: FeatureChannel; peer: string };
/** `peer` absent: to every connected member. */
export type FeatureOutbound = { type: "FEATURE.SEND"; channel: FeatureChannel; data: Uint8Array; peer?: string };

/** The transport's system id: features find it there (the call invokes it in a room). */
export { TRANSPORT_ID };

/**
 * Where a feature sends FEATURE.SEND: the transport. A feature running on its own (no transport
 * in its system) sends to itself, and features ignore FEATURE.SEND.
 */
// biome-ignore lint/suspicious/noExplicitAny: XState types a system by its registered actors; any actor may ask
export const transportOf = ({ system, self }: { system: ActorSystem<any>; self: AnyActorRef }): ActorRef<Snapshot<unknown>, FeatureOutbound | StatsReport> =>
  system.get(TRANSPORT_ID) ?? self;
