/** Bundles the Stately inspector as its own file, fetched only when a page has `?inspect`. */
import { existsSync } from "node:fs";
import { join } from "node:path";

export async function build(publicDir: string) {
  const out = join(publicDir, "inspect");
  if (existsSync(join(out, "inspect.js"))) return;
  const result = await Bun.build({
    entrypoints: [join(import.meta.dir, "..", "ui", "inspect-entry.ts")],
    outdir: out,
    naming: "inspect.js",
    target: "browser",
    format: "esm",
    minify: true,
  });
  if (!result.success) throw new AggregateError(result.logs, "inspector bundle failed");
}
