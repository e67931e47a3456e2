import { createContext, useContext, useEffect, useMemo, useState } from "react";
import type { AnyActorRef } from "xstate";
import type { CallActor } from "../machines/call/call.ts";

export const CallContext = createContext<CallActor | null>(null);

export function useCallActor(): CallActor {
  const actor = useContext(CallContext);
  if (!actor) throw new Error("useCallActor outside CallContext");
  return actor;
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
