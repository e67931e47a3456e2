/**
 * The hand-tracking actor the drawing machine invokes while hand drawing is on. Its code
 * (hand-tracking.ts: the frame loop, gestures, smoothing, the worker's client) is fetched when it
 * first starts, a chunk of its own (signal-server/bundle.ts bundles with `splitting`), so it is
 * not part of what runs before the pre-join screen; the service worker keeps it like every chunk,
 * and the page fetches it with the other panels once a call is up (ui/lazy.tsx), so it starts at
 * once. A camera change told while the code loads is the one tracking starts with.
 */
import { fromCallback } from "xstate";
import type { HandTrackingCommand, HandTrackingEvent, HandTrackingInput } from "./hand-tracking.ts";

/** Fetches the hand-tracking code (once; later calls get the same module). */
export const loadHandTracking = () => import("./hand-tracking.ts");

export const handTrackingActor = fromCallback<HandTrackingCommand, HandTrackingInput>(({ input, sendBack, receive }) => {
  let stopped = false;
  let stop: (() => void) | null = null;
  let latest = input;
  let listener: ((c: HandTrackingCommand) => void) | null = null;
  receive((c) => {
    if (listener) listener(c);
    else if (c.type === "HANDS.CAMERA") latest = { ...latest, camera: c.stream };
  });
  const send = (e: HandTrackingEvent) => {
    if (!stopped) sendBack(e);
  };
  loadHandTracking().then(
    ({ trackHands }) => {
      if (stopped) return;
      stop = trackHands({ input: latest, sendBack: send, receive: (l) => void (listener = l) });
    },
    (err: unknown) => send({ type: "HANDS.ERROR", code: "code-load-failed", message: err instanceof Error ? err.message : String(err) }),
  );
  return () => {
    stopped = true;
    stop?.();
  };
});
