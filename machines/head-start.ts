/**
 * A head start for a call link (issue 21): a small first script (ui/head-start.ts) asks for the
 * camera and microphone and opens the connection to the server while the app's own code is still
 * loading, ~150 ms sooner than the app could (bench/join). The app adopts them: local media's first
 * getUserMedia when it asks with exactly the same constraints (media.ts), the warm socket when it
 * is for the same address (link/socket.ts). The one frame sent on that socket before the app has it
 * is the pre-join screen's `peek` (how full the room is: the room's members hear nothing of it),
 * the moment it opens, so that its answer is there when the app's code has run (~50-200 ms later,
 * bench/join); what the server says meanwhile is held, in order, and handed over with the socket.
 * What is not adopted soon enough is released (the camera's light goes off).
 *
 * The two scripts are separate bundles: they meet on a global, not in a shared module.
 */
import { encodePeek } from "../protocol/peek-frame.ts";
import { audioConstraints, loadSettings, type MediaSettings, startShape, videoConstraints } from "./media/settings.ts";
import { mark } from "./timeline.ts";
import { asInit } from "./transport/candidate-hold.ts";
import { CANDIDATE_POOL, type ConnectionParts, emptySendingLines, openConnection, setOffer, shapeKey } from "./transport/connection-parts.ts";
import { CODECS_KEY, LAST_ICE_KEY, RELAY_ONLY_KEY, seatKey, webStorage } from "./web-storage.ts";

/** What getUserMedia gave: the stream, or why not. */
export type Got = MediaStream | { error: unknown };

/** The head start's socket as the app adopts it. */
export interface AdoptedSocket {
  ws: WebSocket;
  /** What the server sent before the app adopted the socket (`MessageEvent.data`), in order. */
  frames: unknown[];
  /** The peek sent as it opened: for which room, and when (`performance.now()`); null if none was. */
  peeked: { room: string; at: number } | null;
}

/** The pre-join screen's connection as a first visit's page made it (startFirstConnection), until the app takes it. */
export interface FirstConnection {
  parts: ConnectionParts;
  /** Its two empty sending lines' senders. */
  senders: RTCRtpSender[];
  /** The candidates gathered so far (null: the end of them), kept: nothing leaves before Join. */
  candidates: (RTCIceCandidateInit | null)[];
  /** Resolves true once its offer is set as the local description (false: it could not be made). */
  offer: Promise<boolean>;
}

interface HeadStart {
  media: { key: string; got: Promise<Got> } | null;
  socket: (AdoptedSocket & { url: string }) | null;
  connection: (FirstConnection & { key: string }) | null;
  /** The app's code has begun to take what is here (closeHeadStart): nothing more is begun. */
  taken?: boolean;
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
  const head = slot();
  if (head) head.taken = true;
  else (globalThis as Holder)[GLOBAL] = { media: null, socket: null, connection: null, taken: true };
}

/** What local media asks for first (media.ts acquireMedia): the saved devices exactly, the camera at its start shape. */
export function firstConstraints(s: MediaSettings): MediaStreamConstraints {
  return { video: videoConstraints(startShape(s), s.cameraId, true), audio: audioConstraints(s, s.micId, true) };
}

const keyOf = (c: MediaStreamConstraints) => JSON.stringify(c);

/** A refresh of this tab keeps its seat: the app rejoins at once, with no pre-join screen and no peek (call/inputs.ts roomWatchInput). */
function keepsSeat(room: string): boolean {
  try {
    return !!webStorage("session")?.getItem(seatKey(room));
  } catch {
    return false;
  }
}

/**
 * The page's first script: ask for the devices and open the socket (call links only; see
 * ui/head-start.ts), and on it ask how full `room` is as soon as it opens, as the pre-join screen
 * will (not for a refresh taking its seat back, which shows none).
 */
export function startHeadStart(signalingUrl: string, room: string | null = null): void {
  if (slot()) return;
  const head: HeadStart = { media: null, socket: null, connection: null };
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
      const socket: NonNullable<HeadStart["socket"]> = { url: signalingUrl, ws, frames: [], peeked: null };
      head.socket = socket;
      // Held until the app takes the socket (adoptSocket removes these handlers as it does).
      ws.onmessage = (ev) => {
        if (socket.peeked) mark("peek-answer");
        socket.frames.push(ev.data);
      };
      const peek = room && !keepsSeat(room) ? encodePeek(room) : null;
      if (peek)
        ws.onopen = () => {
          ws.send(peek);
          socket.peeked = { room: room!, at: performance.now() };
          mark("peeked");
        };
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
    head.connection?.parts.pc.close();
    head.connection = null;
  }, UNCLAIMED_MS);
}

/**
 * A first visit's page has nothing of the app's code yet (no service worker serves it): it comes
 * over the network, and the page waits for it with little else to do (bench/join, join34). In that
 * wait the pre-join screen's direct connection is made here, as the app would make it on the guess
 * that one person is there (call/inputs.ts joinPlan): no relay servers, every path, the codec order
 * the app starts with, an empty sending line of each kind, candidates gathered ahead and kept, the
 * offer set. Nothing leaves the browser. The app takes it if its own plan is the same
 * (prepared.ts); else, or if nobody takes it, it is closed. Only when this browser keeps none of
 * what that plan reads (relay servers, "relay only", a probed codec order): then it is that plan.
 * Called once the page is parsed (ui/head-start.ts); not for a refresh taking its seat back.
 */
export function startFirstConnection(room: string): void {
  const head = slot();
  if (!head || head.taken || head.connection || keepsSeat(room)) return;
  if (typeof RTCPeerConnection !== "function" || globalThis.navigator?.serviceWorker?.controller) return;
  const local = webStorage("local");
  try {
    if (!local || [LAST_ICE_KEY, RELAY_ONLY_KEY, CODECS_KEY].some((key) => local.getItem(key) !== null)) return;
  } catch {
    return;
  }
  try {
    // The app's guess on a first visit: no relay servers, every path, the codec order it starts with.
    const shape = { iceServers: [], iceTransportPolicy: "all" as const };
    mark("offer-preparing");
    const parts = openConnection({ ...shape, iceCandidatePoolSize: CANDIDATE_POOL });
    const { pc } = parts;
    const candidates: (RTCIceCandidateInit | null)[] = [];
    pc.onicecandidate = ({ candidate }) => void candidates.push(asInit(candidate));
    const senders = emptySendingLines(pc);
    head.connection = { key: shapeKey(shape), parts, senders, candidates, offer: setOffer(pc) };
  } catch (err) {
    // No connection here (a browser that refuses one): the app makes its own, and says what went wrong.
    console.warn("OneLink: no connection made ahead", err);
  }
}

/**
 * The connection made ahead (startFirstConnection) if it was made for `key` (connection-parts.ts
 * shapeKey), taken once, with what it gathered so far; null otherwise. One made for another plan,
 * or any with `key` null (the app prepares something else, or nothing), is closed. From now on its
 * handlers are the caller's.
 */
export function adoptFirstConnection(key: string | null): FirstConnection | null {
  closeHeadStart();
  const head = slot();
  const connection = head?.connection;
  if (!head || !connection) return null;
  head.connection = null;
  connection.parts.pc.onicecandidate = null;
  if (connection.key === key) return connection;
  connection.parts.pc.close();
  return null;
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

/**
 * The head start's socket to `url`, still opening or open (taken once), with the frames the server
 * sent on it so far and the peek it sent; null otherwise. From now on its handlers are the caller's
 * (none is left set): one still opening sends no peek, so the caller asks itself once it opens.
 */
export function adoptSocket(url: string): AdoptedSocket | null {
  closeHeadStart();
  const head = slot();
  const socket = head?.socket;
  if (!head || !socket) return null;
  head.socket = null;
  const { ws, frames, peeked } = socket;
  ws.onopen = ws.onmessage = null;
  if (socket.url === url && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) return { ws, frames, peeked };
  ws.close(1000, "not needed");
  return null;
}
