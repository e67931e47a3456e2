/**
 * A fake camera showing a hand: the fingerpose photo of a raised index finger (480x640) fitted
 * into 640x480 frames, decoded by Chromium and written as a Y4M clip Chromium plays as the camera
 * (`--use-file-for-fake-video-capture`). The raised index fingertip is about (220, 105) in the
 * photo, which fills x 140..500 of the frame at 0.75 scale: HAND_TIP in frame coordinates.
 * Also what the tests read back: the drawing machine's hand pointer.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";

/** Software WebGL, so the hand tracker can really load (it needs a WebGL2 context). */
export const SOFTWARE_WEBGL = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"];
export const HAND_TIP = { x: (140 + 220 * 0.75) / 640, y: (105 * 0.75) / 480 };

/** Writes the clip and returns its path; the caller removes it. */
export async function handCamera(browser: Browser): Promise<string> {
  const page = await browser.newPage();
  try {
    const jpeg = readFileSync(resolve(import.meta.dir, "../../node_modules/fingerpose/assets/nocurl.jpg")).toString("base64");
    const rgba = await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const img = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }));
      const ctx = new OffscreenCanvas(640, 480).getContext("2d")!;
      ctx.fillStyle = "#405060";
      ctx.fillRect(0, 0, 640, 480);
      ctx.drawImage(img, 140, 0, 360, 480);
      return Array.from(ctx.getImageData(0, 0, 640, 480).data);
    }, jpeg);
    const W = 640;
    const H = 480;
    const frame = new Uint8Array(W * H * 1.5);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 4;
        const [r, g, b] = [rgba[i]!, rgba[i + 1]!, rgba[i + 2]!];
        frame[y * W + x] = 0.299 * r + 0.587 * g + 0.114 * b;
        if (y % 2 || x % 2) continue;
        const c = (y / 2) * (W / 2) + x / 2;
        frame[W * H + c] = 128 - 0.1687 * r - 0.3313 * g + 0.5 * b;
        frame[W * H * 1.25 + c] = 128 + 0.5 * r - 0.4187 * g - 0.0813 * b;
      }
    }
    const path = join(tmpdir(), `onelink-hand-${process.pid}-${crypto.randomUUID().slice(0, 8)}.y4m`);
    const header = new TextEncoder().encode(`YUV4MPEG2 W${W} H${H} F30:1 Ip A1:1 C420jpeg\n`);
    const marker = new TextEncoder().encode("FRAME\n");
    writeFileSync(path, Buffer.concat([header, marker, frame, marker, frame]));
    return path;
  } finally {
    await page.close();
  }
}

/** The drawing machine's state and hand pointer (null: no hand seen), read through the call actor the page exposes. */
export const cursorOf = (page: Page) =>
  page.evaluate(() => {
    const call = (
      window as unknown as {
        __onelink: { getSnapshot(): { children: Record<string, { getSnapshot(): { value: unknown; context: { cursor: unknown } } }> } };
      }
    ).__onelink;
    const d = call.getSnapshot().children.drawing!.getSnapshot();
    return JSON.parse(JSON.stringify({ value: d.value, cursor: d.context.cursor })) as {
      value: unknown;
      cursor: { mode: string; point: { x: number; y: number } } | null;
    };
  });
