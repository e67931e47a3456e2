/** Hand tracking on frames the page reads itself (no background effect): when the next frame is read (machines/features/hand-tracking.ts ownSource). */
import { describe, expect, test } from "bun:test";
import type { DetectResult } from "../../protocol/hand-tracker.ts";
import { ownSource, type OwnFrames } from "../../machines/features/hand-tracking.ts";

/** Frames that record when each was read; a tracker that answers `answers` in turn. */
function fakes(answers: DetectResult[]) {
  const readAt: number[] = [];
  const frames: OwnFrames = {
    async next() {
      readAt.push(performance.now());
      return { bitmap: { close() {} } as ImageBitmap, aspect: 16 / 9 };
    },
    close() {},
  };
  let i = 0;
  const tracker = { detect: async () => answers[Math.min(i++, answers.length - 1)]! };
  return { readAt, source: ownSource({} as MediaStreamTrack, tracker, frames) };
}

describe("hand tracking on its own frames", () => {
  test("the worker says to wait (no hand in view: the palm search skips a frame): the next frame is read no sooner", async () => {
    const { readAt, source } = fakes([{ hands: [], inferenceMs: 5, nextInMs: 40 }]);
    await source.detect();
    await source.detect();
    await source.detect();
    expect(readAt).toHaveLength(3);
    for (let k = 1; k < 3; k++) expect(readAt[k]! - readAt[k - 1]!).toBeGreaterThanOrEqual(39);
  });

  test("a hand in view (nextInMs 0, or a worker that says nothing): the next frame is read at once", async () => {
    const { readAt, source } = fakes([
      { hands: [], inferenceMs: 5, nextInMs: 0 },
      { hands: [], inferenceMs: 5 },
    ]);
    for (let k = 0; k < 4; k++) await source.detect();
    for (let k = 1; k < 4; k++) expect(readAt[k]! - readAt[k - 1]!).toBeLessThan(20);
  });
});
