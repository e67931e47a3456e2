/**
 * Runtime validation of decoded frames. Every check returns a typed result; nothing throws.
 */
import {
  CARD_MAX,
  OCCUPANCY_CARDS_MAX,
  OCCUPANCY_MAX,
  PEER_ID_MAX,
  PROTOCOL_VERSION,
  ROOM_ID_MAX,
  ROOM_ID_MIN,
  TOKEN_MAX,
  type ClientMessage,
  type ErrorCode,
  type IceCandidate,
  type IceServer,
  type JoinMessage,
  type OccupancyMessage,
  RELAY_CHANNELS,
  RELAY_DATA_MAX,
  type RelayMessage,
  type SfuStream,
  type ServerMessage,
  type SignalPayload,
} from "./messages.ts";

export type Validated<T> = { ok: true; msg: T } | { ok: false; code: ErrorCode; text: string };

export const SDP_MAX = 32 * 1024;
export const CANDIDATE_MAX = 1024;
export const SESSION_ID_MAX = 64;
const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const isStr = (x: unknown, max: number): x is string => typeof x === "string" && x.length <= max;
const optStr = (x: unknown, max: number) => x === undefined || x === null || isStr(x, max);
const bad = (text: string, code: ErrorCode = "bad-frame") => ({ ok: false as const, code, text });

/** Why a room id is unacceptable, or null when it is fine. Shared by the form and the server. */
export function roomIdProblem(id: unknown): string | null {
  if (typeof id !== "string" || id.length === 0) return "Enter a room ID.";
  if (id.length < ROOM_ID_MIN) return `A room ID needs at least ${ROOM_ID_MIN} characters.`;
  if (id.length > ROOM_ID_MAX) return `A room ID can have at most ${ROOM_ID_MAX} characters.`;
  if (!ROOM_ID_PATTERN.test(id)) return "A room ID may only use letters, digits, '-' and '_'.";
  return null;
}

export function isPeerId(x: unknown): x is string {
  return isStr(x, PEER_ID_MAX) && x.length > 0;
}

export function isSessionId(x: unknown): x is string {
  return isStr(x, SESSION_ID_MAX) && x.length > 0;
}

function isCandidate(x: unknown): x is IceCandidate {
  return (
    isObj(x) &&
    isStr(x.candidate, CANDIDATE_MAX) &&
    optStr(x.sdpMid, 64) &&
    optStr(x.usernameFragment, 256) &&
    (x.sdpMLineIndex === undefined ||
      x.sdpMLineIndex === null ||
      (Number.isInteger(x.sdpMLineIndex) && (x.sdpMLineIndex as number) >= 0 && (x.sdpMLineIndex as number) < 1024))
  );
}

const DESCRIPTION_TYPES = new Set(["offer", "answer", "pranswer", "rollback"]);

export function isSignalPayload(x: unknown): x is SignalPayload {
  if (!isObj(x)) return false;
  if ("description" in x) {
    const d = x.description;
    return isObj(d) && typeof d.type === "string" && DESCRIPTION_TYPES.has(d.type) && isStr(d.sdp, SDP_MAX);
  }
  if ("candidate" in x) return x.candidate === null || isCandidate(x.candidate);
  return false;
}

/** A copy holding only the validated fields, so nothing unchecked (deep junk, huge arrays) is relayed. */
function cleanPayload(x: SignalPayload): SignalPayload {
  if ("description" in x) return { description: { type: x.description.type, sdp: x.description.sdp } };
  const c = x.candidate;
  if (c === null) return { candidate: null };
  const candidate: IceCandidate = { candidate: c.candidate };
  if (c.sdpMid !== undefined) candidate.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex !== undefined) candidate.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment !== undefined) candidate.usernameFragment = c.usernameFragment;
  return { candidate };
}

function isIceServer(x: unknown): x is IceServer {
  if (!isObj(x)) return false;
  const urls = x.urls;
  const urlsOk = isStr(urls, 512) || (Array.isArray(urls) && urls.length <= 16 && urls.every((u) => isStr(u, 512)));
  return urlsOk && optStr(x.username, 512) && optStr(x.credential, 512);
}

export const isIceServerList = (x: unknown): x is IceServer[] => Array.isArray(x) && x.length <= 8 && x.every(isIceServer);

const isOptionalExpiry = (x: unknown) => x === undefined || x === null || (Number.isInteger(x) && (x as number) > 0);

const isCount = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= OCCUPANCY_MAX;
const isSfuConnection = (x: unknown) => x === "pub" || x === "sub";
const isCallMode = (x: unknown) => x === "direct" || x === "sfu";
const isRelayChannel = (x: unknown): x is RelayMessage["channel"] => RELAY_CHANNELS.includes(x as RelayMessage["channel"]);
const isRelayData = (x: unknown): x is Uint8Array => x instanceof Uint8Array && x.byteLength <= RELAY_DATA_MAX;
const isCard = (x: unknown): x is Uint8Array => x instanceof Uint8Array && x.byteLength <= CARD_MAX;
/**
 * An occupancy's cards as the page may use them: only non-empty cards of at most CARD_MAX bytes,
 * at most one per person counted (and OCCUPANCY_CARDS_MAX). Junk is left out rather than the
 * count dropped with it: a card that is not one names nobody, and the people are still counted.
 */
function cleanCards(x: unknown, people: number): Uint8Array[] {
  if (!Array.isArray(x)) return [];
  const cards: Uint8Array[] = [];
  const most = Math.min(people, OCCUPANCY_CARDS_MAX);
  for (const c of x) {
    if (cards.length >= most) break;
    if (isCard(c) && c.byteLength > 0) cards.push(c);
  }
  return cards;
}
/** Most media lines one `sub` offer may list (20 people, audio, video and a screen each, with room to spare). */
export const SFU_STREAMS_MAX = 128;
const isSfuStream = (x: unknown): x is SfuStream => isObj(x) && isStr(x.mid, 16) && isPeerId(x.peer) && (x.kind === "audio" || x.kind === "video");

/**
 * Only a numeric version other than ours means "the other side runs another release" (and tells a
 * good client to reload); a frame with no version, or not a number, is just malformed.
 */
function checkVersion(x: Obj) {
  if (typeof x.v !== "number") return bad("A frame must carry its protocol version as a number.");
  if (x.v !== PROTOCOL_VERSION) {
    return bad(`OneLink has been updated (protocol ${String(x.v)}, expected ${PROTOCOL_VERSION}): reload the page.`, "bad-version");
  }
  return null;
}

/** Checks a decoded value is a well-formed message from a browser. */
export function validateClientMessage(x: unknown): Validated<ClientMessage> {
  if (!isObj(x)) return bad("A frame must be a map.");
  const versionError = checkVersion(x);
  if (versionError) return versionError;
  switch (x.type) {
    case "join": {
      const problem = roomIdProblem(x.room);
      if (problem) return bad(problem, "bad-room");
      if (!optStr(x.token, TOKEN_MAX)) return bad("Seat token malformed.");
      if (x.layer !== undefined && x.layer !== 0 && x.layer !== 1 && x.layer !== 2) return bad("A join's `layer` is 0, 1 or 2.");
      if (x.offer !== undefined && !(isObj(x.offer) && isSessionId(x.offer.session) && isStr(x.offer.sdp, SDP_MAX) && x.offer.sdp.length > 0))
        return bad("A join's `offer` needs a `session` id and an `sdp`.");
      const join: JoinMessage = { v: PROTOCOL_VERSION, type: "join", room: x.room as string };
      if (typeof x.token === "string") join.token = x.token;
      if (x.layer !== undefined) join.layer = x.layer;
      // A copy of the checked fields only.
      if (isObj(x.offer)) join.offer = { session: x.offer.session as string, sdp: x.offer.sdp as string };
      return { ok: true, msg: join };
    }
    case "peek": {
      const problem = roomIdProblem(x.room);
      if (problem) return bad(problem, "bad-room");
      return { ok: true, msg: { v: PROTOCOL_VERSION, type: "peek", room: x.room as string } };
    }
    case "signal":
      if (!isPeerId(x.peer)) return bad("Signal needs a peer id in `peer`.");
      if (!isSessionId(x.session)) return bad("Signal needs a `session` id.");
      if (x.re !== undefined && !isSessionId(x.re)) return bad("A signal's `re` must be a session id.");
      if (!isSignalPayload(x.data)) return bad("Signal needs a description or a candidate in `data`.");
      return {
        ok: true,
        msg: { v: PROTOCOL_VERSION, type: "signal", peer: x.peer, session: x.session, ...(x.re === undefined ? {} : { re: x.re }), data: cleanPayload(x.data) },
      };
    case "sfu":
      if (!isSfuConnection(x.pc)) return bad('A sfu frame names its connection, "pub" or "sub", in `pc`.');
      if (!isSignalPayload(x.data)) return bad("A sfu frame needs a description or a candidate in `data`.");
      return { ok: true, msg: { v: PROTOCOL_VERSION, type: "sfu", pc: x.pc as "pub" | "sub", data: cleanPayload(x.data) } };
    case "sfu-view": {
      const want = x.want;
      if (!Array.isArray(want) || want.length > SFU_STREAMS_MAX) return bad("A sfu-view frame lists at most 128 participants in `want`.");
      const clean: { peer: string; layer: -1 | 0 | 1 | 2 }[] = [];
      for (const w of want) {
        if (!isObj(w) || !isPeerId(w.peer) || ![-1, 0, 1, 2].includes(w.layer as number))
          return bad("Each `want` names a member and a layer of -1, 0, 1 or 2.");
        clean.push({ peer: w.peer, layer: w.layer as -1 | 0 | 1 | 2 });
      }
      return { ok: true, msg: { v: PROTOCOL_VERSION, type: "sfu-view", want: clean } };
    }
    case "relay": {
      if (!isRelayChannel(x.channel)) return bad("A relay frame names a known channel.");
      if (x.peer !== undefined && x.peer !== null && !isPeerId(x.peer)) return bad("A relay frame's `peer` must be a member id.");
      if (!isRelayData(x.data)) return bad(`A relay frame carries at most ${RELAY_DATA_MAX} bytes in \`data\`.`, "too-large");
      const relay: RelayMessage = { v: PROTOCOL_VERSION, type: "relay", channel: x.channel, data: x.data };
      if (typeof x.peer === "string") relay.peer = x.peer;
      return { ok: true, msg: relay };
    }
    case "card":
      if (!(x.data instanceof Uint8Array)) return bad("A card carries its sealed bytes in `data`.");
      if (!isCard(x.data)) return bad(`A card is at most ${CARD_MAX} bytes.`, "too-large");
      return { ok: true, msg: { v: PROTOCOL_VERSION, type: "card", data: x.data } };
    case "leave":
    case "ping":
    case "refresh-ice":
      // Only the validated fields are kept: extra fields never reach the handlers or other peers.
      return { ok: true, msg: { v: PROTOCOL_VERSION, type: x.type } };
    default:
      return bad(`Unknown message type ${JSON.stringify(String(x.type)).slice(0, 40)}.`);
  }
}

/** Checks a decoded value is a well-formed message from the server. */
export function validateServerMessage(x: unknown): Validated<ServerMessage> {
  if (!isObj(x)) return bad("A frame must be a map.");
  const versionError = checkVersion(x);
  if (versionError) return versionError;
  const ok = { ok: true as const, msg: x as unknown as ServerMessage };
  switch (x.type) {
    case "joined":
      return isStr(x.room, ROOM_ID_MAX) &&
        isCallMode(x.mode) &&
        (x.keep === undefined || typeof x.keep === "boolean") &&
        isPeerId(x.self) &&
        isStr(x.token, TOKEN_MAX) &&
        Array.isArray(x.peers) &&
        x.peers.every(isPeerId) &&
        Array.isArray(x.iceServers) &&
        x.iceServers.every(isIceServer) &&
        isOptionalExpiry(x.iceExpiresAt) &&
        (x.cards === undefined || typeof x.cards === "boolean") &&
        (x.offered === undefined || typeof x.offered === "boolean")
        ? ok
        : bad("Malformed joined.");
    case "ice-servers":
      return isIceServerList(x.iceServers) && isOptionalExpiry(x.iceExpiresAt) ? ok : bad("Malformed ice-servers.");
    case "peer-joined":
    case "peer-away":
      return isPeerId(x.peer) ? ok : bad(`Malformed ${x.type}.`);
    case "peer-left":
      return isPeerId(x.peer) && (x.reason === "left" || x.reason === "gone") ? ok : bad("Malformed peer-left.");
    case "signal":
      return isPeerId(x.peer) && isSessionId(x.session) && (x.re === undefined || isSessionId(x.re)) && isSignalPayload(x.data) ? ok : bad("Malformed signal.");
    case "occupancy": {
      if (!isStr(x.room, ROOM_ID_MAX) || !isCount(x.people) || !isCount(x.capacity)) return bad("Malformed occupancy.");
      const occupancy: OccupancyMessage = { v: PROTOCOL_VERSION, type: "occupancy", room: x.room, people: x.people as number, capacity: x.capacity as number };
      const cards = cleanCards(x.cards, occupancy.people);
      if (cards.length) occupancy.cards = cards;
      if (x.iceServers !== undefined) {
        if (!isIceServerList(x.iceServers)) return bad("Malformed occupancy.");
        occupancy.iceServers = x.iceServers;
      }
      return { ok: true, msg: occupancy };
    }
    case "mode":
      return isCallMode(x.mode) ? ok : bad("Malformed mode.");
    case "sfu":
      return isSfuConnection(x.pc) &&
        isSignalPayload(x.data) &&
        (x.streams === undefined || (Array.isArray(x.streams) && x.streams.length <= SFU_STREAMS_MAX && x.streams.every(isSfuStream)))
        ? ok
        : bad("Malformed sfu.");
    case "sfu-layers":
      return x.max === 0 || x.max === 1 || x.max === 2 ? ok : bad("Malformed sfu-layers.");
    case "relay":
      return isRelayChannel(x.channel) && isPeerId(x.peer) && isRelayData(x.data) ? ok : bad("Malformed relay.");
    case "error":
      return typeof x.code === "string" && isStr(x.text, 1024) ? ok : bad("Malformed error.");
    case "pong":
      return ok;
    default:
      return bad(`Unknown message type ${JSON.stringify(String(x.type)).slice(0, 40)}.`);
  }
}
