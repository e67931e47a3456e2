/**
 * Writes a 1920x1080 60 fps Y4M clip with moving content (a panning textured scene and a
 * bouncing sprite) so a video encoder has real work to do. Chromium loops it when it is passed
 * with --use-file-for-fake-video-capture. Usage: bun bench/media/make-y4m.ts [out] [seconds]
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from "node:fs";

export const WIDTH = 1920;
export const HEIGHT = 1080;
export const FPS = 60;

export function makeY4m(path: string, seconds = 2): string {
  const frames = Math.round(seconds * FPS);
  const ySize = WIDTH * HEIGHT;
  const cSize = ySize / 4;
  const header = `YUV4MPEG2 W${WIDTH} H${HEIGHT} F${FPS}:1 Ip A1:1 C420jpeg\n`;
  const total = header.length + frames * (6 + ySize + 2 * cSize);
  if (existsSync(path) && statSync(path).size === total) return path;

  // A texture twice as wide as the frame: smooth gradients plus fine detail, panned each frame.
  const texW = WIDTH * 2;
  const tex = new Uint8Array(texW * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < texW; x++) {
      const smooth = 96 + 60 * Math.sin(x / 97) * Math.cos(y / 83);
      const detail = ((x >> 5) ^ (y >> 5)) & 1 ? 12 : -12;
      tex[y * texW + x] = Math.max(16, Math.min(235, smooth + detail));
    }
  }
  const fd = openSync(path, "w");
  writeSync(fd, header);
  const frame = new Uint8Array(6 + ySize + 2 * cSize);
  frame.set(new TextEncoder().encode("FRAME\n"));
  const Y = frame.subarray(6, 6 + ySize);
  const U = frame.subarray(6 + ySize, 6 + ySize + cSize);
  const V = frame.subarray(6 + ySize + cSize);
  for (let f = 0; f < frames; f++) {
    const t = f / frames; // 0..1 over the clip; the pan returns to its start so the loop is seamless
    const pan = Math.round((WIDTH / 3) * (0.5 - 0.5 * Math.cos(2 * Math.PI * t)));
    for (let y = 0; y < HEIGHT; y++) Y.set(tex.subarray(y * texW + pan, y * texW + pan + WIDTH), y * WIDTH);
    // A bright sprite bouncing around, with a frame counter stripe so every frame differs.
    const sx = Math.round((WIDTH - 300) * (0.5 + 0.5 * Math.sin(2 * Math.PI * t)));
    const sy = Math.round((HEIGHT - 300) * (0.5 + 0.5 * Math.sin(4 * Math.PI * t)));
    for (let y = sy; y < sy + 300; y++) Y.fill(200 + ((y - sy) % 30), y * WIDTH + sx, y * WIDTH + sx + 300);
    for (let y = 0; y < 24; y++) Y.fill((f * 37) % 200 + 20, y * WIDTH, y * WIDTH + Math.round(WIDTH * (f / frames)));
    // Chroma: slowly shifting tints.
    U.fill(128 + Math.round(30 * Math.sin(2 * Math.PI * t)));
    V.fill(128 + Math.round(30 * Math.cos(2 * Math.PI * t)));
    writeSync(fd, frame);
  }
  closeSync(fd);
  return path;
}

if (import.meta.main) {
  const out = process.argv[2] ?? "/tmp/onelink-1080p60.y4m";
  const seconds = Number(process.argv[3] ?? 2);
  const started = performance.now();
  makeY4m(out, seconds);
  console.log(`${out}: ${WIDTH}x${HEIGHT} ${FPS} fps, ${seconds} s, in ${Math.round(performance.now() - started)} ms`);
}
