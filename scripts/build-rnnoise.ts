/**
 * Build step: RNNoise for microphone noise suppression, from npm only. Copies
 * @jitsi/rnnoise-wasm's dist/rnnoise.wasm to rnnoise/rnnoise.wasm and bundles the AudioWorklet
 * (workers/denoise.worklet.ts) to rnnoise/denoise.worklet.js, both served by the app.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const WASM = join(ROOT, "node_modules", "@jitsi", "rnnoise-wasm", "dist", "rnnoise.wasm");

export async function build(publicDir: string): Promise<void> {
  const dir = join(publicDir, "rnnoise");
  mkdirSync(dir, { recursive: true });
  if (!existsSync(WASM)) throw new Error("build-rnnoise: @jitsi/rnnoise-wasm is not installed (npm install)");
  copyFileSync(WASM, join(dir, "rnnoise.wasm"));
  const out = await Bun.build({ entrypoints: [join(ROOT, "workers", "denoise.worklet.ts")], minify: true, target: "browser", format: "esm" });
  if (!out.success) throw new Error(`build-rnnoise: ${out.logs.join("\n")}`);
  await Bun.write(join(dir, "denoise.worklet.js"), out.outputs[0] as Blob);
}
