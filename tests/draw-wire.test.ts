import { describe, expect, test } from "bun:test";
import { applyWithin } from "../drawing/within-limits.ts";
import { Packr } from "msgpackr";
import {
  decodeDraw,
  docPoints,
  DRAW_MAX_ADD_POINTS,
  DRAW_MAX_SOURCES,
  DRAW_MAX_STROKE_POINTS,
  docLength,
  DRAW_MAX_DOC_LENGTH,
  DRAW_MAX_STROKE_LENGTH,
  fitDoc,
  lineLength,
  readDraw,
  DRAW_MAX_DOC_POINTS,
  DRAW_MAX_FRAME_BYTES,
  DRAW_MAX_OPS,
  DRAW_MAX_STROKES,
  encodeDraw,
  mergeDocs,
  parseStoredDocs,
  quantize,
  storeDocs,
  DRAW_WIRE_VERSION,
  type DrawWire,
} from "../protocol/draw-wire.ts";
import { applyOps, emptyDoc, type StrokeDoc, type StrokeOp } from "../drawing/strokes.ts";

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const raw = (x: unknown) => packr.pack(x) as Uint8Array;
const p = (x: number, y: number) => ({ x, y });

const ops: StrokeOp[] = [
  { type: "begin", id: "a:1", strokeId: "a:1", color: "#ff3b30", width: 0.008, point: p(0.1234, 0.5) },
  { type: "add", id: "a:2", strokeId: "a:1", points: [p(0.2, 0.5), p(0.3, 0.6)] },
  { type: "end", id: "a:3", strokeId: "a:1" },
  { type: "erase", id: "a:4", center: p(0.2, 0.5), radius: 0.02 },
  { type: "clear", id: "a:5" },
];

describe("draw wire", () => {
  test("ops round-trip exactly (points on the wire grid)", () => {
    const msg: DrawWire = { type: "ops", frame: "aaa", ops };
    expect(decodeDraw(encodeDraw(msg))).toEqual(msg);
    const yours: DrawWire = { type: "ops", frame: "bbb", ops: [ops[0]!] };
    expect(decodeDraw(encodeDraw(yours))).toEqual(yours);
  });

  test("a snapshot round-trips, stubs of strokes still being drawn included", () => {
    const doc = applyOps(emptyDoc(4 / 3), ops.slice(0, 4));
    expect(doc.strokes.length).toBe(2);
    const stub: StrokeDoc = { ...doc, strokes: [...doc.strokes, { id: "b:1", color: "#0a84ff", width: 0.014, points: [], done: false }] };
    const back = decodeDraw(encodeDraw({ type: "snapshot", frame: "bbb", doc: stub }));
    expect(back?.type).toBe("snapshot");
    if (back?.type !== "snapshot") return;
    expect(back.frame).toBe("bbb");
    expect(back.doc.applied).toEqual({ a: 4 });
    expect(back.doc.aspect).toBeCloseTo(4 / 3);
    expect(back.doc.strokes.map((s) => s.id)).toEqual(stub.strokes.map((s) => s.id));
    for (const [i, s] of back.doc.strokes.entries()) {
      expect(s.points).toEqual(stub.strokes[i]!.points.map(quantize)); // erase cut points are snapped to the grid
    }
  });

  test("points are 3-byte integers: a long stroke stays small", () => {
    const points = Array.from({ length: 256 }, (_, i) => quantize(p(i / 256, 0.5 + Math.sin(i) / 3)));
    const bytes = encodeDraw({ type: "ops", frame: "aaa", ops: [{ type: "add", id: "a:9", strokeId: "a:1", points }] });
    expect(bytes.byteLength).toBeLessThan(256 * 6 + 64);
  });

  test("junk never throws and decodes to null", () => {
    const good = {
      v: DRAW_WIRE_VERSION,
      type: "ops",
      frame: "aaa",
      ops: [{ type: "begin", id: "a:1", strokeId: "a:1", color: "#ffd60a", width: 0.014, point: [10, 10] }],
    };
    const withOp = (patch: Record<string, unknown>) => raw({ ...good, ops: [{ ...good.ops[0], ...patch }] });
    expect(decodeDraw(raw(good))).not.toBeNull();
    const bad: Uint8Array[] = [
      new Uint8Array(),
      new Uint8Array([0xc1]),
      new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]),
      raw(null),
      raw([1, 2]),
      raw("ops"),
      raw({ ...good, type: "nope" }),
      raw({ ...good, frame: "" }), // no camera named
      raw({ ...good, frame: 7 }),
      raw({ ...good, frame: "x".repeat(65) }),
      raw({ ...good, ops: [] }),
      raw({ ...good, ops: Array(DRAW_MAX_OPS + 1).fill(good.ops[0]) }),
      withOp({ color: "red" }),
      withOp({ color: "#ff00001" }),
      withOp({ width: -1 }),
      withOp({ width: Number.NaN }),
      withOp({ width: 5 }),
      withOp({ color: "#ffffff" }), // a colour the pen does not have
      withOp({ width: 0.01 }), // a width the pen does not have
      withOp({ point: [Number.POSITIVE_INFINITY, 10] }),
      withOp({ point: [1e308, 10] }),
      withOp({ type: "add", points: [10, Number.NaN] }),
      withOp({ point: [10] }),
      withOp({ point: [10, 10, 10, 10] }),
      withOp({ point: [10001, 10] }),
      withOp({ point: [-1, 10] }),
      withOp({ point: [1.5, 10] }),
      withOp({ point: { x: 1, y: 1 } }),
      withOp({ id: "" }),
      withOp({ id: "x".repeat(81) }),
      withOp({ strokeId: 7 }),
      withOp({ type: "add", points: Array(2 * 257).fill(1) }),
      withOp({ type: "erase", center: [1, 1], radius: 0 }),
      withOp({ type: "erase", center: [1, 1], radius: 1 }),
      raw({ v: DRAW_WIRE_VERSION, type: "snapshot", frame: "aaa", doc: { strokes: [], applied: {}, aspect: 0 } }),
      raw({ v: DRAW_WIRE_VERSION, type: "snapshot", frame: "aaa", doc: { strokes: [], applied: { a: 0 }, aspect: 1 } }),
      raw({ v: DRAW_WIRE_VERSION, type: "snapshot", frame: "aaa", doc: { strokes: [], applied: { a: 1.5 }, aspect: 1 } }),
      raw({ v: DRAW_WIRE_VERSION, type: "snapshot", frame: "aaa", doc: { strokes: {}, applied: {}, aspect: 1 } }),
      raw({ v: DRAW_WIRE_VERSION, type: "snapshot", frame: "aaa", doc: { strokes: Array(DRAW_MAX_STROKES + 1).fill(0), applied: {}, aspect: 1 } }),
      raw({
        v: DRAW_WIRE_VERSION,
        type: "snapshot",
        frame: "aaa",
        doc: { strokes: [], applied: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`s${i}`, 1])), aspect: 1 },
      }),
      raw({
        v: DRAW_WIRE_VERSION,
        type: "snapshot",
        frame: "aaa",
        doc: { strokes: [{ id: "a", color: "#34c759", width: 0.014, points: [], done: true }], applied: {}, aspect: 1 },
      }),
      raw({
        v: DRAW_WIRE_VERSION,
        type: "snapshot",
        frame: "aaa",
        doc: { strokes: ["a", "a"].map((id) => ({ id, color: "#34c759", width: 0.014, points: [1, 1], done: true })), applied: {}, aspect: 1 },
      }),
      new Uint8Array(DRAW_MAX_FRAME_BYTES + 1),
    ];
    for (const bytes of bad) expect(decodeDraw(bytes)).toBeNull();
    for (let i = 0; i < 2000; i++) {
      const junk = crypto.getRandomValues(new Uint8Array(1 + (i % 64)));
      expect(() => decodeDraw(junk)).not.toThrow();
    }
  });

  test("a frame of another drawing version is read as such, never drawn: the old wire (no version, mine/yours) and newer ones", () => {
    const begin = { type: "begin", id: "a:1", strokeId: "a:1", color: "#ffd60a", width: 0.014, point: [10, 10] };
    const old = raw({ type: "ops", frame: "mine", ops: [begin] });
    expect(readDraw(old)).toEqual({ type: "other-version", v: null });
    expect(readDraw(raw({ type: "snapshot", frame: "yours", doc: { strokes: [], applied: {}, aspect: 1 } }))).toEqual({ type: "other-version", v: null });
    expect(readDraw(raw({ v: DRAW_WIRE_VERSION + 1, type: "ops", frame: "aaa", ops: [begin] }))).toEqual({
      type: "other-version",
      v: DRAW_WIRE_VERSION + 1,
    });
    expect(decodeDraw(old)).toBeNull();
    // Without a version and not the old wire's shape: just not a drawing frame.
    expect(readDraw(raw({ type: "ops", frame: "aaa", ops: [begin] }))).toBe("not a drawing frame");
    expect(readDraw(raw({ v: "2", type: "ops", frame: "aaa", ops: [begin] }))).toBe("not a drawing frame");
  });

  test("encoders keep to the limits: extra ops are cut, an over-full drawing keeps its newest strokes", () => {
    const many = Array.from({ length: 100 }, (_, i): StrokeOp => ({ type: "clear", id: `a:${i + 1}` }));
    const cut = decodeDraw(encodeDraw({ type: "ops", frame: "aaa", ops: many }));
    expect(cut?.type === "ops" && cut.ops.length).toBe(DRAW_MAX_OPS);

    const points = Array.from({ length: 5000 }, (_, i) => quantize(p(0.05 + (i % 300) * 0.003, Math.floor(i / 300) / 20)));
    const strokes = Array.from({ length: 6 }, (_, k) => ({ id: `a:${k + 1}`, color: "#ffd60a", width: 0.014, points, done: true }));
    const bytes = encodeDraw({ type: "snapshot", frame: "aaa", doc: { strokes, applied: { a: 6 }, aspect: 1 } });
    expect(bytes.byteLength).toBeLessThanOrEqual(DRAW_MAX_FRAME_BYTES);
    const back = decodeDraw(bytes);
    if (back?.type !== "snapshot") throw new Error("no snapshot");
    expect(back.doc.strokes.map((s) => s.id)).toEqual(["a:2", "a:3", "a:4", "a:5", "a:6"]);
    // The kept strokes are whole, and the drawing holds no more points than the limit.
    expect(back.doc.strokes.every((s) => s.points.length === points.length)).toBe(true);
    expect(docPoints(back.doc)).toBe(5 * points.length);
    expect(docPoints(back.doc)).toBeLessThanOrEqual(DRAW_MAX_DOC_POINTS);
  });
});

describe("documents within the limits", () => {
  const begin = (id: string): StrokeOp => ({ type: "begin", id, strokeId: id, color: "#ffd60a", width: 0.014, point: p(0.5, 0.5) });
  const add = (id: string, strokeId: string, n = DRAW_MAX_ADD_POINTS): StrokeOp => ({
    type: "add",
    id,
    strokeId,
    points: Array.from({ length: n }, (_, i) => quantize(p(i / n, 0.5))),
  });
  /** The largest valid frame: a new stroke and 63 adds of 256 points, from source `src`, frame `f`. */
  const bigFrame = (src: string, f: number): StrokeOp[] => [
    begin(`${src}:${f * 64 + 1}`),
    ...Array.from({ length: 63 }, (_, k) => add(`${src}:${f * 64 + k + 2}`, `${src}:${f * 64 + 1}`)),
  ];

  test("readDraw says why a frame is refused", () => {
    expect(readDraw(new Uint8Array())).toBe("an empty frame");
    expect(readDraw(raw({ v: DRAW_WIRE_VERSION, type: "ops", frame: "aaa", ops: Array(DRAW_MAX_OPS + 1).fill({ type: "clear", id: "a:1" }) }))).toContain(
      "65 ops",
    );
    expect(
      readDraw(
        raw({
          v: DRAW_WIRE_VERSION,
          type: "ops",
          frame: "aaa",
          ops: [{ type: "begin", id: "a:1", strokeId: "a:1", color: "#ffffff", width: 0.014, point: [1, 1] }],
        }),
      ),
    ).toContain("malformed op (#0, begin)");
    expect(
      readDraw(raw({ v: DRAW_WIRE_VERSION, type: "snapshot", frame: "aaa", doc: { strokes: Array(DRAW_MAX_STROKES + 1).fill(0), applied: {}, aspect: 1 } })),
    ).toContain("strokes");
  });

  test("a stroke stops at its point limit, the drawing at its own; a full drawing takes no new stroke", () => {
    let doc = emptyDoc();
    let refused = 0;
    let cut = 0;
    for (let f = 0; f < 10; f++) {
      const r = applyWithin(doc, bigFrame("a", f));
      doc = r.doc;
      refused += r.refused;
      cut += r.cut;
      expect(Math.max(...doc.strokes.map((s) => s.points.length))).toBeLessThanOrEqual(DRAW_MAX_STROKE_POINTS);
      expect(docPoints(doc)).toBeLessThanOrEqual(DRAW_MAX_DOC_POINTS);
    }
    expect(doc.strokes[0]!.points).toHaveLength(DRAW_MAX_STROKE_POINTS);
    expect(docPoints(doc)).toBe(DRAW_MAX_DOC_POINTS);
    expect(doc.strokes.length).toBe(DRAW_MAX_DOC_POINTS / DRAW_MAX_STROKE_POINTS);
    expect(refused).toBeGreaterThan(0);
    expect(cut).toBeGreaterThan(0);
    // After a clear there is room again.
    const cleared = applyWithin(doc, [{ type: "clear", id: "b:1" }, begin("b:2")]).doc;
    expect(cleared.strokes.map((s) => s.id)).toEqual(["b:2"]);
  });

  test("lines scattered over the frame stop at the stroke's and the drawing's length", () => {
    // Points far apart (each segment ~0.5 frame units): few points, much ink.
    const scattered = (id: string, strokeId: string): StrokeOp => ({
      type: "add",
      id,
      strokeId,
      points: Array.from({ length: DRAW_MAX_ADD_POINTS }, (_, i) => quantize(p(i % 2, (i * 0.37) % 1))),
    });
    let doc = emptyDoc();
    let inked = 0;
    for (let f = 0; f < 10; f++) {
      const r = applyWithin(doc, [begin(`a:${f * 64 + 1}`), ...Array.from({ length: 63 }, (_, k) => scattered(`a:${f * 64 + k + 2}`, `a:${f * 64 + 1}`))]);
      doc = r.doc;
      inked += r.inked;
    }
    expect(Math.max(...doc.strokes.map((s) => lineLength(s.points)))).toBeLessThanOrEqual(DRAW_MAX_STROKE_LENGTH);
    expect(lineLength(doc.strokes[0]!.points)).toBeGreaterThan(DRAW_MAX_STROKE_LENGTH - 1.5);
    expect(docLength(doc)).toBeLessThanOrEqual(DRAW_MAX_DOC_LENGTH);
    expect(docLength(doc)).toBeGreaterThan(DRAW_MAX_DOC_LENGTH - 6);
    expect(inked).toBeCloseTo(docLength(doc));
    expect(docPoints(doc)).toBeLessThan(2000);
  });

  test("stroke count: one-point strokes stop at DRAW_MAX_STROKES", () => {
    let doc = emptyDoc();
    for (let f = 0; f < 20; f++)
      doc = applyWithin(
        doc,
        Array.from({ length: 64 }, (_, k) => begin(`a:${f * 64 + k + 1}`)),
      ).doc;
    expect(doc.strokes).toHaveLength(DRAW_MAX_STROKES);
    expect(doc.strokes.at(-1)!.id).toBe(`a:${DRAW_MAX_STROKES}`);
  });

  test("ops from ever new sources: the record of applied ops keeps its newest sources", () => {
    let doc = emptyDoc();
    for (let f = 0; f < 20; f++)
      doc = applyWithin(
        doc,
        Array.from({ length: 64 }, (_, k): StrokeOp => ({ type: "end", id: `s${f * 64 + k}:1`, strokeId: "x" })),
      ).doc;
    const sources = Object.keys(doc.applied);
    expect(sources).toHaveLength(DRAW_MAX_SOURCES);
    expect(sources.at(-1)).toBe(`s${20 * 64 - 1}`);
  });

  test("an erase that splits strokes past the limits drops the oldest strokes", () => {
    // A star: every other segment crosses the centre, so one small erase there cuts each of them
    // in two, adding two points and a piece per cut.
    const zig = Array.from({ length: 4000 }, (_, i) => {
      const a = Math.floor(i / 2) * 0.7;
      const s = i % 2 ? -0.0045 : 0.0045;
      return quantize(p(0.5 + s * Math.cos(a), 0.5 + s * Math.sin(a)));
    });
    const strokes = Array.from({ length: 6 }, (_, k) => ({
      id: `a:${k + 1}`,
      color: "#ffd60a",
      width: 0.004,
      points: k < 5 ? zig : [p(0.9, 0.9)],
      done: true,
    }));
    const doc = { strokes, applied: { a: 6 }, aspect: 1 };
    expect(fitDoc(doc)).toBe(doc);
    const erase: StrokeOp = { type: "erase", id: "b:1", center: p(0.5, 0.5), radius: 0.0001 };
    expect(applyOps(doc, [erase]).strokes.length).toBeGreaterThan(DRAW_MAX_STROKES); // unbounded, it would be
    const erased = applyWithin(doc, [erase]).doc;
    expect(docPoints(erased)).toBeLessThanOrEqual(DRAW_MAX_DOC_POINTS);
    expect(erased.strokes.length).toBeLessThanOrEqual(DRAW_MAX_STROKES);
    expect(erased.strokes.at(-1)!.id).toBe("a:6"); // the newest stroke stays
  });

  test("a merged snapshot keeps within the limits", () => {
    const full = (src: string) => {
      let doc = emptyDoc();
      for (let f = 0; f < 10; f++) doc = applyWithin(doc, bigFrame(src, f)).doc;
      return doc;
    };
    const merged = mergeDocs(full("a"), full("b"), false);
    expect(docPoints(merged)).toBeLessThanOrEqual(DRAW_MAX_DOC_POINTS);
    expect(merged.strokes.at(-1)!.id.startsWith("b:")).toBe(true);
  });
});

describe("snapshots and local copies", () => {
  const begin = (id: string): StrokeOp => ({ type: "begin", id, strokeId: id, color: "#ffd60a", width: 0.014, point: p(0.5, 0.5) });
  const base = applyOps(emptyDoc(4 / 3), [begin("a:1")]);

  test("the copy that has seen everything wins; the camera owner sets the aspect", () => {
    const ahead = applyOps(base, [begin("a:2"), { type: "clear", id: "b:1" }]);
    expect(mergeDocs(undefined, base, true)).toBe(base);
    expect(mergeDocs(base, ahead, false)).toEqual(ahead);
    expect(mergeDocs(ahead, base, false)).toBe(ahead);
    expect(mergeDocs(ahead, { ...base, aspect: 16 / 9 }, true).aspect).toBeCloseTo(16 / 9);
    expect(mergeDocs(base, { ...ahead, aspect: 16 / 9 }, false).aspect).toBeCloseTo(4 / 3);
  });

  test("copies that both went ahead keep every stroke", () => {
    const mine = applyOps(base, [begin("a:2")]);
    const theirs = applyOps(base, [begin("b:1")]);
    const merged = mergeDocs(mine, theirs, false);
    expect(merged.strokes.map((s) => s.id)).toEqual(["a:1", "a:2", "b:1"]);
    expect(merged.applied).toEqual({ a: 2, b: 1 });
  });

  test("sessionStorage form round-trips and shrugs off damage", () => {
    const docs = { self: base, bob: applyOps(emptyDoc(), [begin("c:1")]) };
    expect(parseStoredDocs(storeDocs(docs))).toEqual(docs);
    expect(parseStoredDocs(null)).toEqual({});
    expect(parseStoredDocs("{not json")).toEqual({});
    expect(parseStoredDocs(JSON.stringify({ self: "!!!", bob: 3 }))).toEqual({});
    // What a page of the previous drawing version kept is read back after the reload that updates it.
    const previous = { self: Buffer.from(raw({ type: "snapshot", frame: "mine", doc: { strokes: [], applied: { a: 1 }, aspect: 1 } })).toString("base64") };
    expect(parseStoredDocs(JSON.stringify(previous))).toEqual({ self: { strokes: [], applied: { a: 1 }, aspect: 1 } });
  });
});
