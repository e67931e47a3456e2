import { describe, expect, test } from "bun:test";
import {
  arrange,
  firstLayerFor,
  focusOf,
  layerFor,
  noSpeaker,
  perPageFor,
  perStripFor,
  SPEAKER_HOLD_MS,
  speakerStep,
  type LayoutInput,
} from "../../ui/layout.ts";

const base: LayoutInput = { ids: ["a", "b", "c", "d"], mode: "grid", pinned: null, sharing: [], speaker: null, page: 0, perPage: 9, perStrip: 6 };

describe("who is shown large", () => {
  test("a grid has no large tile; the speaker layout shows the speaker large", () => {
    expect(focusOf(base)).toBeNull();
    expect(focusOf({ ...base, mode: "speaker", speaker: "c" })).toBe("c");
    // Nobody has spoken yet: the first to arrive.
    expect(focusOf({ ...base, mode: "speaker" })).toBe("a");
  });
  test("a pinned person beats a shared screen, which beats the speaker, in either layout", () => {
    expect(focusOf({ ...base, sharing: ["d"], speaker: "c", mode: "speaker" })).toBe("d");
    expect(focusOf({ ...base, sharing: ["d"] })).toBe("d");
    expect(focusOf({ ...base, sharing: ["d"], pinned: "b" })).toBe("b");
  });
  test("someone who left no longer holds the large tile", () => {
    expect(focusOf({ ...base, pinned: "z" })).toBeNull();
    expect(focusOf({ ...base, mode: "speaker", speaker: "z" })).toBe("a");
  });
  test("a lone participant fills the stage as a grid of one", () => {
    expect(focusOf({ ...base, ids: ["a"], mode: "speaker", speaker: "a" })).toBeNull();
  });
});

describe("arrange", () => {
  test("the large tile comes first, the others follow in arrival order", () => {
    const l = arrange({ ...base, pinned: "c" });
    expect(l.focus).toBe("c");
    expect(l.order).toEqual(["c", "a", "b", "d"]);
  });
  test("a grid of more people than fit splits into pages; the page is kept in range", () => {
    const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const first = arrange({ ...base, ids, perPage: 4 });
    expect(first.pages).toBe(3);
    expect(first.onPage).toEqual(["p0", "p1", "p2", "p3"]);
    expect(arrange({ ...base, ids, perPage: 4, page: 2 }).onPage).toEqual(["p8", "p9"]);
    expect(arrange({ ...base, ids, perPage: 4, page: 7 }).page).toBe(2);
  });
  test("a strip holds what fits: the others page through it, the large tile stays", () => {
    const ids = Array.from({ length: 6 }, (_, i) => `p${i}`);
    const l = arrange({ ...base, ids, pinned: "p3", perStrip: 2, page: 1 });
    expect(l.pages).toBe(3);
    expect(l.onPage).toEqual(["p3", "p2", "p4"]);
    expect(perStripFor(320)).toBe(1);
    expect(perStripFor(1100)).toBe(6);
  });
  test("a page holds fewer tiles on a phone than on a wide screen", () => {
    expect(perPageFor(390, 844)).toBeLessThan(perPageFor(1280, 800));
  });
  test("a phone held sideways holds two rows of three, its bars shown or hidden; a laptop's stage more", () => {
    // 844 × 390: the stage is 267 px tall under the bars, 390 without them.
    expect(perPageFor(844, 267)).toBe(6);
    expect(perPageFor(844, 390)).toBe(6);
    expect(perPageFor(1280, 597)).toBe(16);
    expect(perPageFor(1000, 600)).toBe(9);
  });
});

describe("active speaker", () => {
  const levels = (entries: Record<string, number>) => new Map(Object.entries(entries));
  test("the first to speak becomes the speaker at once", () => {
    expect(speakerStep(noSpeaker, levels({ a: 0.01, b: 0.3 }), 0).current).toBe("b");
  });
  test("silence keeps the last speaker", () => {
    const s = speakerStep(noSpeaker, levels({ a: 0.3, b: 0 }), 0);
    expect(speakerStep(s, levels({ a: 0, b: 0 }), 5_000).current).toBe("a");
  });
  test("another person takes over only after being the loudest for the hold time: no flapping", () => {
    let s = speakerStep(noSpeaker, levels({ a: 0.3, b: 0 }), 0);
    // B is louder for moments, A in between: A stays.
    for (let t = 100; t < 3_000; t += 300) s = speakerStep(s, levels(t % 600 === 100 ? { a: 0, b: 0.5 } : { a: 0.4, b: 0 }), t);
    expect(s.current).toBe("a");
    const from = 10_000;
    for (let t = from; t < from + SPEAKER_HOLD_MS; t += 150) {
      s = speakerStep(s, levels({ a: 0, b: 0.5 }), t);
      expect(s.current).toBe("a");
    }
    s = speakerStep(s, levels({ a: 0, b: 0.5 }), from + SPEAKER_HOLD_MS);
    expect(s.current).toBe("b");
  });
  test("someone speaking in bursts (pauses between words) takes over after the hold time", () => {
    let s = speakerStep(noSpeaker, levels({ a: 0.3, b: 0 }), 0);
    for (let t = 1_000; t <= 1_000 + SPEAKER_HOLD_MS; t += 150) s = speakerStep(s, levels(t % 600 === 400 ? { a: 0, b: 0.4 } : { a: 0, b: 0 }), t);
    s = speakerStep(s, levels({ a: 0, b: 0.4 }), 1_000 + SPEAKER_HOLD_MS + 150);
    expect(s.current).toBe("b");
  });
  test("a speaker who left is replaced by whoever speaks next", () => {
    const s = speakerStep(noSpeaker, levels({ a: 0.3, b: 0 }), 0);
    expect(speakerStep(s, levels({ b: 0.3 }), 100).current).toBe("b");
  });
});

describe("the layer a tile asks for", () => {
  test("off screen: none", () => {
    expect(layerFor({ visible: false, width: 800 }, 1)).toBe(-1);
    expect(layerFor({ visible: true, width: 0 }, 1)).toBe(-1);
  });
  test("by width on screen in device pixels against 320 / 640 / 1280", () => {
    expect(layerFor({ visible: true, width: 200 }, 1)).toBe(0);
    expect(layerFor({ visible: true, width: 320 }, 1)).toBe(0);
    expect(layerFor({ visible: true, width: 500 }, 1)).toBe(1);
    expect(layerFor({ visible: true, width: 900 }, 1)).toBe(2);
    // A small tile on a dense screen needs more pixels.
    expect(layerFor({ visible: true, width: 200 }, 2)).toBe(1);
    expect(layerFor({ visible: true, width: 400 }, 2)).toBe(2);
  });
});

describe("the layer guessed before the stage is drawn (told with a join)", () => {
  test("the grid the stage would lay out: two columns of three or four tiles, one of two tiles upright", () => {
    // Joining three on a 1280 × 720 window: two columns of 638 px, the middle layer.
    expect(firstLayerFor(3, { width: 1280, height: 720, dpr: 1 })).toBe(1);
    // The same at twice the pixel density needs the highest.
    expect(firstLayerFor(3, { width: 1280, height: 720, dpr: 2 })).toBe(2);
    // Joining two on a wide 1920 window: two columns of 958 px.
    expect(firstLayerFor(2, { width: 1920, height: 1080, dpr: 1 })).toBe(2);
    // Ten others on 1280 × 720: four columns of 317 px, the lowest.
    expect(firstLayerFor(10, { width: 1280, height: 720, dpr: 1 })).toBe(0);
    // A phone held upright, two others: one column 390 px wide at density 3.
    expect(firstLayerFor(2, { width: 390, height: 844, dpr: 3 })).toBe(2);
  });
});
