import { describe, expect, test } from "bun:test";
import {
  capped,
  downlinkStep,
  freshDownlink,
  neededKbps,
  STEP_DOWN_AFTER_MS,
  STEP_UP_AFTER_MS,
  type DownlinkState,
} from "../../machines/transport/downlink.ts";

/** Feeds one look per second: `lossPer100` of every 100 packets lost, `availableKbps` estimated. */
function run(state: DownlinkState, seconds: number, lossPer100: number, availableKbps: number | null = null, need = 1_500) {
  let s = state;
  const start = s.last?.at ?? 0;
  const base = s.last ?? { at: 0, received: 0, lost: 0, availableKbps: null };
  for (let i = 1; i <= seconds; i++)
    s = downlinkStep(s, { at: start + i * 1000, received: base.received + i * (100 - lossPer100), lost: base.lost + i * lossPer100, availableKbps }, need);
  return s;
}

describe("the downlink cap on layers", () => {
  test("a clean downlink keeps the highest layer", () => {
    expect(run(freshDownlink(0), 30, 0).cap).toBe(2);
  });
  test("heavy loss steps down one layer at a time, each given its time to take effect", () => {
    const s = run(freshDownlink(0), STEP_DOWN_AFTER_MS / 1000, 10);
    expect(s.cap).toBe(1);
    expect(run(s, 1, 10).cap).toBe(1);
    expect(run(s, STEP_DOWN_AFTER_MS / 1000, 10).cap).toBe(0);
    expect(run(s, 20, 10).cap).toBe(0);
  });
  test("an incoming bandwidth estimate under what the tiles need steps down too", () => {
    expect(run(freshDownlink(0), 3, 0, 400, neededKbps([2, 0])).cap).toBeLessThan(2);
    expect(run(freshDownlink(0), 3, 0, 4_000, neededKbps([2, 0])).cap).toBe(2);
  });
  test("back up only after a quiet while, not at the first good second", () => {
    const low = run(freshDownlink(0), 6, 10);
    expect(low.cap).toBe(0);
    expect(run(low, STEP_UP_AFTER_MS / 1000 - 1, 0).cap).toBe(0);
    expect(run(low, STEP_UP_AFTER_MS / 1000 + 1, 0).cap).toBe(1);
    // Moderate loss (between the thresholds) keeps the cap where it is.
    expect(run(low, 30, 3).cap).toBe(0);
  });
  test("the cap lowers a layer but never turns a paused tile on", () => {
    expect(capped(2, 0)).toBe(0);
    expect(capped(0, 2)).toBe(0);
    expect(capped(-1, 2)).toBe(-1);
  });
});
