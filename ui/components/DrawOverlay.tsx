/**
 * The drawing over a video: a canvas over the whole video box that paints the strokes of that
 * video's camera (machines/drawing.ts) where the picture actually is (object-fit contain for the
 * remote video, cover for the preview, which is also mirrored), and while Draw is on turns mouse,
 * pen and touch input into DRAW.POINTER_* events in the same camera-frame coordinates.
 */
import { useSelector } from "@xstate/react";
import { useEffect, useLayoutEffect, useRef, useState, type PointerEvent } from "react";
import type { DrawingActor, DrawingContext } from "../../machines/drawing.ts";
import { SELF_FRAME } from "../../machines/drawing.ts";
import type { StrokeDoc } from "../../workers/strokes.ts";
import { useCallActor } from "../call-context.tsx";
import { mainPeer } from "../selectors.ts";
import "../draw.css";

export function useDrawingActor(): DrawingActor | undefined {
  const call = useCallActor();
  return useSelector(call, (s) => s.children.drawing as DrawingActor | undefined);
}

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

function paint(canvas: HTMLCanvasElement, view: View, doc: StrokeDoc | undefined, cursor: DrawingContext["cursor"], pen: DrawingContext["pen"]) {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const dpr = canvas.width / Math.max(1, canvas.clientWidth);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const s of doc?.strokes ?? []) {
    if (s.points.length === 0) continue;
    const width = Math.max(1, s.width * view.rect.h);
    const first = toScreen(view, s.points[0]!);
    ctx.beginPath();
    if (s.points.length === 1) {
      ctx.fillStyle = s.color;
      ctx.arc(first.x, first.y, width / 2, 0, Math.PI * 2);
      ctx.fill();
      continue;
    }
    ctx.strokeStyle = s.color;
    ctx.lineWidth = width;
    ctx.moveTo(first.x, first.y);
    for (const p of s.points.slice(1)) {
      const q = toScreen(view, p);
      ctx.lineTo(q.x, q.y);
    }
    ctx.stroke();
  }
  if (!cursor) return;
  // Where the drawing hand is: the pen's size, or the eraser's circle.
  const c = toScreen(view, cursor.point);
  ctx.beginPath();
  ctx.lineWidth = 2;
  ctx.strokeStyle = cursor.mode === "erase" ? "#ffffff" : pen.color;
  ctx.arc(c.x, c.y, Math.max(4, (cursor.mode === "erase" ? cursor.radius : pen.width / 2) * view.rect.h), 0, Math.PI * 2);
  ctx.stroke();
}

export function DrawOverlay({ which }: { which: "remote" | "local" }) {
  const drawing = useDrawingActor();
  const peerId = useSelector(useCallActor(), (s) => mainPeer(s)?.id ?? null);
  const frame = which === "local" ? SELF_FRAME : peerId;
  const on = useSelector(drawing, (s) => (s ? !s.matches("off") : false));
  const doc = useSelector(drawing, (s) => (frame ? s?.context.docs[frame] : undefined));
  const cursor = useSelector(drawing, (s) => (which === "local" ? (s?.context.cursor ?? null) : null));
  const pen = useSelector(drawing, (s) => s?.context.pen ?? { color: "#ffffff", width: 0.01 });
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const activePointer = useRef<number | null>(null);
  const [layout, setLayout] = useState(0);

  /** The picture's place in the canvas, from the video's own size (or the doc's aspect before it plays). */
  const view = (): View | null => {
    const canvas = canvasRef.current;
    const video = canvas?.parentElement?.querySelector("video");
    if (!canvas || !video) return null;
    const aspect = video.videoWidth && video.videoHeight ? video.videoWidth / video.videoHeight : (doc?.aspect ?? 4 / 3);
    const rect = pictureRect(canvas.clientWidth, canvas.clientHeight, aspect, which === "remote" ? "contain" : "cover");
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
    video?.addEventListener("resize", bump);
    video?.addEventListener("loadedmetadata", bump);
    return () => {
      observer.disconnect();
      video?.removeEventListener("resize", bump);
      video?.removeEventListener("loadedmetadata", bump);
    };
  }, []);

  useLayoutEffect(() => {
    const canvas = canvasRef.current;
    const v = view();
    if (!canvas || !v) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * dpr);
    const h = Math.round(canvas.clientHeight * dpr);
    if (canvas.width !== w || canvas.height !== h) Object.assign(canvas, { width: w, height: h });
    paint(canvas, v, doc, cursor, pen);
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
