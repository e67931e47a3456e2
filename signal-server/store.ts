/**
 * Membership: which rooms exist, who holds a seat in each, the capacity, the seat tokens and the
 * grace period as an expiry on a seat. It knows nothing of sockets (no Bun, no WebSocket): a seat
 * is held by a *holder*, an opaque id of the connection that holds it (the server uses a number
 * unique on its node), so it is tested directly, and it can live outside this process.
 *
 * A seat's id is derived from its secret token (a hash), so a member can reclaim its seat after a
 * refresh, and even after a server restart wiped the store, without the server keeping secrets.
 *
 * `RoomStore` is shaped for a shared backend as well as this in-memory one: every operation is one
 * round trip that returns plain data (a Redis backend: a hash per room, a seat key set with
 * SET NX PX for its expiry, a Lua script for the atomic capacity check in `join`), and may answer
 * with a promise. Only `counts()` stays synchronous: it is this node's view, for /healthz.
 */
import { hash, randomBytes } from "node:crypto";
import { OCCUPANCY_CARDS_MAX } from "../protocol/messages.ts";

export type Awaitable<T> = T | Promise<T>;

export interface Seat<H> {
  id: string;
  /** The connection holding the seat, or null while it is held for a rejoin. */
  holder: H | null;
  /** When a seat nobody holds is freed (ms since the epoch), or null while it is held. */
  expiresAt: number | null;
}

export type JoinResult<H> =
  /**
   * `room` is the store's own copy of the room's id (one string per room); `token` is handed out
   * once, here (the store keeps only the seat id derived from it); `peers` are the other members
   * holding their seats; `replaced` the holder the seat was taken from, if it was held.
   */
  { ok: true; room: string; seat: Seat<H>; token: string; peers: string[]; replaced: H | null; resumed: boolean } | { ok: false; code: "room-full" };

/** What a peek sees of a room: the seats taken (as `join` counts them) and the cards shown on them. */
export interface Occupants {
  people: number;
  /** The sealed cards of the seats counted that show one (at most OCCUPANCY_CARDS_MAX), copies the caller may keep. */
  cards: Uint8Array[];
}

export interface Counts {
  rooms: number;
  seats: number;
  /** Seats whose holder is connected. */
  connected: number;
}

export interface RoomStore<H> {
  /**
   * Takes a seat in `room` for `holder`, atomically against the capacity: the seat named by
   * `token` if it exists (resumed, and taken from its holder if it had one), else a new seat if
   * there is room (an unknown token is honoured: the store may have restarted).
   */
  join(room: string, holder: H, token?: string): Awaitable<JoinResult<H>>;
  /** A deliberate leave: the seat is freed at once. Returns the members holding seats, to tell. */
  leave(room: string, seatId: string): Awaitable<string[]>;
  /**
   * `holder` went away. If it still held the seat, the seat is kept until its expiry and the
   * members to tell are returned; a holder the seat was already taken from gets null.
   */
  disconnect(room: string, seatId: string, holder: H): Awaitable<string[] | null>;
  /** Who holds the seat `seatId` of `room` (null: nobody, or no such seat). */
  holder(room: string, seatId: string): Awaitable<H | null>;
  /**
   * How many seats `room` has taken, those held for a rejoin too (what `join` checks the capacity
   * against), and their cards; reads only.
   */
  peek(room: string): Awaitable<Occupants>;
  /**
   * Shows `card` (sealed, at most CARD_MAX bytes; null takes it down) on the seat `seatId` of
   * `room`, in place of the one it had. It lasts as long as the seat, through a grace period too.
   * False: no such seat.
   */
  card(room: string, seatId: string, card: Uint8Array | null): Awaitable<boolean>;
  /** This node's view of the numbers, for /healthz. */
  counts(): Counts;
  /** Forgets everything (and every timer), for shutdown. */
  clear(): Awaitable<void>;
}

export interface StoreOptions {
  capacity: number;
  /** How long a seat nobody holds is kept for a rejoin; 0 frees it at once. */
  graceMs: number;
  /** A seat expired: its id and the members still holding seats, to tell. */
  onExpire: (room: string, seatId: string, others: string[]) => void;
  /** Runs `fn` in `ms`; returns a cancel. Tests inject their own clock. */
  schedule?: (fn: () => void, ms: number) => () => void;
  /** The clock behind `expiresAt` (default Date.now). */
  now?: () => number;
}

const defaultSchedule = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export const newToken = () => randomBytes(24).toString("base64url");
/** 12 bytes of the token's hash as 16 base64url characters: a string of its own, not a slice of a longer one. */
export const seatIdOf = (token: string) => (hash("sha256", token, "buffer") as Buffer).subarray(0, 12).toString("base64url");

interface MemorySeat<H> extends Seat<H> {
  cancelExpiry: (() => void) | null;
  card: Uint8Array | null;
}

/** A room holds a handful of seats: a small array costs far less memory per member than a Map. */
interface Room<H> {
  id: string;
  seats: MemorySeat<H>[];
}

const find = <H>(seats: MemorySeat<H>[], id: string) => seats.find((s) => s.id === id);
function remove<H>(seats: MemorySeat<H>[], id: string) {
  const at = seats.findIndex((s) => s.id === id);
  if (at >= 0) seats.splice(at, 1);
}

/** The store in this process's memory: synchronous, atomic by construction. */
export class MemoryStore<H> implements RoomStore<H> {
  private rooms = new Map<string, Room<H>>();
  private schedule: NonNullable<StoreOptions["schedule"]>;
  private now: () => number;

  constructor(private opts: StoreOptions) {
    this.schedule = opts.schedule ?? defaultSchedule;
    this.now = opts.now ?? Date.now;
  }

  join(roomId: string, holder: H, token?: string): JoinResult<H> {
    const existing = this.rooms.get(roomId);
    const seats = existing?.seats ?? [];
    const claimed = token ? find(seats, seatIdOf(token)) : undefined;
    if (claimed) {
      const replaced = claimed.holder;
      claimed.cancelExpiry?.();
      claimed.cancelExpiry = null;
      claimed.expiresAt = null;
      claimed.holder = holder;
      return { ok: true, room: existing!.id, seat: claimed, token: token!, peers: this.holdingOthers(seats, claimed.id), replaced, resumed: true };
    }
    if (seats.length >= this.opts.capacity) return { ok: false, code: "room-full" };
    const room = existing ?? { id: roomId, seats };
    const seatToken = token ?? newToken();
    const seat: MemorySeat<H> = { id: seatIdOf(seatToken), holder, expiresAt: null, cancelExpiry: null, card: null };
    seats.push(seat);
    if (!existing) this.rooms.set(roomId, room);
    return { ok: true, room: room.id, seat, token: seatToken, peers: this.holdingOthers(seats, seat.id), replaced: null, resumed: false };
  }

  leave(roomId: string, seatId: string): string[] {
    const room = this.rooms.get(roomId);
    const seat = room && find(room.seats, seatId);
    if (!room || !seat) return [];
    seat.cancelExpiry?.();
    this.free(room, seatId);
    return this.holdingOthers(room.seats, seatId);
  }

  disconnect(roomId: string, seatId: string, holder: H): string[] | null {
    const room = this.rooms.get(roomId);
    const seat = room && find(room.seats, seatId);
    if (!room || !seat || seat.holder !== holder) return null;
    seat.holder = null;
    const others = this.holdingOthers(room.seats, seatId);
    if (this.opts.graceMs <= 0) {
      // No grace: onExpire already told the others "gone"; a later "away" would contradict it.
      this.expire(roomId, seatId);
      return [];
    }
    seat.expiresAt = this.now() + this.opts.graceMs;
    seat.cancelExpiry = this.schedule(() => this.expire(roomId, seatId), this.opts.graceMs);
    return others;
  }

  holder(roomId: string, seatId: string): H | null {
    const room = this.rooms.get(roomId);
    return (room && find(room.seats, seatId)?.holder) ?? null;
  }

  peek(roomId: string): Occupants {
    const seats = this.rooms.get(roomId)?.seats ?? [];
    const cards: Uint8Array[] = [];
    for (const s of seats) if (s.card && cards.length < OCCUPANCY_CARDS_MAX) cards.push(s.card.slice());
    return { people: seats.length, cards };
  }

  card(roomId: string, seatId: string, card: Uint8Array | null): boolean {
    const room = this.rooms.get(roomId);
    const seat = room && find(room.seats, seatId);
    if (!seat) return false;
    // A copy of its own: the decoded frame's buffer is not kept alive by a card.
    seat.card = card?.byteLength ? card.slice() : null;
    return true;
  }

  counts(): Counts {
    let seats = 0;
    let connected = 0;
    for (const room of this.rooms.values()) {
      seats += room.seats.length;
      for (const s of room.seats) if (s.holder !== null) connected++;
    }
    return { rooms: this.rooms.size, seats, connected };
  }

  clear() {
    for (const room of this.rooms.values()) for (const s of room.seats) s.cancelExpiry?.();
    this.rooms.clear();
  }

  private expire(roomId: string, seatId: string) {
    const room = this.rooms.get(roomId);
    const seat = room && find(room.seats, seatId);
    if (!room || !seat || seat.holder !== null) return;
    this.free(room, seatId);
    this.opts.onExpire(roomId, seatId, this.holdingOthers(room.seats, seatId));
  }

  private free(room: Room<H>, seatId: string) {
    remove(room.seats, seatId);
    if (room.seats.length === 0) this.rooms.delete(room.id);
  }

  private holdingOthers(seats: MemorySeat<H>[], selfId: string): string[] {
    const ids: string[] = [];
    for (const s of seats) if (s.id !== selfId && s.holder !== null) ids.push(s.id);
    return ids;
  }
}
