/**
 * Measures of the camera's background as another page receives it, on Chromium whose camera is the
 * generated fixture (tests/helpers/fixture-video.ts: a person in front of a checkered wall, so which
 * pixels are the person is known). Used by the background tests of a call with a server, without
 * one, and through the media server.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { fixtureRgb, personAt, writeFixtureY4m } from "../helpers/fixture-video.ts";

const W = 640;
const H = 360;

let clip: string | null = null;
/**
 * The Chromium switch that makes the fixture (a 640x360 clip) the camera. Written once per process:
 * test files share a process, and a browser may still be reading it.
 */
export function fixtureCamera(): string {
  if (!clip) {
    const path = join(tmpdir(), `onelink-bg-${process.pid}.y4m`);
    clip = path;
    writeFixtureY4m(path, W, H, 10);
    // Removed as the test process ends, once every browser reading it has closed (3.4 MB a run otherwise left behind).
    process.on("exit", () => rmSync(path, { force: true }));
  }
  return `--use-file-for-fake-video-capture=${clip}`;
}

/** Sample points: every 4 px (the wall's checks are 8 px, so neighbours alternate in pairs). */
const STEP = 4;
const raw = fixtureRgb(W, H);
const points: { x: number; y: number; where: ReturnType<typeof personAt> }[] = [];
for (let y = STEP / 2; y < H; y += STEP) for (let x = STEP / 2; x < W; x += STEP) points.push({ x, y, where: personAt(x / W, y / H, 0.05) });

/** An init script: counts every offer the page's connections create; a switch that renegotiates shows here. */
export function countOffers() {
  const w = window as unknown as { __offers: number };
  w.__offers = 0;
  const create = RTCPeerConnection.prototype.createOffer;
  RTCPeerConnection.prototype.createOffer = function (this: RTCPeerConnection, ...args: unknown[]) {
    w.__offers++;
    return (create as (...a: unknown[]) => Promise<RTCSessionDescriptionInit>).apply(this, args);
  } as typeof create;
}
export const offers = (page: Page) => page.evaluate(() => (window as unknown as { __offers: number }).__offers);

/**
 * The RGB of the named video at the sample points, scaled to the fixture's size: drawn just after
 * one of its frames was presented (within 2 s), so never from an element between two pictures (a
 * group CI run read one all black, as an element with no current frame draws).
 */
const grab = (page: Page, label: string) =>
  page.evaluate(
    async ({ label, W, H, STEP }) => {
      const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`)!;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        video.requestVideoFrameCallback(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      const canvas = document.createElement("canvas");
      canvas.width = W;
      canvas.height = H;
      const c = canvas.getContext("2d", { willReadFrequently: true })!;
      c.drawImage(video, 0, 0, W, H);
      const data = c.getImageData(0, 0, W, H).data;
      const out: number[] = [];
      for (let y = STEP / 2; y < H; y += STEP)
        for (let x = STEP / 2; x < W; x += STEP) out.push(data[(y * W + x) * 4]!, data[(y * W + x) * 4 + 1]!, data[(y * W + x) * 4 + 2]!);
      return out;
    },
    { label, W, H, STEP },
  );

/**
 * Mean absolute difference from the raw camera, on the wall and on the person (edges left out), and
 * the wall's mean colour, of the video whose label starts with `label`.
 */
export async function compare(page: Page, label: string) {
  const got = await grab(page, label);
  const sum = { wall: 0, person: 0 };
  const n = { wall: 0, person: 0 };
  const wallColour = [0, 0, 0];
  points.forEach((p, i) => {
    if (p.where === "edge") return;
    const at = (p.y * W + p.x) * 3;
    let d = 0;
    for (let k = 0; k < 3; k++) d += Math.abs(got[i * 3 + k]! - raw[at + k]!) / 3;
    sum[p.where] += d;
    n[p.where]++;
    if (p.where === "wall") for (let k = 0; k < 3; k++) wallColour[k]! += got[i * 3 + k]!;
  });
  return { wall: sum.wall / n.wall, person: sum.person / n.person, wallColour: wallColour.map((c) => Math.round(c / n.wall)) };
}

/** Picks a background by its label in the Background list of `scope` (the pre-join screen, the Settings dialog). */
export const chooseBackground = async (scope: Locator | Page, label: string) => scope.getByRole("combobox", { name: "Background" }).selectOption({ label });

/** Whether this page sends a processed camera track (the pipeline is running), read from the local media machine; null before the app's code has started (it runs after the page's load). */
export const processing = (page: Page) =>
  page.evaluate(() => {
    const media = (
      window as never as { __onelink?: { getSnapshot(): { children: Record<string, { getSnapshot(): { context: { processed: MediaStreamTrack | null } } }> } } }
    ).__onelink?.getSnapshot().children.media;
    if (!media) return null;
    return media.getSnapshot().context.processed?.readyState === "live";
  });
