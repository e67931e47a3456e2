/**
 * What the drawing takes from each peer: a budget per peer (bytes, ops, ink) refilled with time,
 * and a log of what was dropped that never floods the console.
 */
import { CHANNEL_BYTE_BUDGET } from "../../protocol/peer-wire.ts";

/**
 * What each peer may send on the drawing channel: bytes (what decoding costs) and ops (what
 * applying costs; an erase, which walks the whole drawing, counts ERASE_COST) as token buckets.
 * Drawing by hand or pointer stays far below (a fast stroke is a few kB and ~100 ops a second);
 * the burst lets the two snapshots of a channel opening through. Over the rate, frames are
 * dropped before they are decoded. Ink (the length of line added, DRAW_MAX_DOC_LENGTH) is what
 * painting costs (a software raster fills every pixel of a wide line: 60 units at once took
 * 100-300 ms): a peer may add 15 frame units at once, then 10 a second (a hand draws a few a
 * second, a point at a time); a frame over it is dropped whole.
 */
export const DRAW_RATE = {
  burstBytes: CHANNEL_BYTE_BUDGET.draw.burst,
  bytesPerSecond: CHANNEL_BYTE_BUDGET.draw.perSecond,
  burstOps: 2048,
  opsPerSecond: 512,
  eraseCost: 16,
  burstInk: 15,
  inkPerSecond: 10,
} as const;

/** Per peer: what is left of its budget, and the drops not yet reported. */
export interface PeerReceipt {
  bytes: number;
  ops: number;
  ink: number;
  at: number;
  dropped: number;
  why: string;
  loggedAt: number;
}
/** Dropped frames are logged once at first, then at most this often (a flood must not flood the console). */
const DROP_LOG_MS = 5000;

/** A peer's first frame: a full budget. */
export const newReceipt = (now: number): PeerReceipt => ({
  bytes: DRAW_RATE.burstBytes,
  ops: DRAW_RATE.burstOps,
  ink: DRAW_RATE.burstInk,
  at: now,
  dropped: 0,
  why: "",
  loggedAt: Number.NEGATIVE_INFINITY,
});

/** Takes a frame's cost from the peer's budget; false (and nothing taken) when it has not enough left. */
export function spend(r: PeerReceipt, now: number, bytes: number, ops: number, ink = 0): boolean {
  const dt = Math.max(0, now - r.at) / 1000;
  r.at = now;
  r.bytes = Math.min(DRAW_RATE.burstBytes, r.bytes + dt * DRAW_RATE.bytesPerSecond);
  r.ops = Math.min(DRAW_RATE.burstOps, r.ops + dt * DRAW_RATE.opsPerSecond);
  r.ink = Math.min(DRAW_RATE.burstInk, r.ink + dt * DRAW_RATE.inkPerSecond);
  if (r.bytes < bytes || r.ops < ops || r.ink < ink) return false;
  r.bytes -= bytes;
  r.ops -= ops;
  r.ink -= ink;
  return true;
}

/** Notes a dropped (or cut) frame; logs the first, then a count at most every DROP_LOG_MS. */
export function dropped(r: PeerReceipt, peer: string, now: number, why: string) {
  r.dropped++;
  r.why = why;
  if (now - r.loggedAt < DROP_LOG_MS) return;
  console.warn(`drawing: dropped ${r.dropped} frame(s) from ${peer}: ${why}`);
  r.dropped = 0;
  r.loggedAt = now;
}
