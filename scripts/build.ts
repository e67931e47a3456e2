/**
 * Build step run by `npm start` and `npm test`: every scripts/build-*.ts fills build/public/
 * with assets the app serves itself (models, wasm, emoji data), the web app is bundled into
 * build/app/, and both get compressed copies. Steps skip work already done.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bundleApp } from "../signal-server/bundle.ts";
import { precompress } from "./precompress.ts";

const buildDir = join(import.meta.dir, "..", "build");
const publicDir = join(buildDir, "public");
const appDir = join(buildDir, "app");
mkdirSync(publicDir, { recursive: true });

const steps = readdirSync(import.meta.dir)
  .filter((f) => /^build-.+\.ts$/.test(f))
  .sort();
for (const step of steps) {
  const started = performance.now();
  const mod = (await import(join(import.meta.dir, step))) as { build: (publicDir: string) => Promise<void> };
  await mod.build(publicDir);
  console.log(`build: ${step} done in ${Math.round(performance.now() - started)} ms`);
}

// The web app, bundled and minified as the server would at run time (signal-server/bundle.ts), but once and
// ahead of time, so it can be served compressed. A fresh folder: old chunks do not pile up.
{
  const started = performance.now();
  rmSync(appDir, { recursive: true, force: true });
  await bundleApp(appDir);
  console.log(`build: web app bundled in ${Math.round(performance.now() - started)} ms`);
}

{
  const started = performance.now();
  const written = (await precompress(publicDir)) + (await precompress(appDir));
  console.log(`build: ${written} compressed cop${written === 1 ? "y" : "ies"} written in ${Math.round(performance.now() - started)} ms`);
}
