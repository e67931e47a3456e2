/**
 * A camera fixture with a hand in view, for bench/camera (BENCH_HAND=1): the person fixture
 * (tests/helpers/fixture-video.ts) with the fingerpose photo of a raised index finger (480x640)
 * pasted on its right at 3/4 of the frame's height (BENCH_HAND=2: and the hooked finger of
 * halfcurl.jpg on its left), as a one-frame Y4M clip Chromium loops. Photos are decoded and
 * scaled by Chromium.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { launchBrowser } from "../../tests/e2e/harness.ts";
import { fixtureRgb, writeFixtureY4m } from "../../tests/helpers/fixture-video.ts";

async function photoPixels(photo: string, w: number, h: number): Promise<number[]> {
  const jpeg = readFileSync(resolve(import.meta.dir, `../../node_modules/fingerpose/assets/${photo}.jpg`)).toString("base64");
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

/** `hands` 1: the raised index finger on the right; 2: the hooked one (halfcurl.jpg) on the left too. */
export async function writeHandFixtureY4m(path: string, width: number, height: number, hands: 1 | 2 = 1): Promise<void> {
  const rgb = fixtureRgb(width, height);
  const ph = Math.round((height * 3) / 4);
  const pw = Math.round((ph * 480) / 640);
  const top = height - ph;
  const photos: [string, number][] = [["nocurl", Math.round(width * 0.7)]];
  if (hands === 2) photos.push(["halfcurl", Math.round(width * 0.05)]);
  for (const [photo, left] of photos) {
    const pixels = await photoPixels(photo, pw, ph);
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw && left + x < width; x++) {
        const i = (y * pw + x) * 4;
        rgb.set([pixels[i]!, pixels[i + 1]!, pixels[i + 2]!], ((top + y) * width + left + x) * 3);
      }
  }
  writeFixtureY4m(path, width, height, 1, rgb);
}
