/**
 * A TCP proxy on 127.0.0.1 that puts the app `rttMs` away from a browser pointed at it: every
 * chunk waits half a round trip in each direction, and with `kbps` also its turn on a link of
 * that speed (one link each way, shared by all connections, as a home or phone line is). Pages
 * and the signaling WebSocket go through it; media between browsers does not. Benchmarks, and a
 * pre-join test of a joiner far from the server (tests/e2e/prejoin.test.ts).
 */
import { createServer, connect, type Socket } from "node:net";

export async function startLatencyProxy(targetPort: number, rttMs: number, kbps = 0): Promise<{ port: number; stop: () => void }> {
  const sockets = new Set<Socket>();
  /** When each direction's link is free again (performance.now() ms). */
  const linkFree = { up: 0, down: 0 };
  /** How long a chunk of `bytes` waits before it arrives: its turn on the link, then the path. */
  const delayFor = (direction: "up" | "down", bytes: number) => {
    const now = performance.now();
    if (kbps > 0) linkFree[direction] = Math.max(now, linkFree[direction]) + (bytes * 8) / kbps;
    return Math.max(now, kbps > 0 ? linkFree[direction] : now) - now + rttMs / 2;
  };
  const pipeDelayed = (from: Socket, to: Socket, direction: "up" | "down") => {
    // Arrival times never go back along a connection, so chunks keep their order; a destroyed socket drops the rest.
    let lastArrival = 0;
    const later = (ms: number, fn: () => void) => {
      const now = performance.now();
      lastArrival = Math.max(lastArrival, now + ms);
      setTimeout(fn, lastArrival - now);
    };
    from.on("data", (chunk) => later(delayFor(direction, chunk.length), () => to.destroyed || to.write(chunk)));
    from.on("end", () => later(rttMs / 2, () => to.destroyed || to.end()));
    from.on("error", () => to.destroy());
    from.on("close", () => later(rttMs / 2, () => to.destroy()));
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    pipeDelayed(client, upstream, "up");
    pipeDelayed(upstream, client, "down");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("latency proxy: no port");
  return {
    port: address.port,
    stop() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
