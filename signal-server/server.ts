/**
 * One Bun.serve: the web app, built assets, /ws and /healthz.
 *
 * The web app is served from build/app (bundled ahead of time by scripts/build.ts) with brotli or
 * gzip copies made at build time, whichever the browser accepts. Without a build, or with a build
 * older than the app's sources, the server bundles (and compresses) ui/ itself on the first request
 * for the app, into a temporary folder served the same way. In development (DEV=1, hot reload) Bun's HTML
 * import serves the page instead, without the security headers every other response carries.
 */
import type { Server } from "bun";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize, resolve } from "node:path";
import index from "../ui/index.html";
import { precompress } from "../scripts/precompress.ts";
import { bundleApp } from "./bundle.ts";
import type { ServerConfig } from "./config.ts";
import type { SfuTarget } from "./sfu/group.ts";
import { withSecurityHeaders } from "./headers.ts";
import { createSignaling, type SignalingOptions, type SocketData } from "./socket.ts";

/** Built assets (models, wasm, emoji data) live here; `scripts/build.ts` fills it. */
export const PUBLIC_DIR = resolve(import.meta.dir, "../build/public");
/** The bundled web app: index.html and its content-hashed chunks. */
export const APP_DIR = resolve(import.meta.dir, "../build/app");

/** The encodings we keep copies in, best first. */
const ENCODINGS = [
  { token: "br", ext: ".br" },
  { token: "gzip", ext: ".gz" },
] as const;

/** Whether Accept-Encoding allows `token` (listed, and not with q=0). */
function accepts(header: string | null, token: string): boolean {
  if (!header) return false;
  return header.split(",").some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    return name === token && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

/**
 * A file as the smallest copy the request accepts, with an ETag so that revalidating an unchanged
 * file costs a 304 rather than the file; null if there is no such file.
 */
async function fileResponse(path: string, req: Request, cacheControl: string): Promise<Response | null> {
  const file = Bun.file(path);
  if (!(await file.exists())) return null;
  const acceptEncoding = req.headers.get("accept-encoding");
  let body = file;
  let encoding: string | null = null;
  for (const { token, ext } of ENCODINGS) {
    const copy = Bun.file(path + ext);
    if (accepts(acceptEncoding, token) && (await copy.exists())) {
      body = copy;
      encoding = token;
      break;
    }
  }
  const etag = `"${file.size.toString(36)}-${Math.floor(file.lastModified).toString(36)}${encoding ? `-${encoding}` : ""}"`;
  const headers: Record<string, string> = { "cache-control": cacheControl, "content-type": file.type, vary: "accept-encoding", etag };
  if (encoding) headers["content-encoding"] = encoding;
  if (
    req.headers
      .get("if-none-match")
      ?.split(",")
      .some((tag) => tag.trim() === etag)
  )
    return new Response(null, { status: 304, headers });
  return new Response(body, { headers });
}

/** A path below `dir`, or null for anything that would climb out of it. */
function inside(dir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null; // no file has one; the file system would throw
  const path = normalize(join(dir, decoded));
  return path.startsWith(`${dir}/`) ? path : null;
}

/** What the web app is bundled from (the hand-tracking worker itself is built on its own). */
const APP_SOURCES = ["ui", "machines", "protocol", "workers"].map((d) => resolve(import.meta.dir, "..", d));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether build/app exists and is at least as new as every source file it was bundled from. */
function builtAppIsCurrent(): boolean {
  const page = join(APP_DIR, "index.html");
  if (!existsSync(page)) return false;
  const builtAt = statSync(page).mtimeMs;
  const stale = APP_SOURCES.some((dir) => newestMtime(dir) > builtAt);
  if (stale) console.warn("build/app is older than the app's sources: bundling at run time instead (npm run build refreshes it)");
  return !stale;
}

/** App chunks carry a content hash in their names: they never change, so browsers keep them. */
const HASHED = /-[a-z0-9]{8}\.[a-z]+$/;

/** The Stately inspector's bundle: served only where the operator allows `?inspect` (see config). */
const INSPECTOR = /^\/inspect\//;

/**
 * The folder the web app is served from: build/app when it is current, else a bundle made here on
 * first use (so a server that only signals, as in most tests, never looks at the app at all).
 */
function appFolder() {
  let folder: Promise<string> | null = null;
  let temporary: string | null = null;
  return {
    get(): Promise<string> {
      folder ??= (async () => {
        if (builtAppIsCurrent()) return APP_DIR;
        temporary = mkdtempSync(join(tmpdir(), "onelink-app-"));
        const started = performance.now();
        await bundleApp(temporary);
        await precompress(temporary);
        console.warn(`web app bundled at run time in ${Math.round(performance.now() - started)} ms`);
        return temporary;
      })();
      return folder;
    },
    dispose() {
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    },
  };
}

/** An address with no file extension is a page someone typed or followed, not an asset. */
const PAGE_LIKE = /\/[^/.]*$/;

/**
 * The app's page with a 404 status: the app reads the address and says "Page not found" in the
 * app's own look, with a way home (the page is the same every call link gets, so the same CSP).
 */
async function notFoundPage(req: Request, appDir: string): Promise<Response | null> {
  // Never a 304: the status is part of the answer, and an ETag match would hide it.
  const plain = new Request(req.url, { headers: { "accept-encoding": req.headers.get("accept-encoding") ?? "" } });
  const page = await fileResponse(join(appDir, "index.html"), plain, "no-cache");
  if (!page) return null;
  page.headers.delete("etag");
  return new Response(page.body, { status: 404, headers: page.headers });
}

async function serveStatic(req: Request, appDir: string | null, inspect: boolean): Promise<Response> {
  const { pathname } = new URL(req.url);
  const app = appDir ? inside(appDir, pathname) : null;
  if (app && pathname !== "/index.html") {
    const hit = await fileResponse(app, req, HASHED.test(app) ? "public, max-age=31536000, immutable" : "no-cache");
    if (hit) return hit;
  }
  if (!inspect && INSPECTOR.test(pathname)) return new Response("Not found", { status: 404 });
  const asset = inside(PUBLIC_DIR, pathname);
  // Built assets keep their names across builds: revalidate so a rebuild is seen at once.
  const hit = asset ? await fileResponse(asset, req, "no-cache") : null;
  if (hit) return hit;
  const page = appDir && req.method === "GET" && PAGE_LIKE.test(pathname) ? await notFoundPage(req, appDir) : null;
  return page ?? new Response("Not found", { status: 404 });
}

/** A bug of ours: one line in the log (never a stack per request), a plain 500 to the client. */
function internalError(err: unknown, req?: Request): Response {
  const where = req ? ` ${req.method} ${new URL(req.url).pathname.slice(0, 200)}` : "";
  console.error(`http:${where}: ${err instanceof Error ? err.message : String(err)}`.replace(/\s+/g, " ").slice(0, 500));
  return withSecurityHeaders(new Response("Internal error", { status: 500 }));
}

/** A route handler whose every response (and failure) carries the security headers. */
function secured<A extends unknown[]>(handler: (req: Request, ...rest: A) => Response | undefined | Promise<Response | undefined>) {
  return async (req: Request, ...rest: A): Promise<Response | undefined> => {
    try {
      const res = await handler(req, ...rest);
      return res && withSecurityHeaders(res);
    } catch (err) {
      return internalError(err, req);
    }
  };
}

/** A Janus API this server may use for group calls. */
export type SfuEndpoint = SfuTarget;

export function startServer(config: ServerConfig, options: SignalingOptions = {}) {
  const sfu = options.sfu ?? [];
  const signaling = createSignaling(config, options);
  const startedAt = Date.now();
  const development = process.env.DEV === "1";
  const folder = appFolder();
  // Every call link is the same page; it is small and always revalidated (a new build, new chunks).
  const page = development ? index : secured(async (req: Request) => (await fileResponse(join(await folder.get(), "index.html"), req, "no-cache"))!);
  const server = Bun.serve<SocketData>({
    port: config.port,
    hostname: config.hostname,
    development,
    routes: {
      "/": page,
      "/c/:room": page,
      "/healthz": secured(() => Response.json({ ok: true, uptimeS: Math.round((Date.now() - startedAt) / 1000), ...signaling.stats() })),
      "/ws": secured((req: Request, srv: Server<SocketData>) =>
        config.signaling ? signaling.upgrade(req, srv) : new Response("Signaling is disabled on this server", { status: 404 }),
      ),
    },
    fetch: secured(async (req: Request) => serveStatic(req, development ? null : await folder.get(), config.inspect)),
    error(err) {
      return internalError(err);
    },
    websocket: signaling.websocket,
  });
  return {
    server,
    url: `http://localhost:${server.port}`,
    stats: signaling.stats,
    /** Graceful stop: clients are told to reconnect, then the listener closes. */
    async stop() {
      signaling.shutdown();
      await server.stop(true);
      await signaling.finish();
      folder.dispose();
    },
    /** Resolves once this node is connected to Redis and listening on its channel (at once without Redis). */
    ready: signaling.ready,
    nodeId: signaling.nodeId,
    /** The Janus servers for group calls (none: rooms have no media server). */
    sfu,
  };
}
