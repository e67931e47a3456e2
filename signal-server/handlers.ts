/**
 * What each client message does, once the socket layer has decoded it and applied its limits:
 * join, signal (the one relay path), refresh-ice, leave, and a socket's close. Membership goes
 * through the store, this node's sockets through presence, every frame to another member through
 * the bus.
 */
import {
  encode,
  type ClientMessage,
  type ErrorCode,
  type JoinOffer,
  PROTOCOL_VERSION,
  type RelayMessage,
  type ServerMessage,
  type SfuLayer,
  type SignalMessage,
  type WithoutVersion,
} from "../protocol/index.ts";
import type { Bus } from "./bus.ts";
import type { Groups } from "./sfu/group.ts";
import type { ServerConfig } from "./config.ts";
import type { Matches, Presence } from "./presence.ts";
import { peerIdOf, peerIs, relayInPlace, type ReadSignal } from "./relay-wire.ts";
import type { Awaitable, RoomStore } from "./store.ts";
import { iceServersFor } from "./turn.ts";

/** What the handlers read and write on a socket. */
export interface Member {
  /** This connection's id on this node (the seat's holder in the store is made from it). */
  conn: number;
  room: string | null;
  seatId: string | null;
  /** The socket has closed (a join the store answers later must not seat it). */
  closed: boolean;
  /**
   * The card this member shows now (sealed, a copy), null for none: with many nodes the node writes
   * it back when Redis comes back empty (a restart), as it does the seat.
   */
  card: Uint8Array | null;
}

export interface HandlerDeps<S extends { data: Member }, H> {
  config: ServerConfig;
  /** People a room holds here (two without a media server). */
  capacity: number;
  /** People the store lets into a room (with many nodes it is the configured capacity). */
  storeCapacity: number;
  /** Group calls through the media server. */
  groups: Groups;
  store: RoomStore<H>;
  /** The holder of the socket's seat in the store: its conn, or with many nodes `<node>#<conn>`. */
  holderOf: (ws: S) => H;
  /** The seat was taken from `holder`, whose socket is on another node (many nodes only). */
  kick?: (room: string, seatId: string, holder: H) => void;
  presence: Presence<S>;
  bus: Bus;
  send: (socket: S, msg: WithoutVersion<ServerMessage>) => void;
  fail: (socket: S, code: ErrorCode, text: string) => void;
  closeWith: (socket: S, code: number, reason: string) => void;
  /** The socket is now in a room / out of one again (the socket layer keeps those not in a room). */
  entered: (socket: S) => void;
  /** The socket has its seat and was told so (many nodes: frames that raced ahead of it go now). */
  seated?: (socket: S) => void;
  left: (socket: S) => void;
  replacedCode: number;
  /**
   * Many nodes: a group message to member `to` or to every other member (undefined), as the shared
   * store lists the room (this node knows only part of it). False: `to` is no member.
   */
  toGroup?: (room: string, from: string, to: string | undefined, frame: Uint8Array) => Promise<boolean>;
}

/**
 * Runs `then` on the value now, or when the promise settles (a store over the network); returns
 * that promise, so that the socket can hold its next frames until then.
 */
function settle<T>(value: Awaitable<T>, then: (v: T) => void): Promise<void> | undefined {
  if (value instanceof Promise) return value.then(then, (err) => console.error("signal: the room store failed", err));
  then(value);
  return undefined;
}

const isPeer: Matches<SignalMessage> = (msg, id) => msg.peer === id;
/** The relayed frame for a decoded signal: the same fields, naming the sender. */
const encodeRelayed = (msg: SignalMessage, from: string) =>
  encode({ type: "signal", peer: from, session: msg.session, ...(msg.re === undefined ? {} : { re: msg.re }), data: msg.data });
const peerOf = (msg: SignalMessage) => msg.peer;

export function createHandlers<S extends { data: Member }, H>(deps: HandlerDeps<S, H>) {
  const { config, store, presence, bus, send, fail, groups } = deps;

  const tell = (room: string, ids: readonly string[], msg: WithoutVersion<ServerMessage>, about?: string) => {
    if (ids.length) bus.deliverAll(room, ids, encode(msg), about);
  };

  /** A seat expired in the store: its room is told it is gone. */
  const expired = (room: string, seatId: string, others: string[]) => {
    groups.expired(room, seatId, others);
    tell(room, others, { type: "peer-left", peer: seatId, reason: "gone" });
  };

  /** Why a room is full: its size, and why it is two when group calls are not possible here. */
  const fullText = () =>
    deps.capacity < config.roomCapacity
      ? `This call is full (${deps.capacity} people): group calls need a media server, and this server has none.`
      : `This call is full (${deps.capacity} people).`;

  /**
   * The one relay path, for a signal checked at the byte level (`to` a ReadSignal, relayed in place)
   * and for a decoded one alike. False when the frame needs the general path after all (ids of
   * unequal length).
   */
  function relay<A>(ws: S, to: A, matches: Matches<A>, build: (to: A, from: string) => Uint8Array | null, idOf: (to: A) => string): boolean {
    const { room, seatId } = ws.data;
    if (!room || !seatId) {
      fail(ws, "not-joined", "Join a room before signaling.");
      return true;
    }
    const sent = matches(to, seatId) ? false : bus.relay(room, seatId, to, matches, build, idOf);
    if (sent === null) return false;
    if (sent === false) fail(ws, "unknown-peer", "No such member in this room.");
    else if (sent !== true)
      // Routed to another node: the answer comes later.
      sent.then(
        (ok) => {
          if (!ok && !ws.data.closed) fail(ws, "unknown-peer", "No such member in this room.");
        },
        () => {},
      );
    return true;
  }

  /** A signal in its plain shape, checked by readSignal: relayed as the same bytes, the id swapped. */
  const relayRaw = (ws: S, sig: ReadSignal): boolean => relay(ws, sig, peerIs, relayInPlace, peerIdOf);

  /** A group message: to one member, or to every other member the room has. */
  function relayToGroup(ws: S, msg: RelayMessage) {
    const { room, seatId } = ws.data;
    if (!room || !seatId) return fail(ws, "not-joined", "Join a room before sending to it.");
    if (deps.toGroup) {
      if (msg.peer === seatId) return fail(ws, "unknown-peer", "No such member in this room.");
      const frame = encode({ type: "relay", channel: msg.channel, peer: seatId, data: msg.data });
      deps.toGroup(room, seatId, msg.peer, frame).then(
        (ok) => {
          if (!ok && !ws.data.closed) fail(ws, "unknown-peer", "No such member in this room.");
        },
        (err) => console.error("signal: a group message could not go through Redis", err),
      );
      return;
    }
    const members = groups.membersOf(room);
    if (msg.peer !== undefined && (msg.peer === seatId || !members.includes(msg.peer))) return fail(ws, "unknown-peer", "No such member in this room.");
    const to = msg.peer !== undefined ? [msg.peer] : members.filter((id) => id !== seatId);
    if (to.length) bus.deliverAll(room, to, encode({ type: "relay", channel: msg.channel, peer: seatId, data: msg.data }));
  }

  /** Returns a promise when the store answers later: the socket's next frames wait for it. */
  function join(ws: S, roomId: string, token: string | undefined, layer: SfuLayer | undefined, offer: JoinOffer | undefined): Promise<void> | void {
    if (ws.data.room) return fail(ws, "already-joined", "This connection is already in a room.");
    const holder = deps.holderOf(ws);
    return settle(store.join(roomId, holder, token), (result) => {
      if (!result.ok) return fail(ws, "room-full", fullText());
      if (ws.data.closed) {
        // It closed while the store was answering: the seat is held for its rejoin, as for any drop.
        settle(store.disconnect(result.room, result.seat.id, holder), (others) => {
          if (others) tell(roomId, others, { type: "peer-away", peer: result.seat.id });
        });
        return;
      }
      deps.entered(ws);
      ws.data.room = result.room; // the store's own copy of the id: one string per room
      ws.data.seatId = result.seat.id;
      ws.data.card = null;
      const previous = presence.set(result.room, result.seat.id, ws);
      if (result.replaced !== null) {
        if (previous !== null) deps.closeWith(previous, deps.replacedCode, "seat taken by a newer connection");
        else deps.kick?.(result.room, result.seat.id, result.replaced);
      }
      const ice = iceServersFor(config, result.seat.id);
      const mode = groups.joined(result.room, result.seat.id, [...result.peers, result.seat.id], layer);
      // The joiner's first offer goes with its join only to the one person of a direct room: what
      // the joiner would have sent them right after `joined`, one round trip sooner.
      const offerTo = offer && mode === "direct" && result.peers.length === 1 ? result.peers[0]! : null;
      send(ws, {
        type: "joined",
        mode,
        ...(mode === "sfu" && groups.holdsMedia(result.room, result.seat.id) ? { keep: true } : {}),
        room: roomId,
        self: result.seat.id,
        token: result.token,
        peers: result.peers,
        iceServers: ice.iceServers,
        ...(ice.expiresAt ? { iceExpiresAt: ice.expiresAt } : {}),
        cards: true,
        ...(offerTo ? { offered: true } : {}),
      });
      deps.seated?.(ws);
      tell(roomId, result.peers, { type: "peer-joined", peer: result.seat.id }, result.seat.id);
      if (offerTo && offer)
        relay(
          ws,
          { v: PROTOCOL_VERSION, type: "signal", peer: offerTo, session: offer.session, data: { description: { type: "offer", sdp: offer.sdp } } },
          isPeer,
          encodeRelayed,
          peerOf,
        );
    });
  }

  /**
   * How full a room is, for the pre-join screen: read from the store and answered to this socket
   * only; the room's members hear nothing of it, and nothing is kept. The relay servers come with
   * it (credentials for a user who is not a member yet), so the page can prepare its connection
   * before Join; `joined` brings the member's own.
   */
  function peek(ws: S, roomId: string) {
    settle(store.peek(roomId), ({ people, cards }) => {
      if (ws.data.closed) return;
      const { iceServers } = iceServersFor(config, `lobby-${crypto.randomUUID().slice(0, 8)}`);
      send(ws, { type: "occupancy", room: roomId, people, capacity: deps.storeCapacity, ...(cards.length ? { cards } : {}), iceServers });
    });
  }

  /** A member's sealed card for the pre-join screen, kept on its seat (empty: taken down). */
  function card(ws: S, data: Uint8Array) {
    const { room, seatId } = ws.data;
    if (!room || !seatId) return fail(ws, "not-joined", "Join a room before showing your name.");
    ws.data.card = data.byteLength ? data.slice() : null;
    settle(store.card(room, seatId, ws.data.card), () => {});
  }

  function leave(ws: S) {
    const { room, seatId } = ws.data;
    if (!room || !seatId) return;
    ws.data.room = ws.data.seatId = ws.data.card = null;
    presence.delete(room, seatId, ws);
    deps.left(ws);
    groups.left(room, seatId);
    settle(store.leave(room, seatId), (others) => tell(room, others, { type: "peer-left", peer: seatId, reason: "left" }));
  }

  /** The socket closed: its seat is held for a rejoin, unless a newer connection took it. */
  function disconnect(ws: S) {
    const { room, seatId } = ws.data;
    if (!room || !seatId) return;
    presence.delete(room, seatId, ws);
    settle(store.disconnect(room, seatId, deps.holderOf(ws)), (others) => {
      if (others) tell(room, others, { type: "peer-away", peer: seatId });
    });
  }

  function handle(ws: S, msg: ClientMessage): Promise<void> | void {
    switch (msg.type) {
      case "ping":
        return send(ws, { type: "pong" });
      case "join":
        return join(ws, msg.room, msg.token, msg.layer, msg.offer);
      case "peek":
        return peek(ws, msg.room);
      case "card":
        return card(ws, msg.data);
      case "signal":
        relay(ws, msg, isPeer, encodeRelayed, peerOf);
        return;
      case "refresh-ice": {
        const { room, seatId } = ws.data;
        if (!room || !seatId) return fail(ws, "not-joined", "Join a room before asking for ICE servers.");
        const ice = iceServersFor(config, seatId);
        return send(ws, { type: "ice-servers", iceServers: ice.iceServers, ...(ice.expiresAt ? { iceExpiresAt: ice.expiresAt } : {}) });
      }
      case "leave":
        return leave(ws);
      case "sfu": {
        const { room, seatId } = ws.data;
        if (!room || !seatId) return fail(ws, "not-joined", "Join a room before sending media.");
        if (!groups.signal(room, seatId, msg.pc, msg.data)) return fail(ws, "sfu-failed", "This call is not going through the media server.");
        return;
      }
      case "sfu-view": {
        const { room, seatId } = ws.data;
        if (!room || !seatId) return fail(ws, "not-joined", "Join a room before choosing what to receive.");
        groups.view(room, seatId, msg.want);
        return;
      }
      case "relay":
        return relayToGroup(ws, msg);
    }
  }

  /** A member's node died: its seat is held for a rejoin, and its room told it is away (its wanted layers forgotten). */
  const away = (room: string, seatId: string, others: string[]) => {
    groups.away(room, seatId, others);
    tell(room, others, { type: "peer-away", peer: seatId });
  };

  return { handle, relayRaw, disconnect, expired, away };
}
