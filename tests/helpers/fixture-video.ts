/**
 * A camera fixture for Chromium's --use-file-for-fake-video-capture: a person (face, hair, neck,
 * shoulders in a shirt) in front of a high-contrast checkered wall, as a Y4M file (4:2:0). The
 * person mask is known: `personAt(x, y)` (0..1 coordinates) says whether a pixel is the person.
 * The picture is still; Chromium loops the frames.
 */
import { writeFileSync } from "node:fs";

type RGB = [number, number, number];

const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

/** What is at (x, y) in 0..1 frame coordinates (16:9), or null for the wall. */
function figureAt(x: number, y: number): RGB | null {
  const ax = x * (16 / 9); // aspect-corrected x, so ellipses are round
  const cx = 0.5 * (16 / 9);
  // Eyes, brows and mouth on the face.
  if (inEllipse(ax, y, cx - 0.065, 0.34, 0.022, 0.014) || inEllipse(ax, y, cx + 0.065, 0.34, 0.022, 0.014)) return [40, 30, 30];
  if (inEllipse(ax, y, cx, 0.47, 0.05, 0.016)) return [150, 60, 60];
  if (inEllipse(ax, y, cx, 0.36, 0.13, 0.17)) return [224, 172, 138]; // face
  if (inEllipse(ax, y, cx, 0.3, 0.15, 0.19) && y < 0.33) return [60, 40, 25]; // hair
  if (y > 0.5 && y < 0.62 && Math.abs(ax - cx) < 0.06) return [210, 160, 128]; // neck
  if (y >= 0.6 && inEllipse(ax, y, cx, 1.05, 0.5, 0.47)) return [40, 80, 150]; // shoulders, shirt
  return null;
}

/** Whether the pixel at (x, y) (0..1) is the person, well inside or well outside by `margin` (0..1 of the height). */
export function personAt(x: number, y: number, margin = 0): "person" | "wall" | "edge" {
  const r = margin * (9 / 16);
  const probes =
    margin === 0
      ? [[0, 0]]
      : [
          [0, 0],
          [r, 0],
          [-r, 0],
          [0, margin],
          [0, -margin],
          [r, margin],
          [-r, -margin],
          [r, -margin],
          [-r, margin],
        ];
  const hits = probes.filter(([dx, dy]) => figureAt(x + dx!, y + dy!) !== null).length;
  return hits === probes.length ? "person" : hits === 0 ? "wall" : "edge";
}

function wallAt(px: number, py: number): RGB {
  // 8 px checks with a coarser tint: blur turns it grey, a codec keeps it.
  const check = (Math.floor(px / 8) + Math.floor(py / 8)) % 2 === 0;
  const tint = (Math.floor(px / 64) + Math.floor(py / 64)) % 3;
  const base: RGB = tint === 0 ? [230, 220, 90] : tint === 1 ? [90, 200, 220] : [230, 120, 180];
  return check ? base : [base[0] * 0.25, base[1] * 0.25, base[2] * 0.25];
}

export function fixtureRgb(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let py = 0; py < height; py++)
    for (let px = 0; px < width; px++) {
      const c = figureAt((px + 0.5) / width, (py + 0.5) / height) ?? wallAt(px, py);
      rgb.set(c, (py * width + px) * 3);
    }
  return rgb;
}

/** Writes `frames` copies of `rgb` (by default the person fixture) as a Y4M clip. */
export function writeFixtureY4m(path: string, width = 640, height = 360, frames = 30, rgb = fixtureRgb(width, height)): void {
  const y = new Uint8Array(width * height);
  const u = new Uint8Array((width / 2) * (height / 2));
  const v = new Uint8Array((width / 2) * (height / 2));
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = [rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!];
    y[i] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
  }
  for (let cy = 0; cy < height / 2; cy++)
    for (let cx = 0; cx < width / 2; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const i = ((cy * 2 + dy) * width + cx * 2 + dx) * 3;
        r += rgb[i]! / 4;
        g += rgb[i + 1]! / 4;
        b += rgb[i + 2]! / 4;
      }
      u[cy * (width / 2) + cx] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      v[cy * (width / 2) + cx] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  const header = new TextEncoder().encode(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  const frame = new TextEncoder().encode("FRAME\n");
  const frameBytes = frame.length + y.length + u.length + v.length;
  const out = new Uint8Array(header.length + frames * frameBytes);
  out.set(header, 0);
  for (let f = 0; f < frames; f++) {
    const at = header.length + f * frameBytes;
    out.set(frame, at);
    out.set(y, at + frame.length);
    out.set(u, at + frame.length + y.length);
    out.set(v, at + frame.length + y.length + u.length);
  }
  writeFileSync(path, out);
}
