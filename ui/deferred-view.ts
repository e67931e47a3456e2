/**
 * How the page's screens hear of the call's snapshots (no React here: the first pre-join screen,
 * ui/quick-lobby.ts, uses it before React is loaded, and ui/call-context.tsx after).
 */
import type { AnyActorRef, Observer } from "xstate";
import { answerFirst } from "../machines/answer-first.ts";

/**
 * An actor as the page's components see it: the same actor, except that they hear of a new
 * snapshot in a task of its own rather than at once. React renders what it hears at once, in a
 * microtask, so a render would otherwise run inside whatever made the change, and a connection's
 * steps wait behind it: a remote track arrives (the call shows it), and only after the render
 * does the answer to that offer go out (bench/join: offer to answer was ~4x the floor's).
 * Changes that come in one burst are shown by one render; while an answer is expected or being
 * made (machines/answer-first.ts), they wait until it has gone. Sending is unchanged.
 */
export function deferredView<T extends AnyActorRef>(actor: T): T {
  const known = views.get(actor);
  if (known) return known as T;
  type Snapshot = ReturnType<T["getSnapshot"]>;
  let shown: Snapshot = actor.getSnapshot();
  const listeners = new Set<Partial<Observer<Snapshot>>>();
  let pending = false;
  const show = () => {
    pending = false;
    shown = actor.getSnapshot();
    for (const l of [...listeners]) l.next?.(shown);
  };
  // A message task: not throttled in a background tab (timers are), so a call answered there still plays at once.
  const channel = new MessageChannel();
  channel.port1.onmessage = () => answerFirst.after(show);
  const later = () => {
    if (pending) return;
    pending = true;
    channel.port2.postMessage(null);
  };
  actor.subscribe({ next: later, error: later, complete: later });
  const subscribe = (observer: Partial<Observer<Snapshot>> | ((s: Snapshot) => void)) => {
    const l = typeof observer === "function" ? { next: observer } : observer;
    listeners.add(l);
    return { unsubscribe: () => void listeners.delete(l) };
  };
  const view = new Proxy(actor, {
    get(target, key, receiver) {
      if (key === "getSnapshot") return () => shown;
      if (key === "subscribe") return subscribe;
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  views.set(actor, view);
  return view;
}

/** One view per actor (it listens as long as the actor lives), however many components ask. */
const views = new WeakMap<AnyActorRef, AnyActorRef>();
