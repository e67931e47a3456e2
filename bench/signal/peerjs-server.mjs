/**
 * The PeerJS server (npm `peer` 1.0.2) started through its own API, in its own Node process, the
 * way its README runs it: `PeerServer({ port, path })`. Only the connection cap is raised
 * (default `concurrent_limit` is 5,000 clients, below the benchmark's 10,000 sockets).
 *
 *   PORT=0 HOST=127.0.0.1 node bench/signal/peerjs-server.mjs
 */
import { PeerServer } from "peer";

const host = process.env.HOST || "127.0.0.1";
PeerServer(
  {
    port: Number(process.env.PORT ?? 0),
    host,
    path: process.env.PEERJS_PATH || "/bench",
    key: "peerjs",
    concurrent_limit: 1_000_000,
  },
  (server) => console.log(`Listening on http://${host}:${server.address().port}`),
);
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
