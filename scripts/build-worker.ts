/**
 * Build step: bundles each workers/<name>.worker.ts into build/public/workers/<name>.js, an ES
 * module the browser loads with `new Worker("/workers/<name>.js", { type: "module" })`: the hand
 * tracker (with comlink and @mediapipe/tasks-vision; drawing/hand-tracker-client.ts) and the
 * group call's media encryption (machines/transport/e2ee-media.ts).
 * A separate step because Bun's HTML-import bundler does not follow `new Worker(new URL(...))`.
 * Skipped when workers/*.ts, the protocol files they use, the bundled packages' versions and this script are unchanged.
 *
 * tasks-vision posts usage logs to a Google endpoint. Its URL is taken out of the bundle here (the
 * worker's fetch guard and the page's CSP would stop the request anyway): the built file names no
 * other site at all, and the build fails if a new tasks-vision brings one it does not know.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const WORKERS_DIR = join(ROOT, "workers");
const NAMES = ["hand-tracker", "e2ee", "segmenter"];
const PACKAGES = ["@mediapipe/tasks-vision", "comlink"];
/** Third-party URLs in tasks-vision, replaced by one the worker's fetch guard refuses at once. */
const TELEMETRY = /https:\/\/odml\.pa\.googleapis\.com\/v1\/log/g;
const NO_TELEMETRY = "about:invalid#telemetry-removed";

/** Bun.build plugin: tasks-vision's sources without the telemetry URL. */
const stripTelemetry: Bun.BunPlugin = {
  name: "strip-mediapipe-telemetry",
  setup(build) {
    build.onLoad({ filter: /@mediapipe[\\/]tasks-vision[\\/].*\.m?js$/ }, async ({ path }) => {
      const text = await Bun.file(path).text();
      return { contents: text.replace(TELEMETRY, NO_TELEMETRY), loader: "js" };
    });
  },
};

function buildKey(): string {
  const sources = readdirSync(WORKERS_DIR)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => join(WORKERS_DIR, f))
    .concat(["hand-tracker.ts", "e2ee.ts", "background.ts"].map((f) => join(ROOT, "protocol", f)))
    .map((f) => [f, statSync(f).size, statSync(f).mtimeMs]);
  const versions = PACKAGES.map((p) => (JSON.parse(readFileSync(join(ROOT, "node_modules", p, "package.json"), "utf8")) as { version: string }).version);
  return JSON.stringify({ sources, versions, script: Bun.hash(readFileSync(import.meta.path)).toString() });
}

export async function build(publicDir: string): Promise<void> {
  const outDir = join(publicDir, "workers");
  const outs = NAMES.map((name) => join(outDir, `${name}.js`));
  const stampFile = join(dirname(publicDir), "stamps", "build-worker.json");
  const key = buildKey();
  if (outs.every((out) => existsSync(out)) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === key) return;
  for (const name of NAMES) {
    const result = await Bun.build({
      entrypoints: [join(WORKERS_DIR, `${name}.worker.ts`)],
      outdir: outDir,
      naming: `${name}.[ext]`,
      target: "browser",
      format: "esm",
      minify: true,
      sourcemap: "linked",
      plugins: [stripTelemetry],
    });
    if (!result.success) {
      for (const log of result.logs) console.error(log);
      throw new Error(`build-worker: bundling workers/${name}.worker.ts failed`);
    }
    const offsite = (await Bun.file(join(outDir, `${name}.js`)).text()).match(/https?:\/\/[a-z0-9.-]+/gi);
    if (offsite) throw new Error(`build-worker: ${name}.js still names other sites: ${[...new Set(offsite)].join(", ")}`);
  }
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, key);
}
