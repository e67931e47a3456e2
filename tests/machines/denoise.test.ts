/**
 * RNNoise core (machines/media/rnnoise.ts) on the real @jitsi/rnnoise-wasm module, fed 128-sample
 * blocks as an AudioWorklet would, and the stored "denoise" media setting.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Denoiser, FRAME } from "../../machines/media/rnnoise.ts";
import { DEFAULT_SETTINGS, loadSettings, SETTINGS_KEY, saveSettings } from "../../machines/media/settings.ts";

const WASM = join(import.meta.dir, "..", "..", "node_modules", "@jitsi", "rnnoise-wasm", "dist", "rnnoise.wasm");
const module = new WebAssembly.Module(await Bun.file(WASM).arrayBuffer());

function noise(n: number, amp: number, seed = 1) {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = amp * ((s / 2 ** 32) * 2 - 1);
  }
  return out;
}
const rms = (a: Float32Array) => Math.sqrt(a.reduce((x, y) => x + y * y, 0) / a.length);
const db = (x: number) => 20 * Math.log10(x);

function run(input: Float32Array) {
  const d = new Denoiser(module);
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i += 128) d.push(input.subarray(i, i + 128), out.subarray(i, i + 128));
  d.destroy();
  return out;
}

test("white noise comes out clearly quieter", () => {
  const input = noise(48_000 * 2, 0.05);
  const out = run(input);
  const before = db(rms(input.subarray(48_000)));
  const after = db(rms(out.subarray(48_000)));
  console.log(`white noise: ${before.toFixed(1)} dBFS in, ${after.toFixed(1)} dBFS out`);
  expect(after).toBeLessThan(before - 6);
});

test("streaming in 128-sample blocks equals whole frames, one frame late", () => {
  const input = noise(FRAME * 20, 0.1, 7);
  const streamed = run(input);
  const d = new Denoiser(module);
  const framed = input.slice();
  for (let i = 0; i < framed.length; i += FRAME) d.processFrame(framed.subarray(i, i + FRAME));
  expect(Array.from(streamed.subarray(0, FRAME)).every((x) => x === 0)).toBe(true);
  for (let i = 0; i < FRAME * 19; i += 97) expect(streamed[i + FRAME]).toBeCloseTo(framed[i] as number, 6);
});

test("denoise setting: on by default, remembered, validated on read back", () => {
  expect(DEFAULT_SETTINGS.denoise).toBe(true);
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
  saveSettings(storage, { ...DEFAULT_SETTINGS, denoise: false });
  expect(loadSettings(storage).denoise).toBe(false);
  store.set(SETTINGS_KEY, JSON.stringify({ denoise: "no", micId: "m1" }));
  const read = loadSettings(storage);
  expect(read.denoise).toBe(true);
  expect(read.micId).toBe("m1");
});
