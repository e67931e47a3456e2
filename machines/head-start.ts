/**
 * A head start for a call link (issue 21): a small first script (ui/head-start.ts) asks for the
 * camera and microphone and opens the connection to the server while the app's own code is still
 * loading, ~150 ms sooner than the app could (bench/join). The app adopts them: local media's first
 * getUserMedia when it asks with exactly the same constraints (media.ts), the warm socket when it
 * is for the same address (link/socket.ts). Nothing is sent on that socket before the app has it.
 * What is not adopted soon enough is released (the camera's light goes off).
 *
 * The two scripts are separate bundles: they meet on a global, not in a shared module.
 */
import { audioConstraints, loadSettings, type MediaSettings, videoConstraints } from "./media/settings.ts";
import { webStorage } from "./web-storage.ts";

/** What getUserMedia gave: the stream, or why not. */
export type Got = MediaStream | { error: unknown };

interface HeadStart {
  media: { key: string; got: Promise<Got> } | null;
  socket: { url: string; ws: WebSocket } | null;
}

const GLOBAL = "__onelinkHeadStart";
/** A head start nobody adopted by then is released. */
export const UNCLAIMED_MS = 20_000;

type Holder = { [GLOBAL]?: HeadStart };
const slot = (): HeadStart | null => (globalThis as Holder)[GLOBAL] ?? null;

/**
 * The app's code is running: a head start that has not begun by now never will. The head start
 * is an async script, so it may run after the app's own (a slow or busy machine, the app's code
 * from the service worker's cache); begun then, it would ask for the camera and open a socket a
 * second time, beside the app's own, holding the camera's light on until UNCLAIMED_MS.
 */
export function closeHeadStart(): void {
  if (!slot()) (globalThis as Holder)[GLOBAL] = { media: null, socket: null };
}

/** What local media asks for first (media.ts acquireMedia): the saved devices exactly. */
export function firstConstraints(s: MediaSettings): MediaStreamConstraints {
  return { video: videoConstraints(s, s.cameraId, true), audio: audioConstraints(s, s.micId, true) };
}

const keyOf = (c: MediaStreamConstraints) => JSON.stringify(c);

/** The page's first script: ask for the devices and open the socket (call links only; see ui/head-start.ts). */
export function startHeadStart(signalingUrl: string): void {
  if (slot()) return;
  const head: HeadStart = { media: null, socket: null };
  (globalThis as Holder)[GLOBAL] = head;
  if (typeof globalThis.navigator?.mediaDevices?.getUserMedia === "function") {
    const constraints = firstConstraints(loadSettings(webStorage("local") ?? undefined));
    const got: Promise<Got> = navigator.mediaDevices.getUserMedia(constraints).catch((error: unknown) => ({ error }));
    head.media = { key: keyOf(constraints), got };
  }
  if (typeof WebSocket === "function") {
    try {
      const ws = new WebSocket(signalingUrl);
      ws.binaryType = "arraybuffer";
      head.socket = { url: signalingUrl, ws };
    } catch {
      // A bad address: the app opens its own and says what went wrong.
    }
  }
  setTimeout(() => {
    const media = head.media;
    head.media = null;
    void media?.got.then((g) => g instanceof MediaStream && g.getTracks().forEach((t) => t.stop()));
    head.socket?.ws.close(1000, "not needed");
    head.socket = null;
  }, UNCLAIMED_MS);
}

/**
 * The head start's getUserMedia if it asked for exactly `constraints` (taken once); null otherwise.
 * One asked for with other constraints is released: the app asks for what it wants itself.
 */
export function adoptMedia(constraints: MediaStreamConstraints): Promise<Got> | null {
  closeHeadStart();
  const head = slot();
  const media = head?.media;
  if (!head || !media) return null;
  head.media = null;
  if (media.key === keyOf(constraints)) return media.got;
  void media.got.then((g) => g instanceof MediaStream && g.getTracks().forEach((t) => t.stop()));
  return null;
}

/** The head start's socket to `url`, still opening or open (taken once); null otherwise. */
export function adoptSocket(url: string): WebSocket | null {
  closeHeadStart();
  const head = slot();
  const socket = head?.socket;
  if (!head || !socket) return null;
  head.socket = null;
  const { ws } = socket;
  if (socket.url === url && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) return ws;
  ws.close(1000, "not needed");
  return null;
}
