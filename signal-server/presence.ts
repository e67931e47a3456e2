/**
 * Presence: the socket each member of a room has on this node. Membership (who holds a seat) is
 * the store's; this is only where to write to reach a member here. Generic over the socket, so it
 * is tested with plain objects.
 */

/** Whether `arg` names the member `id`: a string compared with ===, or bytes (see peerIs). */
export type Matches<A> = (arg: A, id: string) => boolean;

interface Entry<S> {
  id: string;
  socket: S;
}

export class Presence<S> {
  // A room has a handful of members here: a small array costs less per socket than a Map.
  private rooms_ = new Map<string, Entry<S>[]>();
  private count = 0;

  /** `socket` is now member `id`'s socket here; returns the one it replaces, if any. */
  set(room: string, id: string, socket: S): S | null {
    const entries = this.rooms_.get(room);
    if (!entries) {
      this.rooms_.set(room, [{ id, socket }]);
      this.count++;
      return null;
    }
    for (const e of entries) {
      if (e.id !== id) continue;
      const previous = e.socket;
      e.socket = socket;
      return previous;
    }
    entries.push({ id, socket });
    this.count++;
    return null;
  }

  /** Forgets member `id`'s socket if it is `socket` (not one that replaced it); says whether it was. */
  delete(room: string, id: string, socket: S): boolean {
    const entries = this.rooms_.get(room);
    if (!entries) return false;
    const at = entries.findIndex((e) => e.id === id && e.socket === socket);
    if (at < 0) return false;
    entries.splice(at, 1);
    this.count--;
    if (entries.length === 0) this.rooms_.delete(room);
    return true;
  }

  /** Member `id`'s socket here, or null: lookups never cross rooms. */
  get(room: string, id: string): S | null {
    const entries = this.rooms_.get(room);
    if (entries) for (const e of entries) if (e.id === id) return e.socket;
    return null;
  }

  /** The socket of the member of `room` that `arg` names, or null (the relay's lookup: no string made). */
  find<A>(room: string, matches: Matches<A>, arg: A): S | null {
    const entries = this.rooms_.get(room);
    if (entries) for (const e of entries) if (matches(arg, e.id)) return e.socket;
    return null;
  }

  /** Every socket here. */
  *sockets(): Generator<S> {
    for (const entries of this.rooms_.values()) for (const e of entries) yield e.socket;
  }

  /** Rooms with a member here. */
  get rooms(): number {
    return this.rooms_.size;
  }

  /** Members with a socket here. */
  get size(): number {
    return this.count;
  }

  clear() {
    this.rooms_.clear();
    this.count = 0;
  }
}
