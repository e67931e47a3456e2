/**
 * Parts of the call's view that show nothing at first (the closed More menu's buttons, the
 * quality badge, which waits for a connection anyway) are drawn once the other person's first
 * picture has shown, not in the render that reveals the call: that render is one task on the
 * joiner's main thread between the answer and the first frame, and the marks of the connection
 * (ICE, DTLS, the frame itself) wait behind it (bench/join, join10).
 */
import { useEffect, useState } from "react";
import { PICTURE_AWAITED_MS, pictureShown } from "../machines/answer-first.ts";

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
