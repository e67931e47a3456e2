/**
 * A TCP proxy on 127.0.0.1 that holds every chunk for half a round trip in each direction, so a
 * browser pointed at it sees the app (pages and the signaling WebSocket) as if it were `rttMs`
 * away. Media between browsers does not pass through it. For benchmarks only.
 */
import { createServer, connect, type Socket } from "node:net";

export async function startLatencyProxy(targetPort: number, rttMs: number): Promise<{ port: number; stop: () => void }> {
  const sockets = new Set<Socket>();
  const pipeDelayed = (from: Socket, to: Socket) => {
    // Equal delays keep the chunks in order; a destroyed socket drops what is still on its way.
    from.on("data", (chunk) => setTimeout(() => to.destroyed || to.write(chunk), rttMs / 2));
    from.on("end", () => setTimeout(() => to.destroyed || to.end(), rttMs / 2));
    from.on("error", () => to.destroy());
    from.on("close", () => setTimeout(() => to.destroy(), rttMs / 2));
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
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
