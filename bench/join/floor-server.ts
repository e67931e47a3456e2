/**
 * The floor's server: serves floor.html and relays JSON between the two pages of a room over
 * WebSocket. The first frame names the room; it is answered `{joined}`, and a second page is also
 * told `{peer}` (someone is there: offer). Everything else goes to the other page as it is.
 * Prints `Listening on PORT`. Benchmarks only.
 */
import type { ServerWebSocket } from "bun";

const page = Bun.file(new URL("./floor.html", import.meta.url).pathname);
const rooms = new Map<string, ServerWebSocket<{ room: string | null }>[]>();
const server = Bun.serve<{ room: string | null }, never>({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch(req, srv) {
    if (new URL(req.url).pathname === "/ws") return srv.upgrade(req, { data: { room: null } }) ? undefined : new Response("no", { status: 400 });
    return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
  },
  websocket: {
    message(ws, raw) {
      if (ws.data.room === null) {
        const room = (JSON.parse(String(raw)) as { join: string }).join;
        ws.data.room = room;
        const members = rooms.get(room) ?? [];
        members.push(ws);
        rooms.set(room, members);
        ws.send(JSON.stringify({ joined: true }));
        if (members.length > 1) ws.send(JSON.stringify({ peer: true }));
        return;
      }
      for (const other of rooms.get(ws.data.room) ?? []) if (other !== ws) other.send(raw);
    },
    close(ws) {
      if (ws.data.room === null) return;
      const left = (rooms.get(ws.data.room) ?? []).filter((m) => m !== ws);
      if (left.length) rooms.set(ws.data.room, left);
      else rooms.delete(ws.data.room);
    },
  },
});
console.log(`Listening on ${server.port}`);
