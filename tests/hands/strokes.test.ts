import { describe, expect, test } from "bun:test";
import { readDrawingHand, type DrawMode, type Point } from "../../drawing/gestures.ts";
import { applyOp, applyOps, emptyDoc, eraseStroke, idMaker, parseOpId, visibleStrokes, type StrokeDoc, type StrokeOp } from "../../drawing/strokes.ts";
import { extendLike, loadFixture, pinchTo, translate } from "./fixtures.ts";

const fixture = loadFixture("nocurl");
const A = fixture.width / fixture.height;
const pinch = pinchTo(fixture.landmarks, 0.015, A);
const vSign = extendLike(fixture.landmarks, "middle", 25, A);

/** A horizontal pen path: the real pinching hand moved across the frame, read by the gesture code. */
function penPath(steps: number, dx = 0.02): Point[] {
  let mode: DrawMode = "hover";
  const points: Point[] = [];
  for (let i = 0; i < steps; i++) {
    const r = readDrawingHand(mode, translate(pinch, -0.3 + i * dx, 0), A);
    mode = r.mode;
    expect(mode).toBe("draw");
    points.push(r.point);
  }
  return points;
}

function drawOps(next: () => string, strokeId: string, points: Point[], end = true): StrokeOp[] {
  const ops: StrokeOp[] = [{ type: "begin", id: next(), strokeId, color: "#ff3b30", width: 0.008, point: points[0]! }];
  for (let i = 1; i < points.length; i += 3) ops.push({ type: "add", id: next(), strokeId, points: points.slice(i, i + 3) });
  if (end) ops.push({ type: "end", id: next(), strokeId });
  return ops;
}

const dist = (a: Point, b: Point): number => Math.hypot((a.x - b.x) * A, a.y - b.y);

describe("stroke model", () => {
  test("begin, add, end build a stroke from the pen path", () => {
    const path = penPath(20);
    const doc = applyOps(emptyDoc(A), drawOps(idMaker("a"), "s1", path));
    expect(doc.strokes).toHaveLength(1);
    expect(doc.strokes[0]!.points).toEqual(path);
    expect(doc.strokes[0]!.done).toBe(true);
  });

  test("ops are idempotent by id: re-sent and echoed ops change nothing", () => {
    const ops = drawOps(idMaker("a"), "s1", penPath(12));
    const once = applyOps(emptyDoc(A), ops);
    const twice = applyOps(once, ops);
    expect(twice).toBe(once);
    expect(applyOp(once, ops[1]!)).toBe(once);
    // Interleaved duplicates while drawing (a retransmission).
    const messy = applyOps(
      emptyDoc(A),
      ops.flatMap((op, i) => (i > 0 ? [ops[i - 1]!, op] : [op])),
    );
    expect(messy.strokes).toEqual(once.strokes);
  });

  test("malformed op ids are ignored; ids parse as source:seq", () => {
    const doc = emptyDoc(A);
    expect(applyOp(doc, { type: "clear", id: "nope" })).toBe(doc);
    expect(applyOp(doc, { type: "clear", id: "a:0" })).toBe(doc);
    expect(parseOpId("peer:x:12")).toEqual({ source: "peer:x", seq: 12 });
  });

  test("erasing the middle splits the stroke; nothing is left inside the eraser", () => {
    const path = penPath(20);
    let doc = applyOps(emptyDoc(A), drawOps(idMaker("a"), "s1", path));
    const eraser = readDrawingHand(
      "erase",
      translate(vSign, path[10]!.x - (vSign[8]!.x + vSign[12]!.x) / 2, path[10]!.y - (vSign[8]!.y + vSign[12]!.y) / 2),
      A,
    );
    expect(eraser.mode).toBe("erase");
    doc = applyOp(doc, { type: "erase", id: "b:1", center: eraser.point, radius: eraser.eraseRadius });
    expect(doc.strokes).toHaveLength(2);
    const [first, last] = doc.strokes;
    expect(last!.id).toBe("s1"); // the piece with the original end keeps the id
    expect(first!.id).not.toBe("s1");
    const reach = eraser.eraseRadius + 0.008 / 2;
    for (const s of doc.strokes) for (const p of s.points) expect(dist(p, eraser.point)).toBeGreaterThan(reach - 1e-9);
    // The cut ends lie on the eraser's edge, the outer ends are untouched.
    expect(dist(first!.points.at(-1)!, eraser.point)).toBeCloseTo(reach, 9);
    expect(dist(last!.points[0]!, eraser.point)).toBeCloseTo(reach, 9);
    expect(first!.points[0]).toEqual(path[0]!);
    expect(last!.points.at(-1)).toEqual(path.at(-1)!);
  });

  test("an eraser crossing a long segment cuts it even with no point inside", () => {
    const stroke = {
      id: "s",
      color: "#fff",
      width: 0,
      points: [
        { x: 0.1, y: 0.5 },
        { x: 0.9, y: 0.5 },
      ],
      done: true,
    };
    const pieces = eraseStroke(stroke, { x: 0.5, y: 0.5 }, 0.05, 1, "e:1");
    expect(pieces.map((s) => s.points.map((p) => +p.x.toFixed(6)))).toEqual([
      [0.1, 0.45],
      [0.55, 0.9],
    ]);
    // Aspect: on a 2:1 frame the same radius is half as wide in x.
    const wide = eraseStroke(stroke, { x: 0.5, y: 0.5 }, 0.05, 2, "e:1");
    expect(wide.map((s) => s.points.map((p) => +p.x.toFixed(6)))).toEqual([
      [0.1, 0.475],
      [0.525, 0.9],
    ]);
    expect(eraseStroke(stroke, { x: 0.5, y: 0.8 }, 0.05, 1, "e:1")[0]).toBe(stroke);
  });

  test("erasing all of a finished stroke removes it; of a stroke in progress leaves a stub that later adds extend", () => {
    const path = penPath(6, 0.005);
    const centre = path[3]!;
    const done = applyOps(emptyDoc(A), [...drawOps(idMaker("a"), "s1", path), { type: "erase", id: "b:1", center: centre, radius: 0.2 }]);
    expect(done.strokes).toEqual([]);
    const next = idMaker("a");
    let live = applyOps(emptyDoc(A), [...drawOps(next, "s1", path, false), { type: "erase", id: "b:1", center: centre, radius: 0.2 }]);
    expect(visibleStrokes(live)).toEqual([]);
    live = applyOp(live, {
      type: "add",
      id: next(),
      strokeId: "s1",
      points: [
        { x: 0.9, y: 0.1 },
        { x: 0.95, y: 0.1 },
      ],
    });
    expect(visibleStrokes(live).map((s) => s.id)).toEqual(["s1"]);
    live = applyOp(live, { type: "end", id: next(), strokeId: "s1" });
    expect(live.strokes[0]!.done).toBe(true);
  });

  test("a concurrent erase and draw converge whatever the order", () => {
    const path = penPath(24);
    const a = idMaker("a");
    const all = drawOps(a, "s1", path, false);
    const early = all.slice(0, 5); // begin + 4 adds (13 points)
    const late: StrokeOp[] = [...all.slice(5), { type: "end", id: a(), strokeId: "s1" }];
    const erase: StrokeOp = { type: "erase", id: "b:1", center: path[6]!, radius: 0.03 };
    const atDrawer = applyOps(emptyDoc(A), [...early, ...late, erase]);
    const atEraser = applyOps(emptyDoc(A), [...early, erase, ...late]);
    expect(visibleStrokes(atEraser)).toEqual(visibleStrokes(atDrawer));
    expect(visibleStrokes(atDrawer)).toHaveLength(2);
  });

  test("clear empties the drawing; the document survives JSON", () => {
    const next = idMaker("a");
    let doc: StrokeDoc = applyOps(emptyDoc(A), [...drawOps(next, "s1", penPath(8)), ...drawOps(next, "s2", penPath(5))]);
    doc = applyOp(doc, { type: "erase", id: "b:1", center: doc.strokes[0]!.points[4]!, radius: 0.02 });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    doc = applyOp(doc, { type: "clear", id: "b:2" });
    expect(doc.strokes).toEqual([]);
    // Ops already applied stay ignored after a clear.
    expect(applyOp(doc, { type: "begin", id: "a:1", strokeId: "s1", color: "#fff", width: 0.01, point: { x: 0, y: 0 } })).toBe(doc);
  });
});
