/** Copies ui/static (manifest, icons, service worker) to the served folder, and renders PNG icons. */
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";

export async function build(publicDir: string) {
  cpSync(join(import.meta.dir, "..", "ui", "static"), publicDir, { recursive: true });
  for (const size of [192, 512]) {
    const out = join(publicDir, `icon-${size}.png`);
    if (existsSync(out)) continue;
    await Bun.write(out, pngIcon(size));
  }
}

/** A plain PNG of the logo's colours, drawn without any image library: dark square, two rings. */
function pngIcon(size: number): Uint8Array {
  const rows: number[] = [];
  const rings = [
    { cx: 0.39, color: [0xff, 0xd2, 0x3f] },
    { cx: 0.61, color: [0xff, 0xff, 0xff] },
  ];
  for (let y = 0; y < size; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < size; x++) {
      let rgb = [0x0f, 0x11, 0x15];
      for (const ring of rings) {
        const d = Math.hypot(x / size - ring.cx, y / size - 0.5);
        if (Math.abs(d - 0.1875) < 0.039) rgb = ring.color;
      }
      rows.push(...rgb);
    }
  }
  const raw = Bun.deflateSync(new Uint8Array(rows));
  const zlib = new Uint8Array([0x78, 0x9c, ...raw, ...u32(adler32(new Uint8Array(rows)))]);
  const ihdr = new Uint8Array([...u32(size), ...u32(size), 8, 2, 0, 0, 0]);
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk("IHDR", ihdr), ...chunk("IDAT", zlib), ...chunk("IEND", new Uint8Array())]);
}

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

function chunk(type: string, data: Uint8Array): number[] {
  const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
  return [...u32(data.length), ...body, ...u32(crc32(body))];
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}
