/**
 * A camera fixture with a hand in view, for bench/camera (BENCH_HAND=1): the person fixture
 * (tests/helpers/fixture-video.ts) with the fingerpose photo of a raised index finger (480x640)
 * pasted on its right at 3/4 of the frame's height, as a one-frame Y4M clip Chromium loops. The
 * photo is decoded and scaled by Chromium.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { launchBrowser } from "../../tests/e2e/harness.ts";
import { fixtureRgb, writeFixtureY4m } from "../../tests/helpers/fixture-video.ts";

async function handPixels(w: number, h: number): Promise<number[]> {
  const jpeg = readFileSync(resolve(import.meta.dir, "../../node_modules/fingerpose/assets/nocurl.jpg")).toString("base64");
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    return await page.evaluate(
      async ({ b64, w, h }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const img = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }));
        const ctx = new OffscreenCanvas(w, h).getContext("2d")!;
        ctx.drawImage(img, 0, 0, w, h);
        return Array.from(ctx.getImageData(0, 0, w, h).data);
      },
      { b64: jpeg, w, h },
    );
  } finally {
    await browser.close();
  }
}

export async function writeHandFixtureY4m(path: string, width: number, height: number): Promise<void> {
  const rgb = fixtureRgb(width, height);
  const ph = Math.round((height * 3) / 4);
  const pw = Math.round((ph * 480) / 640);
  const left = Math.round(width * 0.7);
  const top = height - ph;
  const hand = await handPixels(pw, ph);
  for (let y = 0; y < ph; y++)
    for (let x = 0; x < pw && left + x < width; x++) {
      const i = (y * pw + x) * 4;
      rgb.set([hand[i]!, hand[i + 1]!, hand[i + 2]!], ((top + y) * width + left + x) * 3);
    }
  writeFixtureY4m(path, width, height, 1, rgb);
}
