/**
 * A scripted peer on the drawing data channel, for tests/e2e/hostile-draw.test.ts and
 * bench/draw/flood.bench.ts: page A's own "draw" RTCDataChannel (recorded by an init script) sends
 * raw msgpack frames, built here in the shape protocol/draw-wire.ts encodes, with no check of the
 * app's limits on the sending side.
 */
import { Packr } from "msgpackr";
import type { Page } from "playwright-core";
import { DRAW_MAX_ADD_POINTS, DRAW_MAX_FRAME_POINTS, DRAW_MAX_OPS, DRAW_WIRE_VERSION, POINT_SCALE } from "../../protocol/draw-wire.ts";
import { PALETTE, THICKNESS_LEVELS } from "../../drawing/gestures.ts";

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
/** msgpack bytes as a draw-wire frame is sent (anything at all: no validation). */
export const rawFrame = (x: unknown): number[] => Array.from(packr.pack(x) as Uint8Array);

/** The page's participant id in the room: its camera's frame on the drawing wire. */
export const selfId = (page: Page) =>
  page.evaluate(() => (window as unknown as { __onelink: { getSnapshot(): { context: { self: string | null } } } }).__onelink.getSnapshot().context.self);

export { recordDataChannels } from "./harness.ts";

/** Init script: records long tasks of the page (PerformanceObserver "longtask") in `window.__longTasks`. */
export function recordLongTasks() {
  const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
  w.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
}

const SOURCE = "flood";
const SEQ_DIGITS = 12;
const token = (k: number) => `${SOURCE}:${String(k).padStart(SEQ_DIGITS, "0")}`;

/**
 * The largest valid ops frame: a new stroke and 63 adds sharing the frame's points, scattered over the
 * whole frame (long lines: the most ink per point). Op ids are `flood:<12 digits>`; the page
 * rewrites those digits for every frame it sends so each frame's ops are new (seq k of the
 * template becomes n * 64 + k + 1 in frame n), and the stroke id is the begin op's id.
 */
export function floodTemplate(camera: string): { bytes: number[]; seqAt: number[] } {
  const rand = () => Math.floor(Math.random() * (POINT_SCALE + 1));
  const ops: unknown[] = [{ type: "begin", id: token(0), strokeId: token(0), color: PALETTE[0], width: THICKNESS_LEVELS[1], point: [rand(), rand()] }];
  const perAdd = Math.min(DRAW_MAX_ADD_POINTS, Math.floor((DRAW_MAX_FRAME_POINTS - 1) / (DRAW_MAX_OPS - 1)));
  for (let k = 1; k < DRAW_MAX_OPS; k++) {
    ops.push({ type: "add", id: token(k), strokeId: token(0), points: Array.from({ length: 2 * perAdd }, rand) });
  }
  const bytes = rawFrame({ v: DRAW_WIRE_VERSION, type: "ops", frame: camera, ops });
  const marker = new TextEncoder().encode(`${SOURCE}:`);
  const seqAt: number[] = [];
  outer: for (let i = 0; i + marker.length + SEQ_DIGITS <= bytes.length; i++) {
    for (let j = 0; j < marker.length; j++) if (bytes[i + j] !== marker[j]) continue outer;
    seqAt.push(i + marker.length);
  }
  return { bytes, seqAt };
}

export interface FloodResult {
  frames: number;
  bytes: number;
  ms: number;
  /** The receiver closed the channel (it cut the flood off). */
  closed: boolean;
}

/**
 * Page A sends the template's frames on its open "draw" channel as fast as the channel takes
 * them (keeping up to 4 MB queued) for `ms`, then waits for the queue to drain (up to 30 s).
 */
export async function flood(page: Page, ms: number, firstFrame = 0): Promise<FloodResult> {
  // On the sender's own camera.
  const template = floodTemplate((await selfId(page)) ?? "");
  return page.evaluate(
    async ({ template, ms, firstFrame, digits }) => {
      const channel = (window as unknown as { __channels: RTCDataChannel[] }).__channels.find((c) => c.label === "draw" && c.readyState === "open");
      if (!channel) throw new Error("no open draw channel");
      const bytes = new Uint8Array(template.bytes);
      const t0 = performance.now();
      let frames = 0;
      let sent = 0;
      const HIGH = 4 << 20;
      channel.bufferedAmountLowThreshold = 1 << 20;
      while (performance.now() - t0 < ms) {
        if (channel.bufferedAmount > HIGH) {
          await new Promise<void>((r) => {
            const timer = setTimeout(r, 200);
            channel.addEventListener("bufferedamountlow", () => (clearTimeout(timer), r()), { once: true });
          });
          continue;
        }
        const n = firstFrame + frames;
        const frame = bytes.slice();
        for (const at of template.seqAt) {
          let k = 0;
          for (let d = 0; d < digits; d++) k = k * 10 + (bytes[at + d]! - 48);
          const seq = String(n * 64 + k + 1).padStart(digits, "0");
          for (let d = 0; d < digits; d++) frame[at + d] = seq.charCodeAt(d);
        }
        if (channel.readyState !== "open") break; // the receiver cut the flood off
        try {
          channel.send(frame);
        } catch {
          break;
        }
        frames++;
        sent += frame.byteLength;
        if (frames % 16 === 0) await new Promise((r) => setTimeout(r, 0)); // let A's own page breathe
      }
      const drainBy = performance.now() + 30_000;
      while (channel.readyState === "open" && channel.bufferedAmount > 0 && performance.now() < drainBy) await new Promise((r) => setTimeout(r, 50));
      return { frames, bytes: sent, ms: performance.now() - t0, closed: channel.readyState !== "open" };
    },
    { template, ms, firstFrame, digits: SEQ_DIGITS },
  );
}

/** Sends prepared raw frames once each on page A's "draw" channel. */
export function sendRaw(page: Page, frames: number[][]): Promise<void> {
  return page.evaluate((frames) => {
    const channel = (window as unknown as { __channels: RTCDataChannel[] }).__channels.find((c) => c.label === "draw" && c.readyState === "open");
    if (!channel) throw new Error("no open draw channel");
    for (const f of frames) channel.send(new Uint8Array(f));
  }, frames);
}

export interface DrawDocSummary {
  strokes: number;
  points: number;
  /** Length of all its lines, in frame units. */
  length: number;
  maxStrokePoints: number;
  sources: number;
  colors: string[];
  widths: number[];
  allFinite: boolean;
}

/** What page B's drawing holds for each frame (read through the call actor the page exposes). */
export function drawDocs(page: Page, timeout = 10_000): Promise<Record<string, DrawDocSummary>> {
  const read = page.evaluate(() => {
    type Doc = { strokes: { points: { x: number; y: number }[]; color: string; width: number }[]; applied: Record<string, number> };
    type Snap = { children: Record<string, { getSnapshot(): { context: { docs: Record<string, Doc> } } }> };
    const call = (window as unknown as { __onelink: { getSnapshot(): Snap } }).__onelink.getSnapshot();
    const docs = call.children.drawing!.getSnapshot().context.docs;
    const out: Record<string, unknown> = {};
    for (const [frame, d] of Object.entries(docs)) {
      out[frame] = {
        strokes: d.strokes.length,
        points: d.strokes.reduce((n, s) => n + s.points.length, 0),
        length: d.strokes.reduce(
          (n, s) => n + s.points.reduce((m, p, i) => (i ? m + Math.hypot(p.x - s.points[i - 1]!.x, p.y - s.points[i - 1]!.y) : 0), 0),
          0,
        ),
        maxStrokePoints: d.strokes.reduce((n, s) => Math.max(n, s.points.length), 0),
        sources: Object.keys(d.applied).length,
        colors: [...new Set(d.strokes.map((s) => s.color))],
        widths: [...new Set(d.strokes.map((s) => s.width))],
        allFinite: d.strokes.every((s) => s.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)),
      };
    }
    return out as Record<string, DrawDocSummary>;
  });
  return Promise.race([read, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the page did not answer in ${timeout} ms`)), timeout))]);
}
