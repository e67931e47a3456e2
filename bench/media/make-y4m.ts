/**
 * Writes a 1920x1080 60 fps Y4M clip for Chromium's --use-file-for-fake-video-capture (it loops
 * the file). Two scenes:
 *   call  what a webcam sees in a video call: a still room (gradients, a window, shelves), a person
 *         in front who sways, nods and talks, and light sensor noise on every pixel of every frame;
 *   pan   the worst case: the whole picture pans over fine detail every frame, plus a bouncing
 *         sprite (a camera being carried around).
 * Usage: bun bench/media/make-y4m.ts [out] [seconds] [call|pan]
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from "node:fs";

export const WIDTH = 1920;
export const HEIGHT = 1080;
export const FPS = 60;

export type Scene = "call" | "pan";

export function makeY4m(path: string, seconds = 2, scene: Scene = "pan"): string {
  return scene === "call" ? writeCallScene(path, seconds) : writePanScene(path, seconds);
}

const Y_SIZE = WIDTH * HEIGHT;
const C_SIZE = Y_SIZE / 4;
type Planes = { Y: Uint8Array; U: Uint8Array; V: Uint8Array };

/**
 * Writes `seconds` of frames, each drawn by the function `prepare` returns (called with the frame's
 * index), unless a file of exactly that size is already there; `prepare` runs only when writing.
 */
function writeY4m(path: string, seconds: number, prepare: () => (f: number, frames: number, planes: Planes) => void): string {
  const frames = Math.round(seconds * FPS);
  const header = `YUV4MPEG2 W${WIDTH} H${HEIGHT} F${FPS}:1 Ip A1:1 C420jpeg\n`;
  const total = header.length + frames * (6 + Y_SIZE + 2 * C_SIZE);
  if (existsSync(path) && statSync(path).size === total) return path;
  const draw = prepare();
  const fd = openSync(path, "w");
  writeSync(fd, header);
  const frame = new Uint8Array(6 + Y_SIZE + 2 * C_SIZE);
  frame.set(new TextEncoder().encode("FRAME\n"));
  const planes = {
    Y: frame.subarray(6, 6 + Y_SIZE),
    U: frame.subarray(6 + Y_SIZE, 6 + Y_SIZE + C_SIZE),
    V: frame.subarray(6 + Y_SIZE + C_SIZE),
  };
  for (let f = 0; f < frames; f++) {
    draw(f, frames, planes);
    writeSync(fd, frame);
  }
  closeSync(fd);
  return path;
}

function writePanScene(path: string, seconds: number): string {
  return writeY4m(path, seconds, () => {
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
    return (f, frames, { Y, U, V }) => {
      const t = f / frames; // 0..1 over the clip; the pan returns to its start so the loop is seamless
      const pan = Math.round((WIDTH / 3) * (0.5 - 0.5 * Math.cos(2 * Math.PI * t)));
      for (let y = 0; y < HEIGHT; y++) Y.set(tex.subarray(y * texW + pan, y * texW + pan + WIDTH), y * WIDTH);
      // A bright sprite bouncing around, with a frame counter stripe so every frame differs.
      const sx = Math.round((WIDTH - 300) * (0.5 + 0.5 * Math.sin(2 * Math.PI * t)));
      const sy = Math.round((HEIGHT - 300) * (0.5 + 0.5 * Math.sin(4 * Math.PI * t)));
      for (let y = sy; y < sy + 300; y++) Y.fill(200 + ((y - sy) % 30), y * WIDTH + sx, y * WIDTH + sx + 300);
      for (let y = 0; y < 24; y++) Y.fill(((f * 37) % 200) + 20, y * WIDTH, y * WIDTH + Math.round(WIDTH * (f / frames)));
      // Chroma: slowly shifting tints.
      U.fill(128 + Math.round(30 * Math.sin(2 * Math.PI * t)));
      V.fill(128 + Math.round(30 * Math.cos(2 * Math.PI * t)));
    };
  });
}

/** A still room and a person who moves like someone talking on a call, with sensor noise. */
function writeCallScene(path: string, seconds: number): string {
  return writeY4m(path, seconds, () => {
    const ySize = Y_SIZE;
    // The room: a wall gradient, a bright window, shelves with books (fine detail), a desk edge.
    const room = new Uint8Array(ySize);
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        let v = 70 + 50 * (x / WIDTH) + 20 * Math.sin(y / 170);
        if (x > 1300 && x < 1750 && y > 120 && y < 560) v = 215 - ((x - 1300) % 150 < 6 || (y - 120) % 220 < 6 ? 90 : 0);
        if (x > 120 && x < 620 && y > 200 && y < 760) {
          const shelf = (y - 200) % 140 < 12;
          const book = Math.floor((x - 120) / 23);
          v = shelf ? 60 : 40 + ((book * 53) % 120) + ((y - 200) % 140 > 110 ? 0 : x % 23 < 2 ? -25 : 0);
        }
        if (y > 960) v = 95 + ((x * 7 + y * 3) % 11);
        room[y * WIDTH + x] = Math.max(16, Math.min(235, v));
      }
    }
    // Sensor noise: a few planes of small random offsets, cycled so every frame differs everywhere.
    const noisePlanes = Array.from({ length: 5 }, () => Int8Array.from({ length: ySize }, () => Math.round((Math.random() - 0.5) * 6)));

    const cw = WIDTH / 2;
    return (f, frames, { Y, U, V }) => {
      const t = (2 * Math.PI * f) / frames; // the motion loops with the clip
      Y.set(room);
      U.fill(126);
      V.fill(131);
      // The person: shoulders and a head, swaying a little and nodding; the mouth opens and closes.
      const cx = 960 + 60 * Math.sin(t) + 12 * Math.sin(7 * t);
      const cy = 470 + 18 * Math.sin(2 * t) + 6 * Math.sin(11 * t);
      const mouth = 8 + 14 * Math.abs(Math.sin(13 * t));
      for (let y = Math.max(0, Math.floor(cy - 260)); y < HEIGHT; y++) {
        for (let x = Math.max(0, Math.floor(cx - 520)); x < Math.min(WIDTH, cx + 520); x++) {
          const dx = x - cx;
          const dy = y - cy;
          const head = (dx * dx) / (170 * 170) + (dy * dy) / (230 * 230) < 1;
          const body = y > cy + 250 && Math.abs(dx) < 160 + (y - cy - 250) * 1.2;
          if (!head && !body) continue;
          let v: number;
          if (head) {
            v = 160 - 40 * (dx / 170) * (dx / 170) - 20 * (dy / 230);
            const eye = (Math.abs(dx - 60) < 22 || Math.abs(dx + 60) < 22) && Math.abs(dy + 40) < 10;
            const lips = Math.abs(dx) < 55 && dy > 90 && dy < 90 + mouth;
            if (eye) v = 40;
            if (lips) v = 70;
            if (dy < -150) v = 45 + ((x + y) % 5); // hair
          } else {
            v = 55 + ((Math.floor(x / 9) + Math.floor(y / 9)) % 2) * 14; // a checked shirt
          }
          Y[y * WIDTH + x] = v;
          const ci = (y >> 1) * cw + (x >> 1);
          if (head && v > 100) {
            U[ci] = 110;
            V[ci] = 152;
          } else if (body) {
            U[ci] = 150;
            V[ci] = 115;
          }
        }
      }
      const noise = noisePlanes[f % noisePlanes.length]!;
      for (let i = 0; i < ySize; i++) Y[i] = Math.max(16, Math.min(235, Y[i]! + noise[i]!));
    };
  });
}

if (import.meta.main) {
  const out = process.argv[2] ?? "/tmp/onelink-1080p60.y4m";
  const seconds = Number(process.argv[3] ?? 2);
  const scene = (process.argv[4] ?? "call") as Scene;
  const started = performance.now();
  makeY4m(out, seconds, scene);
  console.log(`${out}: ${scene} scene, ${WIDTH}x${HEIGHT} ${FPS} fps, ${seconds} s, in ${Math.round(performance.now() - started)} ms`);
}
