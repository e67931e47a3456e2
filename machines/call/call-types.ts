/**
 * The call's data and events: what the call machine keeps and what it hears.
 */
import type { TransportReport } from "../transport/mesh.ts";
import type { Departure, Greeted, Participant } from "./roster.ts";
import type { MediaReport } from "../media/local-media.ts";
import type { LocalMedia } from "../media/media.ts";
import type { ServerlessCommand, ServerlessReport, ServerlessRole, ServerlessView } from "../link/serverless.ts";
import type { CallSignalingReport } from "../link/signaling.ts";
import type { Occupancy, RoomWatchReport, WarmSockets } from "../link/socket.ts";
import type { KeyRing } from "../../protocol/group-keys.ts";
import type { Sounds } from "../features/sound.ts";
import type { PreparedSlot } from "../transport/prepared.ts";
import type { ReturnIce } from "../storage.ts";

export type { Participant };

export interface CallError {
  code: string;
  text: string;
}

export interface CallContext {
  signalingUrl: string;
  /** Sockets to the server opened ahead of time (owned by this call; the link adopts one). */
  warmSockets: WarmSockets;
  /** The connection the pre-join screen prepares (owned by this call; the transport takes it on joining). */
  prepared: PreparedSlot;
  /** The page's notification sounds (owned by this call; chat and notifications play them). */
  sounds: Sounds;
  room: string | null;
  /** The secret of the call's link (its fragment), or null for a room joined by its ID. */
  secret: string | null;
  /** The keys derived from it (epoch 0), and those of later epochs: group media and relayed messages are end-to-end encrypted. */
  keys: KeyRing | null;
  self: string | null;
  token: string | null;
  /** The layer Join guessed our tiles will need at first (told with the join, for a group's media server). */
  firstLayer: 0 | 1 | 2 | null;
  local: LocalMedia | null;
  micOn: boolean;
  camOn: boolean;
  /** The participants (everyone else in the room), by id. */
  peers: Record<string, Participant>;
  signalingOnline: boolean;
  /** The last attempt to reach the signaling server failed (it retries with backoff). */
  signalingFailed: boolean;
  /** The server speaks a newer protocol than this page: the call goes on peer to peer, a reload reconnects. */
  outdated: boolean;
  /** Privacy setting: connect only through the TURN relay, so the peer never sees our address. */
  relayOnly: boolean;
  /** The last problem with a relay server (wrong or expired credentials, unreachable). */
  iceError: CallError | null;
  /** Why the last participant is no longer here, while nobody else is. */
  departure: Departure | null;
  error: CallError | null;
  /** A serverless call (codes carried by hand, no server): how the exchange stands. Null with a server. */
  serverless: (ServerlessView & { connected: boolean }) | null;
  /** Show the pre-join screen before entering the room. */
  lobby: boolean;
  /**
   * Join was pressed on the pre-join screen and the call has nothing to show yet: the screen stays
   * up ("Joining…") until someone's picture arrives or the room says otherwise, so that the call's
   * view is not rendered while the connection's offer and answer are on their way (issue 21).
   */
  handover: boolean;
  /** A refresh taking its seat back: the relay servers its page had, to prepare its connection with (storage.ts). */
  returnIce: ReturnIce | null;
  /** How full the room is, while the pre-join screen shows (null until the server answers, and with no server). */
  occupancy: Occupancy | null;
  /** What we call ourselves, as typed on the pre-join screen (sent cleaned: cleanName); "" for none. */
  name: string;
  /** The name changed since our card last went out: it goes when the name settles, or at once when typing is done. */
  cardStale: boolean;
  /** Participants whose arrival was announced (chime and toast) and who have not left since, by id. */
  greeted: Greeted;
  /** Parts of the call that failed and were restarted (by actor id), so a part that keeps failing is given up on. */
  restarts: Record<string, number>;
}

export type CallUiEvent =
  /** `lobby`: show the pre-join screen first (someone opening a link), unless rejoining a seat. */
  | { type: "START"; room: string; lobby?: boolean; secret?: string | null }
  /** `layer`: the video layer the stage's tiles will need at first, as the screen guesses it (ui/layout.ts firstLayerFor). */
  | { type: "JOIN"; layer?: 0 | 1 | 2 }
  | { type: "SET_NAME"; name: string }
  /** Done typing the name (the field lost focus, or Enter): its card goes now rather than when it settles. */
  | { type: "NAME_DONE" }
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

export type CallEvent =
  | CallUiEvent
  | CallSignalingReport
  | ServerlessReport
  | TransportReport
  | MediaReport
  | RoomWatchReport
  | { type: "PEER.PRESUMED_GONE"; peer: string }
  /** The name typed has not changed for `cardSettles`. */
  | { type: "NAME.SETTLED" }
  /** A child actor threw: XState reports it to the parent under this type. */
  | { type: `xstate.error.actor.${string}`; error: unknown };

export interface CallInput {
  signalingUrl: string;
}
