/**
 * The room registry: seats, seat tokens, capacity and grace periods. Plain TypeScript with no
 * socket or Bun knowledge, generic over whatever a "connection" is, so it is tested directly.
 *
 * A seat's id is derived from its secret token (a hash), so a member can reclaim its seat after a
 * refresh, and even after a server restart wiped the registry, without the server keeping secrets.
 */
import { hash, randomBytes } from "node:crypto";

export interface Seat<C> {
  id: string;
  /** The room's id, one string shared by its members. */
  room: string;
  conn: C | null;
  cancelExpiry: (() => void) | null;
}

export type JoinResult<C> =
  /** `token` is handed out once, here; the registry keeps only the seat id derived from it. */
  | { ok: true; room: string; seat: Seat<C>; token: string; peers: string[]; replaced: C | null; resumed: boolean }
  | { ok: false; code: "room-full" };

export interface RoomsOptions {
  capacity: number;
  graceMs: number;
  /** Called when a held seat expires, with the members still connected to tell. */
  onExpire: (room: string, seatId: string, others: string[]) => void;
  schedule?: (fn: () => void, ms: number) => () => void;
}

const defaultSchedule = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export const newToken = () => randomBytes(24).toString("base64url");
/** 12 bytes of the token's hash as 16 base64url characters: a string of its own, not a slice of a longer one. */
export const seatIdOf = (token: string) => (hash("sha256", token, "buffer") as Buffer).subarray(0, 12).toString("base64url");

// A room holds a handful of seats: a small array costs far less memory per socket than a Map.
const find = <C>(seats: Seat<C>[], id: string) => seats.find((s) => s.id === id);
function remove<C>(seats: Seat<C>[], id: string) {
  const at = seats.findIndex((s) => s.id === id);
  if (at >= 0) seats.splice(at, 1);
}

export class RoomRegistry<C> {
  private rooms = new Map<string, Seat<C>[]>();
  private schedule: NonNullable<RoomsOptions["schedule"]>;

  constructor(private opts: RoomsOptions) {
    this.schedule = opts.schedule ?? defaultSchedule;
  }

  join(roomId: string, conn: C, token?: string): JoinResult<C> {
    // Keep one copy of a room's id: the key it was first stored under.
    const existing = this.rooms.get(roomId);
    const room = existing?.[0]?.room ?? roomId;
    const seats = existing ?? [];
    const claimed = token ? find(seats, seatIdOf(token)) : undefined;
    if (claimed) {
      const replaced = claimed.conn;
      claimed.cancelExpiry?.();
      claimed.cancelExpiry = null;
      claimed.conn = conn;
      return { ok: true, room, seat: claimed, token: token!, peers: this.connectedOthers(seats, claimed.id), replaced, resumed: true };
    }
    if (seats.length >= this.opts.capacity) return { ok: false, code: "room-full" };
    // An unknown token is honoured (the registry may have restarted); its seat id follows from it.
    const seatToken = token ?? newToken();
    const seat: Seat<C> = { id: seatIdOf(seatToken), room, conn, cancelExpiry: null };
    seats.push(seat);
    if (!existing) this.rooms.set(room, seats);
    return { ok: true, room, seat, token: seatToken, peers: this.connectedOthers(seats, seat.id), replaced: null, resumed: false };
  }

  /** A deliberate leave: the seat is freed at once. Returns the connected members to tell. */
  leave(room: string, seatId: string): string[] {
    const seats = this.rooms.get(room);
    const seat = seats && find(seats, seatId);
    if (!seats || !seat) return [];
    seat.cancelExpiry?.();
    remove(seats, seatId);
    if (seats.length === 0) this.rooms.delete(room);
    return this.connectedOthers(seats, seatId);
  }

  /**
   * A connection dropped. If it still held its seat, the seat is kept for the grace period and the
   * connected members to tell are returned; a connection already replaced returns null.
   */
  disconnect(room: string, seatId: string, conn: C): string[] | null {
    const seats = this.rooms.get(room);
    const seat = seats && find(seats, seatId);
    if (!seats || !seat || seat.conn !== conn) return null;
    seat.conn = null;
    const others = this.connectedOthers(seats, seatId);
    if (this.opts.graceMs <= 0) {
      // No grace: onExpire already told the others "gone"; a later "away" would contradict it.
      this.expire(room, seatId);
      return [];
    }
    seat.cancelExpiry = this.schedule(() => this.expire(room, seatId), this.opts.graceMs);
    return others;
  }

  private expire(room: string, seatId: string) {
    const seats = this.rooms.get(room);
    const seat = seats && find(seats, seatId);
    if (!seats || !seat || seat.conn !== null) return;
    remove(seats, seatId);
    if (seats.length === 0) this.rooms.delete(room);
    this.opts.onExpire(room, seatId, this.connectedOthers(seats, seatId));
  }

  /** The live connection of a member of `room`, or null: relay never crosses rooms. */
  connection(room: string, seatId: string): C | null {
    const seats = this.rooms.get(room);
    return (seats && find(seats, seatId)?.conn) ?? null;
  }

  /** The live connection of the member of `room` for whose id `matches(arg, id)` holds, or null. */
  findConnection<A>(room: string, matches: (arg: A, seatId: string) => boolean, arg: A): C | null {
    const seats = this.rooms.get(room);
    if (!seats) return null;
    for (const s of seats) if (matches(arg, s.id)) return s.conn;
    return null;
  }

  /** Every live connection in every room. */
  *connections(): Generator<C> {
    for (const seats of this.rooms.values()) for (const s of seats) if (s.conn !== null) yield s.conn;
  }

  connectionsOf(room: string, ids: string[]): C[] {
    return ids.map((id) => this.connection(room, id)).filter((c): c is C => c !== null);
  }

  counts() {
    let seats = 0;
    let connected = 0;
    for (const room of this.rooms.values()) {
      seats += room.length;
      for (const s of room) if (s.conn !== null) connected++;
    }
    return { rooms: this.rooms.size, seats, connected };
  }

  /** Drops every timer, for shutdown. */
  clear() {
    for (const room of this.rooms.values()) for (const s of room) s.cancelExpiry?.();
    this.rooms.clear();
  }

  private connectedOthers(seats: Seat<C>[], selfId: string): string[] {
    const ids: string[] = [];
    for (const s of seats) if (s.id !== selfId && s.conn !== null) ids.push(s.id);
    return ids;
  }
}
