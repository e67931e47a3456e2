/**
 * Which Janus server each group room's media goes through. A room is pinned to one server while it
 * is a group, chosen by load: the fewest publishers counted on it, then the fewest rooms. One node
 * keeps the records in memory (`MemoryPlacement`); many nodes keep them in Redis (redis.ts), so
 * that every node sends a room's people to the same server.
 */
import type { Awaitable } from "../store.ts";

export interface Placement {
  /**
   * The server `room` is on: its record when that server is among `up` and is not `avoid` (a server
   * just lost), else one chosen now among `up` by load, and recorded.
   */
  place(room: string, up: readonly string[], avoid?: string): Awaitable<string>;
  /** Publishers on `url` went up or down by `delta`. */
  count(url: string, delta: number): void;
  /** The room left the media server (back to direct, or empty): its record goes. */
  forget(room: string): void;
  /** `url` was lost with everything on it: its publishers count for nothing any more. */
  lost(url: string): void;
}

/** Picks the least loaded of `up` (publishers, then rooms), `avoid` only when it is all there is. */
export function leastLoaded(up: readonly string[], avoid: string | undefined, publishers: (url: string) => number, rooms: (url: string) => number): string {
  let best: string | null = null;
  let bp = 0;
  let br = 0;
  for (const url of up) {
    if (url === avoid) continue;
    const p = Math.max(0, publishers(url));
    const r = Math.max(0, rooms(url));
    if (best === null || p < bp || (p === bp && r < br)) [best, bp, br] = [url, p, r];
  }
  return best ?? (up[0] as string);
}

export class MemoryPlacement implements Placement {
  private readonly at = new Map<string, string>();
  private readonly publishers = new Map<string, number>();
  private readonly rooms = new Map<string, number>();

  place(room: string, up: readonly string[], avoid?: string): string {
    const at = this.at.get(room);
    if (at !== undefined && at !== avoid && up.includes(at)) return at;
    if (at !== undefined) this.bump(this.rooms, at, -1);
    const url = leastLoaded(
      up,
      avoid,
      (u) => this.publishers.get(u) ?? 0,
      (u) => this.rooms.get(u) ?? 0,
    );
    this.at.set(room, url);
    this.bump(this.rooms, url, 1);
    return url;
  }

  count(url: string, delta: number) {
    this.bump(this.publishers, url, delta);
  }

  forget(room: string) {
    const at = this.at.get(room);
    if (at === undefined) return;
    this.at.delete(room);
    this.bump(this.rooms, at, -1);
  }

  lost(url: string) {
    this.publishers.delete(url);
  }

  /** Where `room` is recorded (tests). */
  of(room: string): string | undefined {
    return this.at.get(room);
  }

  private bump(map: Map<string, number>, key: string, delta: number) {
    const n = (map.get(key) ?? 0) + delta;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  }
}
