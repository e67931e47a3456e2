/**
 * Build step: bundles workers/hand-tracker.worker.ts (with comlink and @mediapipe/tasks-vision)
 * into build/public/workers/hand-tracker.js, an ES module the browser loads with
 * `new Worker("/workers/hand-tracker.js", { type: "module" })` (workers/hand-tracker-client.ts).
 * A separate step because Bun's HTML-import bundler does not follow `new Worker(new URL(...))`.
 * Skipped when workers/*.ts, the bundled packages' versions and this script are unchanged.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const WORKERS_DIR = join(ROOT, "workers");
const ENTRY = join(WORKERS_DIR, "hand-tracker.worker.ts");
const PACKAGES = ["@mediapipe/tasks-vision", "comlink"];

function buildKey(): string {
  const sources = readdirSync(WORKERS_DIR)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => [f, statSync(join(WORKERS_DIR, f)).size, statSync(join(WORKERS_DIR, f)).mtimeMs]);
  const versions = PACKAGES.map((p) => (JSON.parse(readFileSync(join(ROOT, "node_modules", p, "package.json"), "utf8")) as { version: string }).version);
  return JSON.stringify({ sources, versions, script: Bun.hash(readFileSync(import.meta.path)).toString() });
}

export async function build(publicDir: string): Promise<void> {
  const outDir = join(publicDir, "workers");
  const out = join(outDir, "hand-tracker.js");
  const stampFile = join(dirname(publicDir), "stamps", "build-worker.json");
  const key = buildKey();
  if (existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === key) return;
  const result = await Bun.build({
    entrypoints: [ENTRY],
    outdir: outDir,
    naming: "hand-tracker.[ext]",
    target: "browser",
    format: "esm",
    minify: true,
    sourcemap: "linked",
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error("build-worker: bundling workers/hand-tracker.worker.ts failed");
  }
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, key);
}
