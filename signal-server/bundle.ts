/**
 * The web app bundled from ui/index.html, the same way ahead of time (scripts/build.ts) and at run
 * time (the server, when build/app is missing or older than the app's sources).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { APP_ENTRY_ATTRIBUTE } from "../ui/app-entry.ts";

export const APP_ENTRY = resolve(import.meta.dir, "../ui/index.html");
/** The service worker, served from the bundle with the list of the bundle's files to keep (see precacheWorker). */
export const SERVICE_WORKER = resolve(import.meta.dir, "../ui/static/sw.js");
/** The page's first script, a bundle of its own (ui/head-start.ts). */
export const HEAD_START_ENTRY = resolve(import.meta.dir, "../ui/head-start.ts");

const common = {
  target: "browser",
  minify: true,
  publicPath: "/",
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
} as const;

/** `minify: false` keeps the names (a profile, bench/join/trace.ts). */
export async function bundleApp(outdir: string, { minify = true } = {}): Promise<void> {
  // `splitting`: what the first picture does not need (ui/lazy.tsx) goes into chunks of its own.
  const result = await Bun.build({ ...common, minify, splitting: true, entrypoints: [APP_ENTRY], outdir });
  if (!result.success) throw new AggregateError(result.logs, "bundling the web app failed");
  // The head start is not one of the page's scripts (Bun would fold it into the app's bundle): it
  // is bundled alone and put first, a classic script the parser runs as it reaches it, so that it
  // always runs before the app's module. Async, it ran after the app's own code on a reload, whose
  // modules came at once from the memory cache, and the socket and devices waited for that code
  // (bench/join). It is small and its file is kept by the service worker: the wait is a few ms.
  const head = await Bun.build({ ...common, minify, format: "iife", entrypoints: [HEAD_START_ENTRY], outdir, naming: "chunk-[hash].[ext]" });
  const file = head.outputs.find((o) => o.kind === "entry-point")?.path;
  if (!head.success || !file) throw new AggregateError(head.logs, "bundling the head start failed");
  const page = bundledPage(outdir);
  const html = readFileSync(page, "utf8");
  const tag = `<script src="/${basename(file)}"></script>`;
  if (!html.includes("</title>")) throw new Error("bundling the web app: no </title> to put the head start after");
  writeFileSync(page, entryAsPreload(html).replace("</title>", `</title>\n    ${tag}`));
  precacheWorker(outdir);
}

/**
 * The page's one module script (the app's entry chunk) named as a module preload instead, which
 * the head start imports once the page is parsed (ui/head-start.ts: the page's load then does not
 * wait for the app's code to run).
 */
function entryAsPreload(html: string): string {
  const scripts = [...html.matchAll(/<script type="module" crossorigin src="(\/chunk-[\w-]+\.js)"><\/script>/g)];
  if (scripts.length !== 1) throw new Error(`bundling the web app: ${scripts.length} module scripts in the page, not one`);
  const [tag, src] = scripts[0]!;
  return html.replace(tag, `<link rel="modulepreload" crossorigin href="${src}" ${APP_ENTRY_ATTRIBUTE}>`);
}

/**
 * The service worker with every file of this bundle to keep on install (the chunks fetched only when
 * a panel first opens too, so that it opens offline), under a cache named for them: a new build is a
 * new worker, which drops the previous build's files once it takes over.
 */
function precacheWorker(outdir: string): void {
  const files = readdirSync(outdir)
    .filter((f) => /^(chunk-[\w-]+\.(js|css)|manifest[\w-]*\.webmanifest|icon[\w-]*\.svg)$/.test(f))
    .sort()
    .map((f) => `/${f}`);
  const worker = readFileSync(SERVICE_WORKER, "utf8");
  const list = "const PRECACHE = [];";
  if (!worker.includes(list)) throw new Error(`bundling the web app: no "${list}" in the service worker to fill`);
  const version = new Bun.CryptoHasher("sha256").update(files.join(",")).digest("hex").slice(0, 12);
  writeFileSync(
    join(outdir, "sw.js"),
    worker.replace(list, `const PRECACHE = ${JSON.stringify(files)};`).replace('"onelink-shell-v1"', `"onelink-shell-${version}"`),
  );
}

/** Where the page's index.html lands in a bundle folder. */
export const bundledPage = (dir: string) => join(dir, "index.html");
