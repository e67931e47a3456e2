/**
 * The drawing over a video: a canvas over the whole video box that paints the strokes of that
 * video's camera (machines/features/drawing.ts) where the picture actually is (as the video's own
 * object-fit shows it: a remote camera whole or filling its tile, the preview filling its box and
 * mirrored, a shared screen whole), and while Draw is on turns mouse,
 * pen and touch input into DRAW.POINTER_* events in the same camera-frame coordinates. A lazy
 * part (ui/lazy.tsx), mounted by Drawing.tsx once there is something to draw or Draw is on; its
 * styles (draw.css) are imported there.
 */
import { useSelector } from "@xstate/react";
import { useEffect, useLayoutEffect, useRef, useState, type PointerEvent } from "react";
import type { DrawingContext } from "../../machines/features/drawing.ts";
import { SELF_FRAME } from "../../machines/features/drawing.ts";
import type { Stroke } from "../../drawing/strokes.ts";
import { useDrawingActor } from "../feature-hooks.ts";

type Fit = "contain" | "cover";
interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where a picture of aspect `aspect` (w/h) sits in a box, as object-fit does it. */
export function pictureRect(boxW: number, boxH: number, aspect: number, fit: Fit): Rect {
  const scale = fit === "contain" ? Math.min(boxW / aspect, boxH) : Math.max(boxW / aspect, boxH);
  const w = aspect * scale;
  const h = scale;
  return { x: (boxW - w) / 2, y: (boxH - h) / 2, w, h };
}

interface View {
  rect: Rect;
  mirrored: boolean;
}
const toScreen = (v: View, p: { x: number; y: number }) => ({ x: v.rect.x + (v.mirrored ? 1 - p.x : p.x) * v.rect.w, y: v.rect.y + p.y * v.rect.h });
const toFrame = (v: View, x: number, y: number) => {
  const fx = (x - v.rect.x) / v.rect.w;
  return { x: Math.min(1, Math.max(0, v.mirrored ? 1 - fx : fx)), y: Math.min(1, Math.max(0, (y - v.rect.y) / v.rect.h)) };
};

/** Paints a stroke's points from index `from` on (the segments it adds; a dot for a one-point stroke). */
function paintStroke(ctx: CanvasRenderingContext2D, view: View, s: Stroke, from: number) {
  const n = s.points.length;
  if (n === 0 || from >= n) return;
  const width = Math.max(1, s.width * view.rect.h);
  ctx.beginPath();
  if (n === 1) {
    const p = toScreen(view, s.points[0]!);
    ctx.fillStyle = s.color;
    ctx.arc(p.x, p.y, width / 2, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  ctx.strokeStyle = s.color;
  ctx.lineWidth = width;
  const first = toScreen(view, s.points[Math.max(0, from - 1)]!);
  ctx.moveTo(first.x, first.y);
  for (let i = Math.max(1, from); i < n; i++) {
    const q = toScreen(view, s.points[i]!);
    ctx.lineTo(q.x, q.y);
  }
  ctx.stroke();
}

/** Painting a whole drawing again happens at most this often (an erase at the hand's rate, a peer's clears). */
const FULL_REPAINT_MS = 100;

/** What the ink canvas holds: these strokes (as they were then), painted in this layout. */
interface Painted {
  layout: string;
  strokes: readonly Stroke[];
}

/**
 * For each stroke already painted, how many of its points are on the canvas, when the new strokes
 * only add to those (new points at the end of a stroke, new strokes at the end); null when
 * something was taken away or changed (an erase, a clear, a snapshot) or the layout changed.
 */
function paintedSoFar(painted: Painted | null, layout: string, strokes: readonly Stroke[]): number[] | null {
  if (!painted || painted.layout !== layout || strokes.length < painted.strokes.length) return null;
  const counts: number[] = [];
  for (let i = 0; i < painted.strokes.length; i++) {
    const a = painted.strokes[i]!;
    const b = strokes[i]!;
    const n = a.points.length;
    if (
      a !== b &&
      (a.id !== b.id ||
        a.color !== b.color ||
        a.width !== b.width ||
        b.points.length < n ||
        (n > 0 && (b.points[0] !== a.points[0] || b.points[n - 1] !== a.points[n - 1])))
    )
      return null;
    counts.push(n);
  }
  return counts;
}

/**
 * Brings the ink canvas up to the doc: only what was added since the last paint, so a stroke op
 * costs what it adds, not what the drawing holds; everything again only after an erase, a clear,
 * a snapshot or a new layout.
 */
function paintInk(ink: HTMLCanvasElement, dpr: number, view: View, strokes: readonly Stroke[], layout: string, from: number[] | null): Painted {
  const ctx = ink.getContext("2d");
  if (!ctx) return { layout, strokes };
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (!from) {
    ctx.clearRect(0, 0, ink.width / dpr, ink.height / dpr);
    from = [];
  }
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (let i = 0; i < strokes.length; i++) paintStroke(ctx, view, strokes[i]!, from[i] ?? 0);
  return { layout, strokes };
}

/** The visible canvas: the ink, and over it where the drawing hand is (the pen's size, or the eraser's circle). */
function compose(canvas: HTMLCanvasElement, ink: HTMLCanvasElement, dpr: number, view: View, cursor: DrawingContext["cursor"], pen: DrawingContext["pen"]) {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(ink, 0, 0);
  if (!cursor) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const c = toScreen(view, cursor.point);
  ctx.beginPath();
  ctx.lineWidth = 2;
  ctx.strokeStyle = cursor.mode === "erase" ? "#ffffff" : pen.color;
  ctx.arc(c.x, c.y, Math.max(4, (cursor.mode === "erase" ? cursor.radius : pen.width / 2) * view.rect.h), 0, Math.PI * 2);
  ctx.stroke();
}

/** The drawing on our own video (`local`) or on the video of participant `peer`. */
export function DrawOverlay({ which, peer = null }: { which: "remote" | "local"; peer?: string | null }) {
  const drawing = useDrawingActor();
  const frame = which === "local" ? SELF_FRAME : peer;
  const on = useSelector(drawing, (s) => (s ? !s.matches("off") : false));
  const doc = useSelector(drawing, (s) => (frame ? s?.context.docs[frame] : undefined));
  const cursor = useSelector(drawing, (s) => (which === "local" ? (s?.context.cursor ?? null) : null));
  const pen = useSelector(drawing, (s) => s?.context.pen ?? { color: "#ffffff", width: 0.01 });
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const activePointer = useRef<number | null>(null);
  /** The strokes, painted as they come (off screen, so the hand's cursor can move over them). */
  const ink = useRef<{ canvas: HTMLCanvasElement; painted: Painted | null } | null>(null);
  const [layout, setLayout] = useState(0);
  /** What the screen shows: the ink's layout, and whether a cursor is over it. */
  const shown = useRef("");
  const shownCursor = useRef(false);
  const lastFull = useRef(-Infinity);
  const fullTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => clearTimeout(fullTimer.current ?? undefined), []);

  /** The picture's place in the canvas, from the video's own size (or the doc's aspect before it plays). */
  const view = (): View | null => {
    const canvas = canvasRef.current;
    const video = canvas?.parentElement?.querySelector("video");
    if (!canvas || !video) return null;
    const aspect = video.videoWidth && video.videoHeight ? video.videoWidth / video.videoHeight : (doc?.aspect ?? 4 / 3);
    // The tile's framing (a phone's upright tile, a group's grid, a double tap) is the video's style.
    const fit: Fit = getComputedStyle(video).objectFit === "cover" ? "cover" : "contain";
    const rect = pictureRect(canvas.clientWidth, canvas.clientHeight, aspect, fit);
    return { rect, mirrored: which === "local" };
  };

  // Repaint on resize and when the video's size changes (a new stream, a rotated phone).
  useEffect(() => {
    const canvas = canvasRef.current;
    const video = canvas?.parentElement?.querySelector("video");
    if (!canvas) return;
    const bump = () => setLayout((n) => n + 1);
    const observer = new ResizeObserver(bump);
    observer.observe(canvas);
    // A double tap switches the tile between the whole picture and filling it: its class changes, not its size.
    const framing = new MutationObserver(bump);
    if (canvas.parentElement) framing.observe(canvas.parentElement, { attributes: true, attributeFilter: ["class"] });
    video?.addEventListener("resize", bump);
    video?.addEventListener("loadedmetadata", bump);
    return () => {
      observer.disconnect();
      framing.disconnect();
      video?.removeEventListener("resize", bump);
      video?.removeEventListener("loadedmetadata", bump);
    };
  }, []);

  useLayoutEffect(() => {
    // Nothing drawn yet and nothing to draw: the canvas stays empty, and its size is not asked
    // for (reading it forces a layout on every render, which slowed joining a call by a lot).
    if (!ink.current?.painted && !doc?.strokes.length && !cursor) return;
    const canvas = canvasRef.current;
    const v = view();
    if (!canvas || !v) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * dpr);
    const h = Math.round(canvas.clientHeight * dpr);
    if (canvas.width !== w || canvas.height !== h) Object.assign(canvas, { width: w, height: h });
    ink.current ??= { canvas: document.createElement("canvas"), painted: null };
    const layer = ink.current;
    if (layer.canvas.width !== w || layer.canvas.height !== h) Object.assign(layer.canvas, { width: w, height: h });
    const scale = w / Math.max(1, canvas.clientWidth);
    const strokesBefore = layer.painted?.strokes;
    const strokes = doc?.strokes ?? [];
    const inkLayout = `${w}x${h}@${scale}|${v.rect.x},${v.rect.y},${v.rect.w},${v.rect.h}|${v.mirrored}`;
    const from = paintedSoFar(layer.painted, inkLayout, strokes);
    const wait = from ? 0 : lastFull.current + FULL_REPAINT_MS - performance.now();
    if (wait > 0) {
      // Painting everything again (after an erase, a clear, a snapshot) at most every FULL_REPAINT_MS.
      fullTimer.current ??= setTimeout(() => {
        fullTimer.current = null;
        setLayout((n) => n + 1);
      }, wait);
    } else {
      if (!from) lastFull.current = performance.now();
      layer.painted = paintInk(layer.canvas, scale, v, strokes, inkLayout, from);
    }
    // Nothing new in ink and no cursor to move: the screen already shows it.
    if (!layer.painted || (layer.painted.strokes === strokesBefore && !cursor && !shownCursor.current && shown.current === layer.painted.layout)) return;
    compose(canvas, layer.canvas, scale, v, cursor, pen);
    shownCursor.current = cursor !== null;
    shown.current = layer.painted.layout;
  });

  const point = (e: { clientX: number; clientY: number }) => {
    const v = view();
    const box = canvasRef.current?.getBoundingClientRect();
    return v && box ? toFrame(v, e.clientX - box.left, e.clientY - box.top) : null;
  };
  const down = (e: PointerEvent<HTMLCanvasElement>) => {
    const p = point(e);
    if (!on || !frame || !drawing || !p || !e.isPrimary) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    activePointer.current = e.pointerId;
    drawing.send({ type: "DRAW.POINTER_DOWN", frame, point: p });
  };
  const move = (e: PointerEvent<HTMLCanvasElement>) => {
    if (activePointer.current !== e.pointerId || !drawing) return;
    const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
    const points = (events.length ? events : [e]).map(point).filter((p) => p !== null);
    if (points.length) drawing.send({ type: "DRAW.POINTER_MOVE", points });
  };
  const up = (e: PointerEvent<HTMLCanvasElement>) => {
    if (activePointer.current !== e.pointerId) return;
    activePointer.current = null;
    drawing?.send({ type: "DRAW.POINTER_UP" });
  };

  return (
    <canvas
      ref={canvasRef}
      className={`draw-overlay${on && frame ? " drawing-on" : ""}`}
      data-frame={frame ?? ""}
      data-layout={layout}
      aria-hidden="true"
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
    />
  );
}
