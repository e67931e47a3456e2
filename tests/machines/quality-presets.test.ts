import { expect, test } from "bun:test";
import { BITRATES_KBPS, DEFAULT_SETTINGS, FRAME_RATES, presetChange, presetOf, QUALITY_PRESETS, RESOLUTIONS } from "../../machines/media/settings.ts";

test("quality presets in words map to settings the Advanced section offers, and a new device starts on Best quality", () => {
  expect(QUALITY_PRESETS.map((p) => p.label)).toEqual(["Best quality", "Balanced", "Save data"]);
  for (const p of QUALITY_PRESETS) {
    expect(
      RESOLUTIONS.some((r) => r.width === p.width && r.height === p.height),
      p.label,
    ).toBe(true);
    expect(FRAME_RATES as readonly number[], p.label).toContain(p.frameRate);
    expect(BITRATES_KBPS as readonly number[], p.label).toContain(p.maxBitrateKbps);
    expect(presetOf({ ...DEFAULT_SETTINGS, ...presetChange(p) })?.id, p.label).toBe(p.id);
  }
  expect(presetOf(DEFAULT_SETTINGS)?.label).toBe("Best quality");
  // Each step down sends less.
  const rates = QUALITY_PRESETS.map((p) => p.maxBitrateKbps);
  expect([...rates].sort((a, b) => b - a)).toEqual(rates);
});

test("numbers chosen by hand are no preset", () => {
  expect(presetOf({ ...DEFAULT_SETTINGS, frameRate: 24 })).toBeNull();
  expect(presetOf({ ...presetChange(QUALITY_PRESETS[1]), maxBitrateKbps: 12000 })).toBeNull();
});
