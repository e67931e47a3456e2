/**
 * The practical ceiling: a bare Bun.serve WebSocket relay with no validation and no protocol.
 * A socket's first message names its room; the second socket naming the same room becomes its
 * partner (both are told "p"), and from then on every frame is forwarded to the partner as is.
 *
 *   PORT=0 HOST=127.0.0.1 bun bench/signal/bare-relay.ts
 */
import type { ServerWebSocket } from "bun";

interface Data {
  room: string | null;
  partner: ServerWebSocket<Data> | null;
}

const waiting = new Map<string, ServerWebSocket<Data>>();

const server = Bun.serve<Data>({
  port: Number(process.env.PORT ?? 0),
  hostname: process.env.HOST || "127.0.0.1",
  fetch(req, srv) {
    if (srv.upgrade(req, { data: { room: null, partner: null } })) return undefined;
    return new Response("WebSocket only", { status: 426 });
  },
  websocket: {
    maxPayloadLength: 64 * 1024,
    message(ws, msg) {
      const partner = ws.data.partner;
      if (partner) {
        partner.send(msg);
        return;
      }
      if (ws.data.room !== null) return; // still waiting for a partner: nothing to relay to
      const room = String(msg);
      const other = waiting.get(room);
      if (other) {
        waiting.delete(room);
        ws.data.room = room;
        ws.data.partner = other;
        other.data.partner = ws;
        other.send("p");
        ws.send("p");
      } else {
        ws.data.room = room;
        waiting.set(room, ws);
      }
    },
    close(ws) {
      const { room, partner } = ws.data;
      if (room !== null && waiting.get(room) === ws) waiting.delete(room);
      if (partner) partner.data.partner = null;
    },
  },
});

console.log(`Listening on http://${server.hostname}:${server.port}`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
