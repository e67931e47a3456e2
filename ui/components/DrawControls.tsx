/**
 * The drawing panel over the stage while Draw is on (a lazy part, mounted by Drawing.tsx): what hand
 * tracking is doing (loading, hand found or not, why it is unavailable), the pen (colour and
 * thickness, also set by the other hand), how to draw, and Clear.
 */
import { useSelector } from "@xstate/react";
import { type DrawingSnapshot, otherVersionText } from "../../machines/features/drawing.ts";
import { PALETTE, THICKNESS_LEVELS } from "../../protocol/draw-shapes.ts";
import { useDrawingActor } from "../feature-hooks.ts";
import { Icon } from "./Icon.tsx";

const COLOUR_NAMES: Record<string, string> = { "#ff3b30": "Red", "#34c759": "Green", "#0a84ff": "Blue", "#ffd60a": "Yellow" };

function statusText(s: DrawingSnapshot): string {
  const { progress, error } = s.context;
  if (s.matches({ active: "error" })) return `${error?.text ?? "Hand tracking is unavailable."} You can still draw with the mouse or a finger on the video.`;
  if (s.matches({ active: { hands: "loading" } })) {
    if (progress?.phase === "model" && progress.total) return `Loading hand tracking… ${Math.round((100 * (progress.loaded ?? 0)) / progress.total)}%`;
    return "Loading hand tracking…";
  }
  if (s.matches({ active: { hands: "drawing" } })) return "Drawing";
  if (s.matches({ active: { hands: "erasing" } })) return "Erasing";
  if (s.matches({ active: { hands: { tracking: "handFound" } } }))
    return "Pinch to draw, spread two fingers to erase. Other hand: fingers pick the colour, height the thickness.";
  return "Show your hand to the camera, or draw with the mouse or a finger.";
}

export function DrawPanel() {
  const drawing = useDrawingActor();
  const on = useSelector(drawing, (s) => (s ? !s.matches("off") : false));
  const text = useSelector(drawing, (s) => (s ? statusText(s) : ""));
  const failed = useSelector(drawing, (s) => s?.matches({ active: "error" }) ?? false);
  const pen = useSelector(drawing, (s) => s?.context.pen);
  const otherVersion = useSelector(drawing, (s) => s?.context.otherVersion ?? null);
  const anything = useSelector(drawing, (s) => Object.values(s?.context.docs ?? {}).some((d) => d.strokes.length > 0));
  if (!drawing || !on || !pen) return null;
  const level = THICKNESS_LEVELS.findIndex((w) => w >= pen.width);
  return (
    <section className="draw-panel" aria-label="Drawing">
      <p className={`draw-status${failed ? " draw-error" : ""}`} aria-live="polite">
        {text}
      </p>
      {otherVersion && <p className="draw-status draw-error">{otherVersionText(otherVersion)}</p>}
      {failed && (
        <button type="button" onClick={() => drawing.send({ type: "DRAW.RETRY" })}>
          Try hand tracking again
        </button>
      )}
      <div className="draw-pen" role="group" aria-label="Pen">
        <span className="draw-pen-now" role="img" title="Current pen" aria-label={`Pen: ${COLOUR_NAMES[pen.color] ?? pen.color}, size ${level + 1}`}>
          <span style={{ background: pen.color, width: 4 + (level + 1) * 3, height: 4 + (level + 1) * 3 }} />
        </span>
        {PALETTE.map((color) => (
          <button
            key={color}
            type="button"
            className="draw-swatch"
            aria-label={COLOUR_NAMES[color]}
            aria-pressed={pen.color === color}
            style={{ backgroundColor: color }}
            onClick={() => drawing.send({ type: "DRAW.SET_PEN", color })}
          />
        ))}
        <input
          type="range"
          aria-label="Pen thickness"
          min={1}
          max={THICKNESS_LEVELS.length}
          value={Math.max(0, level) + 1}
          onChange={(e) => drawing.send({ type: "DRAW.SET_PEN", width: THICKNESS_LEVELS[Number(e.target.value) - 1] })}
        />
      </div>
      <button
        type="button"
        className="draw-clear"
        title="Clear the drawing for everyone"
        disabled={!anything}
        onClick={() => drawing.send({ type: "DRAW.CLEAR" })}
      >
        <Icon name="eraser" />
        <span>Clear</span>
      </button>
    </section>
  );
}
