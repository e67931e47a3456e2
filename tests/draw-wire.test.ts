import { describe, expect, test } from "bun:test";
import { Packr } from "msgpackr";
import {
  decodeDraw,
  DRAW_MAX_DOC_POINTS,
  DRAW_MAX_FRAME_BYTES,
  DRAW_MAX_OPS,
  DRAW_MAX_STROKES,
  encodeDraw,
  mergeDocs,
  parseStoredDocs,
  quantize,
  storeDocs,
  type DrawWire,
} from "../protocol/draw-wire.ts";
import { applyOps, emptyDoc, type StrokeDoc, type StrokeOp } from "../workers/strokes.ts";

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
    const msg: DrawWire = { type: "ops", frame: "mine", ops };
    expect(decodeDraw(encodeDraw(msg))).toEqual(msg);
    const yours: DrawWire = { type: "ops", frame: "yours", ops: [ops[0]!] };
    expect(decodeDraw(encodeDraw(yours))).toEqual(yours);
  });

  test("a snapshot round-trips, stubs of strokes still being drawn included", () => {
    const doc = applyOps(emptyDoc(4 / 3), ops.slice(0, 4));
    expect(doc.strokes.length).toBe(2);
    const stub: StrokeDoc = { ...doc, strokes: [...doc.strokes, { id: "b:1", color: "#0a84ff", width: 0.01, points: [], done: false }] };
    const back = decodeDraw(encodeDraw({ type: "snapshot", frame: "yours", doc: stub }));
    expect(back?.type).toBe("snapshot");
    if (back?.type !== "snapshot") return;
    expect(back.frame).toBe("yours");
    expect(back.doc.applied).toEqual({ a: 4 });
    expect(back.doc.aspect).toBeCloseTo(4 / 3);
    expect(back.doc.strokes.map((s) => s.id)).toEqual(stub.strokes.map((s) => s.id));
    for (const [i, s] of back.doc.strokes.entries()) {
      expect(s.points).toEqual(stub.strokes[i]!.points.map(quantize)); // erase cut points are snapped to the grid
    }
  });

  test("points are 3-byte integers: a long stroke stays small", () => {
    const points = Array.from({ length: 256 }, (_, i) => quantize(p(i / 256, 0.5 + Math.sin(i) / 3)));
    const bytes = encodeDraw({ type: "ops", frame: "mine", ops: [{ type: "add", id: "a:9", strokeId: "a:1", points }] });
    expect(bytes.byteLength).toBeLessThan(256 * 6 + 64);
  });

  test("junk never throws and decodes to null", () => {
    const good = { type: "ops", frame: "mine", ops: [{ type: "begin", id: "a:1", strokeId: "a:1", color: "#ffffff", width: 0.01, point: [10, 10] }] };
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
      raw({ ...good, frame: "theirs" }),
      raw({ ...good, ops: [] }),
      raw({ ...good, ops: Array(DRAW_MAX_OPS + 1).fill(good.ops[0]) }),
      withOp({ color: "red" }),
      withOp({ color: "#ff00001" }),
      withOp({ width: -1 }),
      withOp({ width: Number.NaN }),
      withOp({ width: 5 }),
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
      raw({ type: "snapshot", frame: "mine", doc: { strokes: [], applied: {}, aspect: 0 } }),
      raw({ type: "snapshot", frame: "mine", doc: { strokes: [], applied: { a: 0 }, aspect: 1 } }),
      raw({ type: "snapshot", frame: "mine", doc: { strokes: [], applied: { a: 1.5 }, aspect: 1 } }),
      raw({ type: "snapshot", frame: "mine", doc: { strokes: {}, applied: {}, aspect: 1 } }),
      raw({ type: "snapshot", frame: "mine", doc: { strokes: Array(DRAW_MAX_STROKES + 1).fill(0), applied: {}, aspect: 1 } }),
      raw({ type: "snapshot", frame: "mine", doc: { strokes: [], applied: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`s${i}`, 1])), aspect: 1 } }),
      raw({ type: "snapshot", frame: "mine", doc: { strokes: [{ id: "a", color: "#000000", width: 0.01, points: [], done: true }], applied: {}, aspect: 1 } }),
      raw({
        type: "snapshot",
        frame: "mine",
        doc: { strokes: ["a", "a"].map((id) => ({ id, color: "#000000", width: 0.01, points: [1, 1], done: true })), applied: {}, aspect: 1 },
      }),
      new Uint8Array(DRAW_MAX_FRAME_BYTES + 1),
    ];
    for (const bytes of bad) expect(decodeDraw(bytes)).toBeNull();
    for (let i = 0; i < 2000; i++) {
      const junk = crypto.getRandomValues(new Uint8Array(1 + (i % 64)));
      expect(() => decodeDraw(junk)).not.toThrow();
    }
  });

  test("encoders keep to the limits: extra ops are cut, an over-full drawing keeps its newest strokes", () => {
    const many = Array.from({ length: 100 }, (_, i): StrokeOp => ({ type: "clear", id: `a:${i + 1}` }));
    const cut = decodeDraw(encodeDraw({ type: "ops", frame: "mine", ops: many }));
    expect(cut?.type === "ops" && cut.ops.length).toBe(DRAW_MAX_OPS);

    const points = Array.from({ length: 5000 }, (_, i) => quantize(p((i % 100) / 100, Math.floor(i / 100) / 50)));
    const strokes = Array.from({ length: 6 }, (_, k) => ({ id: `a:${k + 1}`, color: "#ffffff", width: 0.01, points, done: true }));
    const bytes = encodeDraw({ type: "snapshot", frame: "mine", doc: { strokes, applied: { a: 6 }, aspect: 1 } });
    expect(bytes.byteLength).toBeLessThanOrEqual(DRAW_MAX_FRAME_BYTES);
    const back = decodeDraw(bytes);
    expect(back?.type === "snapshot" && back.doc.strokes.map((s) => s.id)).toEqual(["a:2", "a:3", "a:4", "a:5", "a:6"]);
    expect(5 * 5000).toBeLessThanOrEqual(DRAW_MAX_DOC_POINTS);
  });
});

describe("snapshots and local copies", () => {
  const begin = (id: string): StrokeOp => ({ type: "begin", id, strokeId: id, color: "#ffffff", width: 0.01, point: p(0.5, 0.5) });
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
  });
});
