/**
 * Actor logic whose code comes later: the call's in-call features (chat, drawing, notifications)
 * are a chunk of their own (machines/features/index.ts), out of the first chunk a joiner compiles
 * and runs on its way to Join. The call machine names a stand-in for each (`lazyLogic`); an actor
 * started before the code is in holds a placeholder snapshot and keeps, in order, every event it
 * is sent (a chat message the moment a channel opens, the people in the room). When the code is
 * put on the shelf (`provide`), each waiting actor becomes the real one: its real initial
 * snapshot (entry actions, children), then the events it kept, as if they had come after.
 * An actor started once the code is in is the real one from its first snapshot.
 *
 * The app's screens import the features chunk, so nothing drawn by React ever sees a placeholder
 * (ui/render.tsx): the swap is synchronous when the chunk is evaluated.
 */
import type { ActorLogic, ActorScope, AnyActorLogic, AnyActorRef, EventObject, Snapshot } from "xstate";

/** The event a waiting actor is sent when its code is in. */
const ARRIVED = "LAZY.ARRIVED";
/** At most this many events are kept for one actor while its code comes; more are dropped (a peer flooding a channel). */
export const LAZY_QUEUE_MAX = 2_000;

interface Waiting {
  status: "active";
  output: undefined;
  error: undefined;
  /** Read by a parent or a test that looks before the code is in: an empty context, no children, no state. */
  context: Record<string, never>;
  children: Record<string, never>;
  value: "waiting";
  matches(): false;
  hasTag(): false;
  can(): false;
  lazy: { name: string; input: unknown; kept: EventObject[]; dropped: number };
}

const isWaiting = (snapshot: unknown): snapshot is Waiting =>
  typeof snapshot === "object" && snapshot !== null && "lazy" in snapshot && (snapshot as Waiting).status === "active";

export class LogicShelf {
  readonly #logics = new Map<string, AnyActorLogic>();
  readonly #waiting = new Set<AnyActorRef>();

  /** Puts the real logics on the shelf, and turns every actor waiting for one into it. */
  provide(logics: Record<string, AnyActorLogic>): void {
    for (const [name, logic] of Object.entries(logics)) this.#logics.set(name, logic);
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const ref of waiting) ref.send({ type: ARRIVED });
  }

  get(name: string): AnyActorLogic | undefined {
    return this.#logics.get(name);
  }

  /** How many actors still hold a placeholder (for tests). */
  get waiting(): number {
    return this.#waiting.size;
  }

  wait(ref: AnyActorRef): void {
    this.#waiting.add(ref);
  }

  forget(ref: AnyActorRef): void {
    this.#waiting.delete(ref);
  }
}

/** The shelf the features chunk fills (machines/features/index.ts). */
export const features = new LogicShelf();

/**
 * A stand-in for the logic `name` on `shelf`, typed as the real one (`L`, a type-only import, so
 * its code stays out of the chunk that names it).
 */
export function lazyLogic<L extends AnyActorLogic>(name: string, shelf: LogicShelf = features): L {
  const real = () => shelf.get(name);
  const logic: ActorLogic<Snapshot<unknown>, EventObject, unknown> = {
    getInitialSnapshot(scope: ActorScope<Snapshot<unknown>, EventObject>, input: unknown) {
      const logic = real();
      if (logic) return logic.getInitialSnapshot(scope, input);
      shelf.wait(scope.self);
      const waiting: Waiting = {
        status: "active",
        output: undefined,
        error: undefined,
        context: {},
        children: {},
        value: "waiting",
        matches: () => false,
        hasTag: () => false,
        can: () => false,
        lazy: { name, input, kept: [], dropped: 0 },
      };
      return waiting;
    },
    transition(snapshot, event, scope) {
      if (!isWaiting(snapshot)) return real()!.transition(snapshot, event, scope);
      if (event.type === "xstate.stop") {
        shelf.forget(scope.self);
        return { ...snapshot, status: "stopped" } as Snapshot<unknown>;
      }
      const logic = real();
      if (event.type === ARRIVED && logic) {
        const first = logic.getInitialSnapshot(scope, snapshot.lazy.input);
        if (logic.start) scope.defer(() => logic.start?.(first, scope));
        // Once its children have started, as they would have before anything was sent; through the mailbox, so
        // each is handled with the snapshot before it.
        const kept = snapshot.lazy.kept;
        scope.defer(() => {
          for (const event of kept) scope.self.send(event);
        });
        if (snapshot.lazy.dropped) console.warn(`OneLink: ${snapshot.lazy.dropped} events for ${name} came before its code and were dropped`);
        return first;
      }
      if (event.type === ARRIVED) return snapshot;
      // Kept in place: nobody reads a placeholder's queue but the swap above.
      if (snapshot.lazy.kept.length < LAZY_QUEUE_MAX) snapshot.lazy.kept.push(event);
      else snapshot.lazy.dropped++;
      return snapshot;
    },
    start(snapshot, scope) {
      if (!isWaiting(snapshot)) real()?.start?.(snapshot, scope);
    },
    getPersistedSnapshot(snapshot, options) {
      if (isWaiting(snapshot))
        return { status: "active", output: undefined, error: undefined, lazy: { name, input: snapshot.lazy.input, kept: [], dropped: 0 } };
      return real()!.getPersistedSnapshot(snapshot, options);
    },
  };
  return logic as unknown as L;
}
