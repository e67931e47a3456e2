/**
 * Delivery: a frame to a member of a room, wherever their socket is. `LocalBus` reaches the
 * sockets of this node (through presence); a shared bus (`RedisBus` in redis.ts) also reaches other
 * nodes' members, behind the same interface.
 */
import type { Matches, Presence } from "./presence.ts";

export interface Bus {
  /** Sends `frame` to member `to` of `room`; false when no socket holds that member. */
  deliver(room: string, to: string, frame: Uint8Array): boolean;
  /**
   * Sends `frame` to each of `to` that has a socket; `about`: the member a notice is about, sent
   * from its own node (a bus across nodes learns where that member is).
   */
  deliverAll(room: string, to: readonly string[], frame: Uint8Array, about?: string): void;
  /**
   * A signal from member `from` to the member of `room` that `to` names (see Matches): `build`
   * makes the frame once that member is found, and may take it from `to` (the relay swaps the id
   * in place), so it runs after the lookup. True: sent; false: no such member has a socket;
   * null: `build` could not make the frame (nothing sent). A bus that reaches other nodes may
   * answer later (a promise), and reads the addressee's id with `idOf` to route the frame.
   */
  relay<A>(
    room: string,
    from: string,
    to: A,
    matches: Matches<A>,
    build: (to: A, from: string) => Uint8Array | null,
    idOf: (to: A) => string,
  ): boolean | null | Promise<boolean>;
}

/** Delivery to the sockets of this process. `send` writes a frame to a socket (the server batches it). */
export class LocalBus<S> implements Bus {
  constructor(
    private presence: Presence<S>,
    private send: (socket: S, frame: Uint8Array) => void,
  ) {}

  deliver(room: string, to: string, frame: Uint8Array): boolean {
    const socket = this.presence.get(room, to);
    if (socket === null) return false;
    this.send(socket, frame);
    return true;
  }

  deliverAll(room: string, to: readonly string[], frame: Uint8Array): void {
    for (const id of to) this.deliver(room, id, frame);
  }

  relay<A>(room: string, from: string, to: A, matches: Matches<A>, build: (to: A, from: string) => Uint8Array | null): boolean | null {
    const socket = this.presence.find(room, matches, to);
    if (socket === null) return false;
    const frame = build(to, from);
    if (frame === null) return null;
    this.send(socket, frame);
    return true;
  }
}
