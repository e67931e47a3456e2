/**
 * One WebSocket to the signal server as a callback actor: sends `join` when open, decodes every
 * frame, reports server messages and the close as events, and sends what its parent asks.
 * An app-level ping notices a dead network, which a browser's WebSocket may not for minutes.
 */
import { fromCallback } from "xstate";
import { CloseCode, decodeServer, encode, type ClientMessage, type ServerMessage, type WithoutVersion } from "../protocol/index.ts";

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

export const socketActor = fromCallback<SocketCommand, SocketInput, SocketEvent>(({ input, sendBack, receive }) => {
  const ws = new WebSocket(input.url);
  ws.binaryType = "arraybuffer";
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

  ws.onopen = () => send({ type: "join", room: input.room, ...(input.token ? { token: input.token } : {}) });
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
