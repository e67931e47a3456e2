/**
 * The signaling wire: every frame between a browser and the signal server.
 * One discriminated union per direction, each message carrying the protocol version `v`.
 * Rooms hold a list of members; capacity is a server setting, never a protocol constant.
 */

/**
 * 2: `signal` names the other member as `peer` both ways (1 had `to` and `from`), so the server
 * relays a checked signal by rewriting that id in place.
 * 3: the same frames; pages of 3 draw on the "draw" data channel by participant id
 * (protocol/draw-wire.ts, DRAW_WIRE_VERSION 2), so an older page is told to reload.
 * 4: the same frames; a group's relayed payloads end with the number of the key that sealed them
 * (group keys, rotated when someone leaves), so a page of 3 in a group of 4 could read nothing.
 * Still 4 with cards: an older page ignores `occupancy.cards` and `joined.cards`, and a page sends
 * a `card` only to a server whose `joined` says it keeps them (an older one would call it bad).
 * Still 4 with `occupancy.iceServers`: an older page ignores it.
 * Still 4 with `join.offer`: an older server drops it (and says no `offered`), an older page sends none.
 */
export const PROTOCOL_VERSION = 4;

/** Longest accepted room id; ids are [A-Za-z0-9_-], so a UUID fits with room to spare. */
export const ROOM_ID_MAX = 64;
export const ROOM_ID_MIN = 3;
export const PEER_ID_MAX = 64;
export const TOKEN_MAX = 128;
/** Default largest frame in bytes; an SDP with many codecs is ~10 KB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

export interface SessionDescription {
  type: "offer" | "answer" | "pranswer" | "rollback";
  sdp: string;
}

export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** What one peer says to another through the server: a description, or a candidate (null ends gathering). */
export type SignalPayload = { description: SessionDescription } | { candidate: IceCandidate | null };

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

// ---- browser → server ----

export interface JoinMessage {
  v: number;
  type: "join";
  room: string;
  /** Seat token from an earlier `joined`, to take the same seat back after a refresh. */
  token?: string;
  /**
   * The video layer the joiner's tiles will need at first (its guess from how many are in the room
   * and its window): a group's media server subscribes it to everyone at that layer, before its
   * stage can say, instead of at the highest and then switching.
   */
  layer?: 0 | 1 | 2;
  /**
   * The joiner's first offer to the one person it expects to find (made on its pre-join screen),
   * sent with the join so that it reaches them without waiting for `joined`'s round trip. The
   * server relays it as a `signal` from the new member only if the room it joins is direct with
   * exactly one other member, and then says so in `joined` (`offered`); otherwise it is dropped
   * and the joiner sends its offers as usual.
   */
  offer?: JoinOffer;
}
/** A first offer carried by a join: the sender's connection (`session`, as in `signal`) and its SDP. */
export interface JoinOffer {
  session: string;
  sdp: string;
}
/**
 * A signal between two members, the same shape both ways: `peer` is the addressee when a browser
 * sends it and the sender when the server relays it.
 */
export interface SignalMessage {
  v: number;
  type: "signal";
  peer: string;
  /** Id of the sender's current peer connection; a new one tells the receiver to start afresh. */
  session: string;
  /**
   * The receiver's connection this answers (its `session`, as the sender last heard it); absent
   * while the sender has heard from none (a first offer). A receiver drops a signal meant for a
   * connection it no longer has: one its earlier page or session made.
   */
  re?: string;
  data: SignalPayload;
}
export interface LeaveMessage {
  v: number;
  type: "leave";
}
export interface PingMessage {
  v: number;
  type: "ping";
}

/** Asks for fresh ICE servers (TURN credentials expire); answered by `ice-servers`. */
export interface RefreshIceMessage {
  v: number;
  type: "refresh-ice";
}

/**
 * A call of three or more goes through a media server (SFU): each browser has one connection that
 * publishes its media there ("pub") and one that receives everyone else's ("sub"). The browser
 * speaks only to the OneLink server, which drives the media server on its behalf: a `sfu` frame
 * carries one description or candidate of one of those two connections, both ways.
 */
export type SfuConnection = "pub" | "sub";
export interface SfuMessage {
  v: number;
  type: "sfu";
  pc: SfuConnection;
  data: SignalPayload;
}

/**
 * What a member wants to receive of each participant's video through the media server: a
 * simulcast layer (0 low, 1 medium, 2 high) that fits their tile, or -1 for none (a hidden tab, a
 * tile off screen). Participants not named keep what they had.
 */
export type SfuLayer = -1 | 0 | 1 | 2;
export interface SfuViewMessage {
  v: number;
  type: "sfu-view";
  want: { peer: string; layer: SfuLayer }[];
}

/** Group feature channels the server relays (their payload is opaque to it: end-to-end encrypted). */
export type RelayChannel = "chat" | "draw" | "control";
export const RELAY_CHANNELS: readonly RelayChannel[] = ["chat", "draw", "control"];
/** Largest relayed payload (bytes). */
export const RELAY_DATA_MAX = 48 * 1024;
/**
 * A feature message for the group, relayed by the server: to one member (`peer`) or to everyone
 * else (no `peer`). From the server, `peer` names the sender.
 */
export interface RelayMessage {
  v: number;
  type: "relay";
  channel: RelayChannel;
  peer?: string;
  data: Uint8Array;
}

/**
 * The pre-join screen asks how many people are in `room` (answered by `occupancy`), without
 * joining: nothing is sent to the members, nothing is kept, and a socket may ask again (it then
 * stays open for its join, see CloseCode.JoinTimeout).
 */
export interface PeekMessage {
  v: number;
  type: "peek";
  room: string;
}

/** Largest sealed card a member may show (bytes): a name of NAME_MAX characters sealed fits with room to spare. */
export const CARD_MAX = 256;
/** Most cards an `occupancy` carries (the pre-join screen names two or three people at most). */
export const OCCUPANCY_CARDS_MAX = 64;
/**
 * What the pre-join screen may show of a member: its name, sealed with the link's message key
 * (epoch 0, see protocol/cards.ts), so the server keeps what it cannot read, one per seat, for as
 * long as the seat lasts. Sent again when the name changes; empty `data` takes it down. Only sent
 * to a server whose `joined` said it keeps cards.
 */
export interface CardMessage {
  v: number;
  type: "card";
  data: Uint8Array;
}

export type ClientMessage =
  | PeekMessage
  | CardMessage
  | JoinMessage
  | SignalMessage
  | LeaveMessage
  | PingMessage
  | RefreshIceMessage
  | SfuMessage
  | SfuViewMessage
  | RelayMessage;

// ---- server → browser ----

/** How media flows in a room: browser to browser ("direct", two people) or through the media server ("sfu"). */
export type CallMode = "direct" | "sfu";

export interface JoinedMessage {
  v: number;
  type: "joined";
  mode: CallMode;
  /**
   * Group mode: the media server still holds this member's connections (it reconnected to the same
   * server), so its media goes on as it is; absent, it publishes and subscribes afresh.
   */
  keep?: boolean;
  room: string;
  /** This member's own id in the room. */
  self: string;
  /** Secret that lets this member take its seat back. */
  token: string;
  /** Members already present. */
  peers: string[];
  iceServers: IceServer[];
  /** Unix seconds when the TURN credentials in iceServers expire, if any do. */
  iceExpiresAt?: number;
  /** The server keeps a `card` per seat for the pre-join screen (absent: an older server; send none). */
  cards?: boolean;
  /** The join's `offer` went to the one member in `peers` (absent: it did not; the joiner offers as usual). */
  offered?: boolean;
}
export interface IceServersMessage {
  v: number;
  type: "ice-servers";
  iceServers: IceServer[];
  iceExpiresAt?: number;
}
export interface PeerJoinedMessage {
  v: number;
  type: "peer-joined";
  peer: string;
}
/** A member's socket dropped; the seat is held for a grace period in case it comes back. */
export interface PeerAwayMessage {
  v: number;
  type: "peer-away";
  peer: string;
}
/** The room's media path changed (a third person came, or the call is back to two). */
export interface ModeMessage {
  v: number;
  type: "mode";
  mode: CallMode;
}
/** What the media server sends on one of our `sub` connection's media lines: whose audio or video. */
export interface SfuStream {
  mid: string;
  peer: string;
  kind: "audio" | "video";
}
/** From the server: a description for one of our media-server connections (a `sub` offer lists its streams). */
export interface SfuServerMessage {
  v: number;
  type: "sfu";
  pc: SfuConnection;
  data: SignalPayload;
  streams?: SfuStream[];
}
/**
 * Dynacast: the highest simulcast layer anyone receiving our video wants (0 low, 1 medium, 2 high):
 * the layers above it need not be encoded until told otherwise. A page that ignores it encodes all three.
 */
export interface SfuLayersMessage {
  v: number;
  type: "sfu-layers";
  max: 0 | 1 | 2;
}
/** How many seats `room` has taken (also those held for a rejoin) and how many it can hold: full when equal. */
export interface OccupancyMessage {
  v: number;
  type: "occupancy";
  room: string;
  people: number;
  capacity: number;
  /** The sealed cards of those seats that show one (at most OCCUPANCY_CARDS_MAX, never more than `people`), in no meaningful order. */
  cards?: Uint8Array[];
  /**
   * The relay servers a page may prepare its connection with before it joins (TURN credentials of
   * a user `lobby-<random>`, not yet a member); `joined` brings the member's own. Absent from an
   * older server: the page then prepares nothing.
   */
  iceServers?: IceServer[];
}
/** Most people a room may report (a bound for the validators, far above any capacity). */
export const OCCUPANCY_MAX = 10_000;
export type PeerLeftReason = "left" | "gone";
export interface PeerLeftMessage {
  v: number;
  type: "peer-left";
  peer: string;
  /** "left": hung up on purpose; "gone": away past the grace period, the seat is free again. */
  reason: PeerLeftReason;
}
export type ErrorCode =
  | "bad-frame"
  | "bad-version"
  | "bad-room"
  | "room-full"
  | "not-joined"
  | "already-joined"
  | "unknown-peer"
  | "too-large"
  | "rate-limited"
  | "shutting-down"
  | "sfu-failed";
export interface ErrorMessage {
  v: number;
  type: "error";
  code: ErrorCode;
  text: string;
}
export interface PongMessage {
  v: number;
  type: "pong";
}

export type ServerMessage =
  | JoinedMessage
  | PeerJoinedMessage
  | PeerAwayMessage
  | PeerLeftMessage
  | SignalMessage
  | IceServersMessage
  | ErrorMessage
  | PongMessage
  | OccupancyMessage
  | ModeMessage
  | SfuServerMessage
  | SfuLayersMessage
  | RelayMessage;

/** Distributive Omit so each union member keeps its own fields. */
export type WithoutVersion<T> = T extends unknown ? Omit<T, "v"> : never;

/** WebSocket close codes the server uses, so a client knows whether to come back. */
export const CloseCode = {
  /** Server restarting or shutting down: reconnect with backoff, the call goes on. */
  Restart: 1012,
  /** Frame larger than the server accepts. */
  TooLarge: 1009,
  /** Too many malformed frames. */
  BadFrames: 4001,
  /** Sending faster than the rate limit. */
  RateLimited: 4002,
  /** The same seat was taken by a newer connection (e.g. the same call opened in another tab). */
  Replaced: 4003,
  /** Open for too long without joining a room (a pre-opened socket nobody used): reconnect when needed. */
  JoinTimeout: 4004,
} as const;
