/**
 * The drawing's parts that are always in the call's view: "Draw" in the call controls, and the
 * places of the drawing over each video and of the drawing panel. Their code (DrawOverlay.tsx and
 * DrawControls.tsx, one chunk: drawing-parts.ts) is a lazy part, fetched once a stroke comes or
 * Draw is turned on, or once the call is up. The strokes live in the drawing actor the call
 * invokes while in a room (snapshot.children.drawing), so those that came before the overlay's
 * code are painted when it mounts.
 */
import { useSelector } from "@xstate/react";
import { SELF_FRAME } from "../../machines/features/drawing.ts";
import { loadHandTracking } from "../../machines/features/hands-on-demand.ts";
import "../draw.css";
import { useDrawingActor } from "../feature-hooks.ts";
import { Later, lazyPart, OnceWanted, preloadAlso, usePreloaded } from "../lazy.tsx";
import { Icon } from "./Icon.tsx";

const DrawOverlay = lazyPart(() => import("./drawing-parts.ts").then((m) => m.DrawOverlay));
const DrawPanel = lazyPart(() => import("./drawing-parts.ts").then((m) => m.DrawPanel));
// Fetched with the panels once the call is up: turning hand drawing on then waits for the model only.
preloadAlso(loadHandTracking);

export function DrawButton() {
  const drawing = useDrawingActor();
  const on = useSelector(drawing, (s) => (s ? !s.matches("off") : false));
  return (
    <button
      type="button"
      className="draw-toggle"
      aria-pressed={on}
      disabled={!drawing}
      title={on ? "Stop drawing" : "Draw on the video with your hand, mouse or finger"}
      onClick={() => drawing?.send({ type: "DRAW.TOGGLE" })}
    >
      <Icon name="draw" />
      <span className="label">Draw</span>
    </button>
  );
}

/**
 * The drawing on our own video (`local`) or on the video of participant `peer`: from its first
 * stroke or Draw turned on, or once the code is there anyway (the call is up: usePreloaded).
 */
export function DrawingLayer({ which, peer = null }: { which: "remote" | "local"; peer?: string | null }) {
  const drawing = useDrawingActor();
  const frame = which === "local" ? SELF_FRAME : peer;
  const wanted = useSelector(drawing, (s) => (s ? !s.matches("off") || (frame !== null && (s.context.docs[frame]?.strokes.length ?? 0) > 0) : false));
  const preloaded = usePreloaded();
  return (
    <OnceWanted wanted={wanted || preloaded}>
      <DrawOverlay which={which} peer={peer} />
    </OnceWanted>
  );
}

/** The drawing panel, while Draw is on. */
export function DrawingTools() {
  const drawing = useDrawingActor();
  const on = useSelector(drawing, (s) => (s ? !s.matches("off") : false));
  return on ? (
    <Later>
      <DrawPanel />
    </Later>
  ) : null;
}
