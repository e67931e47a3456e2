/**
 * The room registry: seats, seat tokens, capacity and grace periods. Plain TypeScript with no
 * socket or Bun knowledge, generic over whatever a "connection" is, so it is tested directly.
 *
 * A seat's id is derived from its secret token (a hash), so a member can reclaim its seat after a
 * refresh, and even after a server restart wiped the registry, without the server keeping secrets.
 */
import { createHash, randomBytes } from "node:crypto";

export interface Seat<C> {
  id: string;
  token: string;
  conn: C | null;
  cancelExpiry: (() => void) | null;
}

export type JoinResult<C> =
  | { ok: true; seat: Seat<C>; peers: string[]; replaced: C | null; resumed: boolean }
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
export const seatIdOf = (token: string) => createHash("sha256").update(token).digest().subarray(0, 12).toString("base64url");

export class RoomRegistry<C> {
  private rooms = new Map<string, Map<string, Seat<C>>>();
  private schedule: NonNullable<RoomsOptions["schedule"]>;

  constructor(private opts: RoomsOptions) {
    this.schedule = opts.schedule ?? defaultSchedule;
  }

  join(room: string, conn: C, token?: string): JoinResult<C> {
    const seats = this.rooms.get(room) ?? new Map<string, Seat<C>>();
    const claimed = token ? seats.get(seatIdOf(token)) : undefined;
    if (claimed) {
      const replaced = claimed.conn;
      claimed.cancelExpiry?.();
      claimed.cancelExpiry = null;
      claimed.conn = conn;
      return { ok: true, seat: claimed, peers: this.connectedOthers(seats, claimed.id), replaced, resumed: true };
    }
    if (seats.size >= this.opts.capacity) return { ok: false, code: "room-full" };
    // An unknown token is honoured (the registry may have restarted); its seat id follows from it.
    const seatToken = token ?? newToken();
    const seat: Seat<C> = { id: seatIdOf(seatToken), token: seatToken, conn, cancelExpiry: null };
    seats.set(seat.id, seat);
    this.rooms.set(room, seats);
    return { ok: true, seat, peers: this.connectedOthers(seats, seat.id), replaced: null, resumed: false };
  }

  /** A deliberate leave: the seat is freed at once. Returns the connected members to tell. */
  leave(room: string, seatId: string): string[] {
    const seats = this.rooms.get(room);
    const seat = seats?.get(seatId);
    if (!seats || !seat) return [];
    seat.cancelExpiry?.();
    seats.delete(seatId);
    if (seats.size === 0) this.rooms.delete(room);
    return this.connectedOthers(seats, seatId);
  }

  /**
   * A connection dropped. If it still held its seat, the seat is kept for the grace period and the
   * connected members to tell are returned; a connection already replaced returns null.
   */
  disconnect(room: string, seatId: string, conn: C): string[] | null {
    const seats = this.rooms.get(room);
    const seat = seats?.get(seatId);
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
    const seat = seats?.get(seatId);
    if (!seats || !seat || seat.conn !== null) return;
    seats.delete(seatId);
    if (seats.size === 0) this.rooms.delete(room);
    this.opts.onExpire(room, seatId, this.connectedOthers(seats, seatId));
  }

  /** The live connection of a member of `room`, or null: relay never crosses rooms. */
  connection(room: string, seatId: string): C | null {
    return this.rooms.get(room)?.get(seatId)?.conn ?? null;
  }

  connectionsOf(room: string, ids: string[]): C[] {
    return ids.map((id) => this.connection(room, id)).filter((c): c is C => c !== null);
  }

  counts() {
    let seats = 0;
    let connected = 0;
    for (const room of this.rooms.values()) {
      seats += room.size;
      for (const s of room.values()) if (s.conn !== null) connected++;
    }
    return { rooms: this.rooms.size, seats, connected };
  }

  /** Drops every timer, for shutdown. */
  clear() {
    for (const room of this.rooms.values()) for (const s of room.values()) s.cancelExpiry?.();
    this.rooms.clear();
  }

  private connectedOthers(seats: Map<string, Seat<C>>, selfId: string): string[] {
    const ids: string[] = [];
    for (const s of seats.values()) if (s.id !== selfId && s.conn !== null) ids.push(s.id);
    return ids;
  }
}
