import { createContext, useContext, useEffect, useMemo, useState } from "react";
import type { AnyActorRef, Observer } from "xstate";
import { answerFirst } from "../machines/answer-first.ts";
import type { CallActor } from "../machines/call/call.ts";

export const CallContext = createContext<CallActor | null>(null);

export function useCallActor(): CallActor {
  const actor = useContext(CallContext);
  if (!actor) throw new Error("useCallActor outside CallContext");
  return actor;
}

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

/**
 * Calls `onChange` each time what `select` picks from the actor's snapshots changes (not for the
 * one it has now), without rendering anything; returns the way to stop.
 */
export function watchSelected<S>(
  actor: { getSnapshot(): S; subscribe(next: (s: S) => void): { unsubscribe(): void } },
  select: (s: S) => unknown,
  onChange: () => void,
): () => void {
  let last = select(actor.getSnapshot());
  const sub = actor.subscribe((s) => {
    const now = select(s);
    if (Object.is(now, last)) return;
    last = now;
    onChange();
  });
  return () => sub.unsubscribe();
}

/** One view per actor (it listens as long as the actor lives), however many components ask. */
const views = new WeakMap<AnyActorRef, AnyActorRef>();

/**
 * The actor as a screen that should not change sees it while `hold` is true (`maxMs` at most):
 * its snapshot of the moment the hold began, and no news; then the actor itself again (its
 * components read the snapshot of then). Sending is unchanged.
 */
export function useHeldWhile<T extends AnyActorRef>(actor: T, hold: boolean, maxMs: number): T {
  const [expired, setExpired] = useState(false);
  const held = hold && !expired;
  const view = useMemo(() => (held ? stillView(actor) : actor), [actor, held]);
  useEffect(() => {
    setExpired(false);
    if (!hold) return;
    const timer = setTimeout(() => setExpired(true), maxMs);
    return () => clearTimeout(timer);
  }, [hold, maxMs]);
  return view;
}

function stillView<T extends AnyActorRef>(actor: T): T {
  const snapshot = actor.getSnapshot();
  return new Proxy(actor, {
    get(target, key, receiver) {
      if (key === "getSnapshot") return () => snapshot;
      if (key === "subscribe") return () => ({ unsubscribe() {} });
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
