/**
 * What an address asks for: the start page, a call, a call link that cannot be a room, or a page
 * that does not exist. Pure, so the boot code and its tests read the same answer.
 */
import { roomIdProblem } from "../protocol/validate.ts"; // not index.ts: the head start imports this, and must stay small

export type Route = { kind: "home" } | { kind: "call"; room: string } | { kind: "badLink" } | { kind: "notFound" };

export function routeOf(pathname: string): Route {
  if (pathname === "/" || pathname === "/index.html") return { kind: "home" };
  const match = /^\/c\/([^/]*)\/?$/.exec(pathname);
  if (!match) return pathname.startsWith("/c/") || pathname === "/c" ? { kind: "badLink" } : { kind: "notFound" };
  let room: string;
  try {
    room = decodeURIComponent(match[1]!);
  } catch {
    return { kind: "badLink" };
  }
  return roomIdProblem(room) ? { kind: "badLink" } : { kind: "call", room };
}

/** The signal server's WebSocket address, on the page's own host. */
export function signalingUrl(page: { protocol: string; host: string }): string {
  return `${page.protocol === "https:" ? "wss:" : "ws:"}//${page.host}/ws`;
}
