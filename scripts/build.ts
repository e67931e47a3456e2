/**
 * Build step run by `npm start` and `npm test`: every scripts/build-*.ts fills build/public/
 * with assets the app serves itself (models, wasm, emoji data). Steps skip work already done.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

const publicDir = join(import.meta.dir, "..", "build", "public");
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
