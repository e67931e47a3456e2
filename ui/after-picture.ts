/**
 * Parts of the call's view that show nothing at first (the closed More menu's buttons, the
 * quality badge, which waits for a connection anyway) are drawn once the other person's first
 * picture has shown, not in the render that reveals the call: that render is one task on the
 * joiner's main thread between the answer and the first frame, and the marks of the connection
 * (ICE, DTLS, the frame itself) wait behind it (bench/join, join10).
 */
import { useEffect, useState } from "react";
import { PICTURE_AWAITED_MS, pictureShown } from "../machines/answer-first.ts";
import { preJoin } from "./pre-join.ts";

/**
 * Whether the page's first remote picture has shown, or PICTURE_AWAITED_MS have passed since the
 * caller first showed without one (alone in the room, a camera that is off). True from the
 * start once a picture has shown on this page (a later call).
 */
export function useAfterPicture(): boolean {
  const [after, setAfter] = useState(() => pictureShown.happened);
  useEffect(() => (after ? undefined : pictureShown.after(() => setAfter(true), 0, PICTURE_AWAITED_MS)), [after]);
  return after;
}

/**
 * Whether our own self view is held still (ui Video `still`): on a refresh taking its seat back
 * (no pre-join screen on this page, a seat token kept) until the other person's picture shows, we
 * are alone in the room, or PICTURE_AWAITED_MS have passed. Its 1080p frames were drawn by the page
 * and the compositor on the cores the rejoin needs (bench/join, join16 and join17), and a
 * refresh shows the other's face and ours together.
 */
export function useSelfHeldOnRejoin(tokenKept: boolean, alone: boolean): boolean {
  const [rejoining] = useState(() => tokenKept && !preJoin.shown && !pictureShown.happened);
  const after = useAfterPicture();
  return rejoining && !after && !alone;
}
