/**
 * The web app bundled from ui/index.html, the same way ahead of time (scripts/build.ts) and at run
 * time (the server, when build/app is missing or older than the app's sources).
 */
import { join, resolve } from "node:path";

export const APP_ENTRY = resolve(import.meta.dir, "../ui/index.html");

export async function bundleApp(outdir: string): Promise<void> {
  const result = await Bun.build({
    entrypoints: [APP_ENTRY],
    outdir,
    target: "browser",
    minify: true,
    publicPath: "/",
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
  });
  if (!result.success) throw new AggregateError(result.logs, "bundling the web app failed");
}

/** Where the page's index.html lands in a bundle folder. */
export const bundledPage = (dir: string) => join(dir, "index.html");
