/** When the hand tracker asks the segmenter for its next frame (workers/hand-search-pacing.ts). */
import { describe, expect, test } from "bun:test";
import { askDelay, handsFound, IDLE_MS, idle, newSearchPacing, SEARCH_GAP_MS } from "../workers/hand-search-pacing.ts";

describe("hand search pacing", () => {
  test("with no hand ever seen, the next frame is asked for SEARCH_GAP_MS after the last one arrived", () => {
    const p = newSearchPacing();
    expect(idle(p, 0)).toBe(true);
    expect(askDelay(p, 1000, 1000)).toBe(SEARCH_GAP_MS);
    expect(askDelay(p, 1000, 1020)).toBe(SEARCH_GAP_MS - 20);
    // A search slower than the gap asks at once.
    expect(askDelay(p, 1000, 1000 + SEARCH_GAP_MS + 5)).toBe(0);
  });

  test("a hand seen: every frame, at once, until no hand has been seen for IDLE_MS", () => {
    const p = newSearchPacing();
    handsFound(p, 1, 5000);
    expect(askDelay(p, 5000, 5000)).toBe(0);
    handsFound(p, 0, 5500);
    expect(askDelay(p, 5500, 5500)).toBe(0);
    expect(askDelay(p, 5000 + IDLE_MS - 1, 5000 + IDLE_MS - 1)).toBe(0);
    expect(askDelay(p, 5000 + IDLE_MS, 5000 + IDLE_MS)).toBe(SEARCH_GAP_MS);
    // Two hands count like one; a frame without any does not reset the clock.
    handsFound(p, 2, 7000);
    expect(idle(p, 7000 + IDLE_MS - 1)).toBe(false);
  });

  test("at 30 fps the idle search skips about one camera frame in two", () => {
    expect(SEARCH_GAP_MS).toBeGreaterThan(1000 / 30);
    expect(SEARCH_GAP_MS).toBeLessThan((2 * 1000) / 30);
  });
});
