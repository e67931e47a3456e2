/**
 * How often the hand tracker looks at the segmenter's frames (workers/hand-tracker.worker.ts).
 * While fewer hands than numHands are tracked, MediaPipe runs its palm detector on every frame,
 * and with no hand in view that search is all it does. In the camera bench (1280x720, Blur (light)
 * beside it, headless Chromium, software WebGL, 640x360 frames) a search costs the hand worker
 * 18-20 ms of CPU a frame against 13-14 ms for following one hand, so searching on every camera
 * frame takes over half a core beside the segmenter's ~17 ms a frame on a 2-core machine.
 * Once no hand has been seen for IDLE_MS, the next frame is asked for SEARCH_GAP_MS after
 * the last one arrived: at 30 fps the search runs on every other camera frame, so a hand coming
 * into view is found at most one frame (33 ms) later than before. From the first frame with a
 * hand, every frame again. Plain data and pure functions: no clock, no port.
 */

/** No hand for this long: the search slows down. */
export const IDLE_MS = 1000;
/** While idle, a frame is asked for this long after the previous one arrived (at 30 fps, the camera frame after next). */
export const SEARCH_GAP_MS = 50;

export interface SearchPacing {
  /** When a hand was last seen (performance.now() ms; -Infinity: never). */
  lastHandAt: number;
}

export const newSearchPacing = (): SearchPacing => ({ lastHandAt: Number.NEGATIVE_INFINITY });

/** After a model run at `now` that found `hands` hands. */
export function handsFound(p: SearchPacing, hands: number, now: number): void {
  if (hands > 0) p.lastHandAt = now;
}

export const idle = (p: SearchPacing, now: number): boolean => now - p.lastHandAt >= IDLE_MS;

/** How long from `now` to wait before asking for the frame after one that arrived at `arrivedAt` (0: at once). */
export function askDelay(p: SearchPacing, arrivedAt: number, now: number): number {
  return idle(p, now) ? Math.max(0, arrivedAt + SEARCH_GAP_MS - now) : 0;
}
