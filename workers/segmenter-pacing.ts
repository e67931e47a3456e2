/**
 * Whether the segmentation model runs on a frame (workers/segmenter.worker.ts). When one model run
 * costs more than SKIP_SHARE of the camera's frame gap, running it on every frame would make the
 * worker fall behind the camera (drop frames); then it runs on every other frame and the frame
 * between is painted with the previous frame's mask, so a mask is at most one frame old.
 *
 * The frame gap is the camera's: the mean gap between consecutive frames. Timestamps jitter (a
 * 33 ms camera shows gaps of 21 to 45 ms), so the smallest gap seen would be too small. A gap
 * over 1.5 times the estimate means frames were dropped: it says nothing of the camera's pace, so
 * it only lets the estimate drift up slowly, which is how a camera that turns slower is followed;
 * and only when the worker waited for that frame (at least half a frame gap): a frame that was
 * already there when the worker asked says the worker was the slow one, and a worker that stays
 * too slow (a phone's CPU) would otherwise take its own pace for the camera's within a minute and
 * stop skipping. Plain data and pure functions: no clock, no canvas.
 */

/** Share of the frame gap one model run may take and still run on every frame. */
export const SKIP_SHARE = 0.7;
/** Per frame after dropped frames, the frame gap grows by this factor (a 30 fps camera turned 15 fps is followed in ~10 s). */
export const GAP_DRIFT = 1.002;
/** A gap over this many frame gaps means frames were dropped. */
const DROPPED = 1.5;
/** Weights of the newest gap in the frame gap, and of the newest run in the model's cost (one run the thread was preempted in counts little). */
const GAP_WEIGHT = 0.1;
const COST_WEIGHT = 0.1;

export interface Pacing {
  /** The camera's frame gap, ms (Infinity until two frames were seen). */
  frameMs: number;
  /** The last frame's timestamp, ms (null before the first). */
  lastFrameAt: number | null;
  /** A model run's running cost, ms (0 before the first). */
  modelMs: number;
  /** Whether the previous frame ran the model and got a mask: only then may this one skip. */
  freshMask: boolean;
}

/**
 * `statedFrameMs`: the camera's own frame gap (1000 / its settings' frameRate), where known: the
 * first gap seen may be anything but the camera's (the model's first run, hundreds of ms on a slow
 * CPU, with the frames after it read as fast as the worker can: taking that for the camera's pace
 * let a too slow worker settle on its own and stop skipping). Without it, the first gap is taken.
 */
export const newPacing = (statedFrameMs?: number): Pacing => ({
  frameMs: statedFrameMs && Number.isFinite(statedFrameMs) && statedFrameMs > 0 ? statedFrameMs : Number.POSITIVE_INFINITY,
  lastFrameAt: null,
  modelMs: 0,
  freshMask: false,
});

/** Share of the frame gap the worker must have waited for a frame for a dropped-frame gap to count as the camera's. */
const WAITED_SHARE = 0.5;

/**
 * Takes the frame at `timestampMs` in: whether the model runs on it. `waitedMs`: how long the
 * worker waited for this frame after the previous one (0: it was already there).
 */
export function shouldRunModel(p: Pacing, timestampMs: number, waitedMs = Number.POSITIVE_INFINITY): boolean {
  const gap = p.lastFrameAt === null ? 0 : timestampMs - p.lastFrameAt;
  if (gap > 0 && p.frameMs === Number.POSITIVE_INFINITY) p.frameMs = gap;
  else if (gap > 0 && gap < DROPPED * p.frameMs) p.frameMs += GAP_WEIGHT * (gap - p.frameMs);
  else if (gap > 0 && waitedMs >= WAITED_SHARE * p.frameMs) p.frameMs *= GAP_DRIFT;
  p.lastFrameAt = timestampMs;
  const behind = p.modelMs > SKIP_SHARE * p.frameMs;
  return !(behind && p.freshMask);
}

/** After a frame: what its model run cost (null when it did not run) and whether it gave a mask. */
export function modelDone(p: Pacing, spentMs: number | null, gotMask: boolean): void {
  if (spentMs === null) {
    p.freshMask = false;
    return;
  }
  p.modelMs = p.modelMs ? p.modelMs + COST_WEIGHT * (spentMs - p.modelMs) : spentMs;
  p.freshMask = gotMask;
}
