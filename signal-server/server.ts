/**
 * One Bun.serve: the web app (Bun's HTML import bundles ui/), built assets, /ws and /healthz.
 */
import type { Server } from "bun";
import { join, normalize, resolve } from "node:path";
import index from "../ui/index.html";
import type { ServerConfig } from "./config.ts";
import { createSignaling, type SocketData } from "./socket.ts";

/** Built assets (models, wasm, emoji data) live here; `scripts/build.ts` fills it. */
export const PUBLIC_DIR = resolve(import.meta.dir, "../build/public");

async function serveStatic(pathname: string): Promise<Response> {
  const path = normalize(join(PUBLIC_DIR, decodeURIComponent(pathname)));
  if (!path.startsWith(PUBLIC_DIR + "/")) return new Response("Not found", { status: 404 });
  const file = Bun.file(path);
  if (!(await file.exists())) return new Response("Not found", { status: 404 });
  // Built assets keep their names across builds: revalidate so a rebuild is seen at once.
  return new Response(file, { headers: { "cache-control": "no-cache" } });
}

export function startServer(config: ServerConfig) {
  const signaling = createSignaling(config);
  const startedAt = Date.now();
  const server = Bun.serve<SocketData>({
    port: config.port,
    hostname: config.hostname,
    development: process.env.DEV === "1",
    routes: {
      "/": index,
      "/c/:room": index,
      "/healthz": () => Response.json({ ok: true, uptimeS: Math.round((Date.now() - startedAt) / 1000), ...signaling.stats() }),
      "/ws": (req: Request, srv: Server<SocketData>) => (config.signaling ? signaling.upgrade(req, srv) : new Response("Signaling is disabled on this server", { status: 404 })),
    },
    fetch(req) {
      return serveStatic(new URL(req.url).pathname);
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
    },
  };
}
