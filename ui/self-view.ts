/**
 * Where the self view sits: one of the stage's four corners, chosen by dragging it (it snaps to
 * the nearest corner on release), by arrow keys while it has focus, or by "Move self view" in
 * More. Kept for this tab's session (sessionStorage), shared by the stage and the controls.
 */
import { useSyncExternalStore } from "react";
import { readStored, writeStored } from "../machines/storage.ts";

export const CORNERS = ["bottom-right", "bottom-left", "top-left", "top-right"] as const;
export type Corner = (typeof CORNERS)[number];

const KEY = "onelink.selfCorner";
const isCorner = (text: string): text is Corner => (CORNERS as readonly string[]).includes(text);

let corner: Corner | null = null;
const listeners = new Set<() => void>();

export function selfCorner(): Corner {
  corner ??= (readStored("session", KEY, isCorner) as Corner | null) ?? "bottom-right";
  return corner;
}

export function setSelfCorner(next: Corner) {
  if (next === selfCorner()) return;
  corner = next;
  writeStored("session", KEY, next);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export const useSelfCorner = (): Corner => useSyncExternalStore(subscribe, selfCorner, selfCorner);

/** The corner nearest to a point of the stage (the dragged view's centre), in the stage's own pixels. */
export function nearestCorner(x: number, y: number, width: number, height: number): Corner {
  const top = y < height / 2;
  const left = x < width / 2;
  return top ? (left ? "top-left" : "top-right") : left ? "bottom-left" : "bottom-right";
}

/** The corner an arrow key moves to: left/right change the side, up/down the edge; null for other keys. */
export function cornerAfterKey(from: Corner, key: string): Corner | null {
  const [edge, side] = from.split("-") as ["top" | "bottom", "left" | "right"];
  switch (key) {
    case "ArrowUp":
      return `top-${side}`;
    case "ArrowDown":
      return `bottom-${side}`;
    case "ArrowLeft":
      return `${edge}-left`;
    case "ArrowRight":
      return `${edge}-right`;
    default:
      return null;
  }
}

/** The next corner clockwise, for "Move self view" in More. */
export const nextCorner = (from: Corner): Corner => CORNERS[(CORNERS.indexOf(from) + 1) % CORNERS.length]!;

/**
 * Where the dragged view may go: its offset from where it sits, kept inside the stage (a margin of
 * `margin` px from each edge), so it can never be dragged over the controls below the stage.
 */
export function clampDrag(
  dx: number,
  dy: number,
  view: { left: number; top: number; width: number; height: number },
  stage: { left: number; top: number; width: number; height: number },
  margin = 0,
): { dx: number; dy: number } {
  const minX = stage.left + margin - view.left;
  const maxX = stage.left + stage.width - margin - (view.left + view.width);
  const minY = stage.top + margin - view.top;
  const maxY = stage.top + stage.height - margin - (view.top + view.height);
  return { dx: Math.min(Math.max(dx, minX), maxX), dy: Math.min(Math.max(dy, minY), maxY) };
}
