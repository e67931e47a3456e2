/**
 * Ops applied within the wire's limits (protocol/draw-wire.ts), the same for what is drawn here
 * and what a peer sends.
 */
import { docSize, fitDoc, roomForStroke, roomInStroke } from "../protocol/draw-wire.ts";
import { applyOp, type StrokeDoc, type StrokeOp } from "./strokes.ts";

/**
 * Applies ops within the limits, for local drawing and for what a peer sends alike: a new stroke
 * when the drawing is full is refused, points past a stroke's or the drawing's limits (points,
 * length) are cut off, an erase that splits strokes past the limits drops the oldest. Says how
 * many ops were refused or cut, and how much line was added (what painting it costs).
 */
export function applyWithin(doc: StrokeDoc, ops: readonly StrokeOp[]): { doc: StrokeDoc; refused: number; cut: number; inked: number } {
  let size = docSize(doc);
  let refused = 0;
  let cut = 0;
  let inked = 0;
  for (const op of ops) {
    switch (op.type) {
      case "begin": {
        if (!roomForStroke(doc, size) && !doc.strokes.some((s) => s.id === op.strokeId)) {
          refused++;
          continue;
        }
        const before = doc;
        doc = applyOp(doc, op);
        if (doc.strokes.length !== before.strokes.length) size = { ...size, points: size.points + 1 };
        break;
      }
      case "add": {
        const room = roomInStroke(doc, op.strokeId, op.points, size);
        if (room.n === 0) {
          // Full (or no such stroke being drawn): nothing to change.
          if (doc.strokes.some((s) => s.id === op.strokeId && !s.done)) refused++;
          continue;
        }
        const next = op.points.length > room.n ? (cut++, { ...op, points: op.points.slice(0, room.n) }) : op;
        const before = doc;
        doc = applyOp(doc, next);
        if (doc !== before) {
          size = { points: size.points + next.points.length, length: size.length + room.length };
          inked += room.length;
        }
        break;
      }
      case "erase":
      case "clear":
        doc = applyOp(doc, op);
        size = docSize(doc);
        break;
      default:
        doc = applyOp(doc, op);
    }
  }
  return { doc: fitDoc(doc), refused, cut, inked };
}
