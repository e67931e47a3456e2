/**
 * A hostile peer on the drawing data channel: page A's script sends raw frames on the app's own
 * "draw" channel (the real data channel, nothing stubbed): junk values, over-limit documents, and a
 * few seconds of the largest frames the wire allows, as fast as the channel takes them. Page B
 * must stay usable (a click works, its remote video keeps playing, its own drawing works) and cuts the flooder off
 * and keep its drawing within the limits.
 */
import { describe, expect, test } from "bun:test";
import {
  DRAW_MAX_DOC_LENGTH,
  DRAW_MAX_DOC_POINTS,
  DRAW_MAX_SOURCES,
  DRAW_MAX_STROKE_POINTS,
  DRAW_MAX_STROKES,
  DRAW_WIRE_VERSION,
} from "../../protocol/draw-wire.ts";
import { PALETTE, THICKNESS_LEVELS } from "../../drawing/gestures.ts";
import { drawDocs, flood, rawFrame, recordDataChannels, selfId, sendRaw } from "./draw-flood.ts";
import { moreButton, expectAttribute, newPerson, openCallLink, useAppAndBrowser, waitFor, waitForNewFrames, waitForStatus } from "./harness.ts";

const ctx = useAppAndBrowser();

/** Frames on A's own camera that must be refused or cut down to the limits (seqs from 1; the flood's source differs). */
function junkFrames(camera: string): number[][] {
  const begin = (id: string, extra: Record<string, unknown> = {}) => ({
    type: "begin",
    id,
    strokeId: id,
    color: PALETTE[1],
    width: THICKNESS_LEVELS[2],
    point: [100, 100],
    ...extra,
  });
  const v = DRAW_WIRE_VERSION;
  const ops = (...ops: unknown[]) => rawFrame({ v, type: "ops", frame: camera, ops });
  const snapshot = (strokes: unknown[], applied: Record<string, number> = {}) =>
    rawFrame({ v, type: "snapshot", frame: camera, doc: { strokes, applied, aspect: 4 / 3 } });
  const line = (n: number) => Array.from({ length: 2 * n }, (_, i) => (i * 37) % 10_001);
  return [
    ops(begin("j:1", { point: [Number.NaN, 5] })),
    ops(begin("j:2", { point: [Number.POSITIVE_INFINITY, 5] })),
    ops(begin("j:3", { point: [1e308, 5] })),
    ops(begin("j:4", { color: "#123456" })),
    ops(begin("j:5", { width: 0.2 })),
    ops(begin("j:6"), { type: "add", id: "j:7", strokeId: "j:6", points: [5, Number.NaN] }),
    // Strokes from ever new sources: the record of what was applied must not grow without end.
    ...Array.from({ length: 12 }, (_, f) => ops(...Array.from({ length: 64 }, (_, k) => ({ type: "end", id: `s${f * 64 + k}:1`, strokeId: "none" })))),
    // Over-limit snapshots: too many strokes, too many points in all.
    snapshot(
      Array.from({ length: DRAW_MAX_STROKES + 500 }, (_, i) => ({ id: `x${i}`, color: PALETTE[0], width: THICKNESS_LEVELS[0], points: [1, 1], done: true })),
    ),
    snapshot(Array.from({ length: 40 }, (_, i) => ({ id: `y${i}`, color: PALETTE[0], width: THICKNESS_LEVELS[0], points: line(1000), done: true }))),
  ];
}

describe("a hostile peer on the drawing channel", () => {
  test("junk and a flood of the largest frames: B stays responsive and its drawing stays within the limits", async () => {
    const people = await Promise.all([newPerson(ctx.browser, ctx.app.url), newPerson(ctx.browser, ctx.app.url)]);
    const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
    try {
      await a.context.addInitScript(recordDataChannels);
      const room = crypto.randomUUID();
      await openCallLink(a.page, `${ctx.app.url}/c/${room}`);
      await waitForStatus(a.page, "Waiting for someone to join", 20_000);
      await openCallLink(b.page, `${ctx.app.url}/c/${room}`);
      await Promise.all([waitForStatus(a.page, "Connected", 30_000), waitForStatus(b.page, "Connected", 30_000)]);
      await waitForNewFrames(b.page, "Remote video", 3, 20_000);
      await waitFor(
        () =>
          a.page.evaluate(() => (window as unknown as { __channels: RTCDataChannel[] }).__channels.some((c) => c.label === "draw" && c.readyState === "open")),
        (open) => open,
        20_000,
      );
      const aId = (await selfId(a.page))!;

      await sendRaw(a.page, junkFrames(aId));
      // The largest frames until B cuts the flooder off (the flood stops then). The cut-off counts
      // bytes past the budget, so how soon it comes follows how fast this machine delivers them: a
      // CPU-starved pair took more than 10 s; 30 s bounds it.
      const flooding = flood(a.page, 30_000);
      // While the frames pour in: a control still answers, the remote video still plays.
      const draw = await moreButton(b.page, "Draw");
      await draw.click({ timeout: 10_000 });
      await expectAttribute(draw, "aria-pressed", "true");
      await waitForNewFrames(b.page, "Remote video", 5, 10_000);
      const sent = await flooding;
      expect(sent.frames).toBeGreaterThan(20);

      // Whatever B took of it (the flood's lines carry more ink than a peer may add at once: maybe nothing).
      const docs = await drawDocs(b.page);
      const flooded = docs[aId] ?? { strokes: 0, points: 0, length: 0, maxStrokePoints: 0, sources: 0, allFinite: true, colors: [], widths: [] };
      expect(flooded.strokes).toBeLessThanOrEqual(DRAW_MAX_STROKES);
      expect(flooded.points).toBeLessThanOrEqual(DRAW_MAX_DOC_POINTS);
      expect(flooded.length).toBeLessThanOrEqual(DRAW_MAX_DOC_LENGTH + 1e-6);
      expect(flooded.maxStrokePoints).toBeLessThanOrEqual(DRAW_MAX_STROKE_POINTS);
      expect(flooded.sources).toBeLessThanOrEqual(DRAW_MAX_SOURCES);
      expect(flooded.allFinite).toBe(true);
      expect(flooded.colors.every((c) => (PALETTE as readonly string[]).includes(c))).toBe(true);
      expect(flooded.widths.every((w) => (THICKNESS_LEVELS as readonly number[]).includes(w))).toBe(true);

      // The flooder is cut off: B closed the drawing channel, which stops the flood at its source.
      expect(sent.closed).toBe(true);
      // B still draws: a stroke on its own picture lands in its drawing.
      const own = await b.page.locator(".local video").boundingBox();
      await b.page.mouse.move(own!.x + own!.width * 0.3, own!.y + own!.height * 0.5);
      await b.page.mouse.down();
      await b.page.mouse.move(own!.x + own!.width * 0.6, own!.y + own!.height * 0.5, { steps: 10 });
      await b.page.mouse.up();
      await waitFor(
        () => drawDocs(b.page),
        (d) => (d.self?.strokes ?? 0) === 1,
        10_000,
      );
      await waitForNewFrames(b.page, "Remote video", 5, 10_000);
    } finally {
      await Promise.all(people.map((p) => p.context.close()));
    }
  }, 120_000);
});
