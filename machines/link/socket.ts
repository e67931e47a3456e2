/**
 * One WebSocket to the signal server as a callback actor: sends `join` when open, decodes every
 * frame, reports server messages and the close as events, and sends what its parent asks.
 * An app-level ping notices a dead network, which a browser's WebSocket may not for minutes.
 */
import { fromCallback, type EventObject } from "xstate";
import { CloseCode, decodeServer, encode, type ClientMessage, type ServerMessage, type WithoutVersion } from "../../protocol/index.ts";

export interface SocketInput {
  url: string;
  room: string;
  token?: string;
  pingEveryMs?: number;
}

export type SocketEvent =
  | { type: "SOCKET.MESSAGE"; msg: ServerMessage }
  | { type: "SOCKET.CLOSED"; code: number; reason: string };

export type SocketCommand = { type: "SOCKET.SEND"; msg: WithoutVersion<ClientMessage> };

/**
 * A socket opened ahead of time (while the camera starts and the pre-join screen shows), so that
 * pressing Join does not wait for the connection and TLS handshakes. The next socket actor for
 * the same URL adopts it; one nobody adopts is closed shortly after its last holder lets go.
 */
let warm: { url: string; ws: WebSocket; holders: number } | null = null;
const WARM_GRACE_MS = 2_000;

function openSocket(url: string): WebSocket {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  return ws;
}
function dropWarm() {
  if (!warm) return;
  const { ws } = warm;
  warm = null;
  ws.onclose = ws.onerror = null;
  ws.close(1000, "not needed");
}

/** Opens (or keeps) a warm socket to `url` while the returned release function is not called. */
export function holdWarmSocket(url: string): () => void {
  if (warm && warm.url !== url) dropWarm();
  if (!warm) {
    const ws = openSocket(url);
    const entry = { url, ws, holders: 0 };
    // A warm socket that fails is simply forgotten: the socket actor opens its own.
    ws.onclose = ws.onerror = () => {
      if (warm === entry) warm = null;
    };
    warm = entry;
  }
  const entry = warm;
  entry.holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    entry.holders--;
    setTimeout(() => {
      if (warm === entry && entry.holders === 0) dropWarm();
    }, WARM_GRACE_MS);
  };
}

/** The warm socket to `url` if it is still opening or open; it is the caller's from now on. */
function takeWarmSocket(url: string): WebSocket | null {
  if (!warm || warm.url !== url) return null;
  const { ws } = warm;
  warm = null;
  ws.onclose = ws.onerror = null;
  return ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN ? ws : null;
}

/** Keeps a warm socket open while it runs (see holdWarmSocket); with no URL it does nothing. */
export const warmSocketActor = fromCallback<EventObject, { url: string | null }>(({ input }) => (input.url ? holdWarmSocket(input.url) : undefined));

export const socketActor = fromCallback<SocketCommand, SocketInput, SocketEvent>(({ input, sendBack, receive }) => {
  const ws = takeWarmSocket(input.url) ?? openSocket(input.url);
  let lastHeard = Date.now();
  let closed = false;
  const pingEvery = input.pingEveryMs ?? 5_000;

  const send = (msg: WithoutVersion<ClientMessage>) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(encode(msg));
  };
  const reportClosed = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    sendBack({ type: "SOCKET.CLOSED", code, reason });
  };

  const join = () => send({ type: "join", room: input.room, ...(input.token ? { token: input.token } : {}) });
  if (ws.readyState === WebSocket.OPEN) join();
  else ws.onopen = join;
  ws.onmessage = (ev) => {
    lastHeard = Date.now();
    const decoded = decodeServer(ev.data);
    if (decoded.ok) sendBack({ type: "SOCKET.MESSAGE", msg: decoded.msg });
    else console.warn("signaling: dropped a bad frame from the server:", decoded.text);
  };
  ws.onclose = (ev) => reportClosed(ev.code, ev.reason);
  ws.onerror = () => reportClosed(1006, "connection error");

  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastHeard > pingEvery * 3) {
      ws.close();
      reportClosed(1006, "server stopped answering");
      return;
    }
    send({ type: "ping" });
  }, pingEvery);

  receive((ev) => send(ev.msg));

  return () => {
    clearInterval(timer);
    closed = true;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, "bye");
  };
});

/** Close codes after which reconnecting would only repeat the problem. */
export const isFatalClose = (code: number) => code === CloseCode.Replaced || code === CloseCode.BadFrames;
