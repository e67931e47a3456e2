/**
 * The call's data and events: what the call machine keeps and what it hears.
 */
import type { ActorRefFrom } from "xstate";
import type { FeatureChannel, IceServer } from "../protocol/index.ts";
import type { MediaReport } from "./local-media.ts";
import type { LocalMedia } from "./media.ts";
import type { peerMachine, PeerReport, PeerStatus } from "./peer.ts";
import type { ServerlessCommand, ServerlessReport, ServerlessRole, ServerlessView } from "./serverless.ts";
import type { SignalingReport } from "./signaling.ts";
import type { StatsReport } from "./stats.ts";

export interface PeerEntry {
  id: string;
  /** null while announced but not yet talking (we wait for their offer). */
  ref: ActorRefFrom<typeof peerMachine> | null;
  /** Our peer-connection session toward them, and theirs toward us. */
  session: string | null;
  remoteSession: string | null;
  status: PeerStatus | "announced";
  /** Their signaling socket dropped; the server holds their seat. */
  away: boolean;
  stream: MediaStream | null;
  audio: boolean;
  video: boolean;
  /** Their video is a shared screen. */
  screen?: boolean;
}

export interface CallError {
  code: string;
  text: string;
}

export interface CallContext {
  signalingUrl: string;
  room: string | null;
  self: string | null;
  token: string | null;
  iceServers: IceServer[];
  local: LocalMedia | null;
  micOn: boolean;
  camOn: boolean;
  peers: Record<string, PeerEntry>;
  signalingOnline: boolean;
  /** The last attempt to reach the signaling server failed (it retries with backoff). */
  signalingFailed: boolean;
  /** The server speaks a newer protocol than this page: the call goes on peer to peer, a reload reconnects. */
  outdated: boolean;
  /** Privacy setting: connect only through the TURN relay, so the peer never sees our address. */
  relayOnly: boolean;
  /** The last problem with a relay server (wrong or expired credentials, unreachable). */
  iceError: CallError | null;
  /** Why the last remote member is no longer here, while nobody else is. */
  departure: { peer: string; reason: "left" | "gone" } | null;
  error: CallError | null;
  /** A serverless call (codes carried by hand, no server): how the exchange stands. Null with a server. */
  serverless: (ServerlessView & { connected: boolean }) | null;
  /** Show the pre-join screen before entering the room. */
  lobby: boolean;
  /** The other person's arrival was announced (chime and toast) and they have not left since. */
  greeted: boolean;
  /** Parts of the call that failed and were restarted (by actor id), so a part that keeps failing is given up on. */
  restarts: Record<string, number>;
}

export type CallUiEvent =
  /** `lobby`: show the pre-join screen first (someone opening a link), unless rejoining a seat. */
  | { type: "START"; room: string; lobby?: boolean }
  | { type: "JOIN" }
  | { type: "SET_RELAY_ONLY"; on: boolean }
  | { type: "START_SERVERLESS"; role: ServerlessRole }
  | ServerlessCommand
  | { type: "TOGGLE_MIC" }
  | { type: "TOGGLE_CAMERA" }
  | { type: "HANG_UP" }
  | { type: "WAIT" }
  | { type: "REJOIN" }
  | { type: "RELOAD" }
  | { type: "EXIT" };

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

export type CallEvent =
  | CallUiEvent
  | SignalingReport
  | ServerlessReport
  | PeerReport
  | MediaReport
  | StatsReport
  | FeatureOutbound
  | { type: "PEER.PRESUMED_GONE"; peer: string }
  /** A child actor threw: XState reports it to the parent under this type. */
  | { type: `xstate.error.actor.${string}`; error: unknown };

export interface CallInput {
  signalingUrl: string;
}
