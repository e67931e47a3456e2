/**
 * The signaling link: keeps one socket to the server joined to the room, reconnecting with
 * backoff and jitter, re-joining with the seat token so the member keeps its seat.
 * It tells the call (its parent) what the user experiences of the room, and the transport (system
 * id "transport") what it connects by: who is here, the signals, the relay servers (`hearersOf`).
 */
import { type ActorSystem, type AnyActorRef, assign, enqueueActions, sendParent, sendTo, setup } from "xstate";
import type {
  CallMode,
  ClientMessage,
  ErrorCode,
  IceServer,
  PeerLeftReason,
  RelayChannel,
  ServerMessage,
  SfuConnection,
  SfuStream,
  SignalPayload,
  WithoutVersion,
} from "../../protocol/index.ts";
import { backoffDelay, defaultReconnectPolicy, type ReconnectPolicy } from "./reconnect-policy.ts";
import { isFatalClose, socketActor, type JoinOffers, type SocketEvent, type WarmSockets } from "./socket.ts";
import { TRANSPORT_ID } from "../system-ids.ts";
import type { KeyRing } from "../../protocol/group-keys.ts";

export interface SignalingInput {
  url: string;
  room: string;
  token?: string;
  /** The video layer our tiles will need at first, told with each join (socket.ts). */
  layer?: 0 | 1 | 2;
  policy?: ReconnectPolicy;
  /** The call's warm sockets: the first connection adopts one opened ahead of time. */
  warm?: WarmSockets;
  /** The call's keys: group messages relayed by the server are end-to-end encrypted. */
  messageKeys?: KeyRing | null;
  /** Where a join finds a first offer to carry (socket.ts). */
  offers?: JoinOffers;
}

/** What the link reports (to the call, the transport or both: see `hearersOf`). */
export type SignalingReport =
  /** `offered`: the offer our join carried went to the one member in `peers` (socket.ts, prepared.ts). */
  | { type: "SIGNALING.JOINED"; self: string; token: string; peers: string[]; iceServers: IceServer[]; mode?: CallMode; keep?: boolean; offered?: boolean }
  | { type: "SIGNALING.MODE"; mode: CallMode }
  | { type: "SIGNALING.SFU"; pc: SfuConnection; data: SignalPayload; streams?: SfuStream[] }
  /** The highest video layer anyone receiving ours through the media server wants (dynacast). */
  | { type: "SIGNALING.SFU_LAYERS"; max: 0 | 1 | 2 }
  | { type: "SIGNALING.RELAY"; channel: RelayChannel; from: string; data: Uint8Array }
  | { type: "SIGNALING.ICE_SERVERS"; iceServers: IceServer[] }
  | { type: "SIGNALING.PEER_JOINED"; peer: string }
  | { type: "SIGNALING.PEER_AWAY"; peer: string }
  | { type: "SIGNALING.PEER_LEFT"; peer: string; reason: PeerLeftReason }
  | { type: "SIGNALING.SIGNAL"; from: string; session: string; re?: string; data: SignalPayload }
  | { type: "SIGNALING.ERROR"; code: ErrorCode | "replaced"; text: string }
  | { type: "SIGNALING.OFFLINE" }
  /** How full the room was: a late answer to the pre-join screen's peek, on the socket Join adopted (it comes before `joined`). */
  | { type: "SIGNALING.OCCUPANCY"; people: number; capacity: number; iceServers?: IceServer[] };

/** The reports the call hears: what the user experiences of the room. */
export type CallSignalingReport = Exclude<
  SignalingReport,
  { type: "SIGNALING.SIGNAL" | "SIGNALING.ICE_SERVERS" | "SIGNALING.MODE" | "SIGNALING.SFU" | "SIGNALING.SFU_LAYERS" | "SIGNALING.RELAY" }
>;
/** The reports the transport hears: what it connects by. */
export type TransportSignalingReport = Extract<
  SignalingReport,
  {
    type:
      | "SIGNALING.JOINED"
      | "SIGNALING.SIGNAL"
      | "SIGNALING.PEER_JOINED"
      | "SIGNALING.PEER_LEFT"
      | "SIGNALING.ICE_SERVERS"
      | "SIGNALING.MODE"
      | "SIGNALING.SFU"
      | "SIGNALING.SFU_LAYERS"
      | "SIGNALING.RELAY";
  }
>;

/** Who hears a report: signals and relay servers are the transport's alone; who is here, both. */
export function hearersOf(report: SignalingReport): readonly ("call" | "transport")[] {
  switch (report.type) {
    case "SIGNALING.SIGNAL":
    case "SIGNALING.ICE_SERVERS":
    case "SIGNALING.MODE":
    case "SIGNALING.SFU":
    case "SIGNALING.SFU_LAYERS":
    case "SIGNALING.RELAY":
      return ["transport"];
    case "SIGNALING.JOINED":
    case "SIGNALING.PEER_JOINED":
    case "SIGNALING.PEER_LEFT":
      return ["call", "transport"];
    default:
      return ["call"];
  }
}

/** What `tell` needs of XState's `enqueue`. */
interface Enqueue {
  sendParent(event: SignalingReport): void;
  sendTo(to: AnyActorRef, event: SignalingReport): void;
}

/** Tells a report to the parent (the call) and the transport, found by system id (it exists while the call is in a room, as the link does). */
// biome-ignore lint/suspicious/noExplicitAny: XState types a system by its registered actors; any actor may ask
export function tell(enqueue: Enqueue, system: ActorSystem<any>, report: SignalingReport) {
  for (const hearer of hearersOf(report)) {
    const transport = hearer === "transport" ? system.get(TRANSPORT_ID) : null;
    if (hearer === "call") enqueue.sendParent(report);
    else if (transport) enqueue.sendTo(transport, report);
  }
}

/** `base`: a group message sealed with the link's own keys (the key exchange), not the current epoch's. */
export type SignalingCommand = { type: "SIGNALING.SEND"; msg: WithoutVersion<ClientMessage>; base?: boolean } | { type: "SIGNALING.LEAVE" };

function reportFor(msg: ServerMessage): SignalingReport | null {
  switch (msg.type) {
    case "joined":
      return {
        type: "SIGNALING.JOINED",
        self: msg.self,
        token: msg.token,
        peers: msg.peers,
        iceServers: msg.iceServers,
        mode: msg.mode,
        ...(msg.keep ? { keep: true } : {}),
        ...(msg.offered ? { offered: true } : {}),
      };
    case "mode":
      return { type: "SIGNALING.MODE", mode: msg.mode };
    case "sfu":
      return { type: "SIGNALING.SFU", pc: msg.pc, data: msg.data, ...(msg.streams ? { streams: msg.streams } : {}) };
    case "sfu-layers":
      return { type: "SIGNALING.SFU_LAYERS", max: msg.max };
    case "relay":
      return { type: "SIGNALING.RELAY", channel: msg.channel, from: msg.peer ?? "", data: msg.data };
    case "peer-joined":
      return { type: "SIGNALING.PEER_JOINED", peer: msg.peer };
    case "peer-away":
      return { type: "SIGNALING.PEER_AWAY", peer: msg.peer };
    case "peer-left":
      return { type: "SIGNALING.PEER_LEFT", peer: msg.peer, reason: msg.reason };
    case "signal":
      return { type: "SIGNALING.SIGNAL", from: msg.peer, session: msg.session, ...(msg.re === undefined ? {} : { re: msg.re }), data: msg.data };
    case "error":
      return { type: "SIGNALING.ERROR", code: msg.code, text: msg.text };
    case "ice-servers":
      return { type: "SIGNALING.ICE_SERVERS", iceServers: msg.iceServers };
    case "occupancy":
      return { type: "SIGNALING.OCCUPANCY", people: msg.people, capacity: msg.capacity, ...(msg.iceServers ? { iceServers: msg.iceServers } : {}) };
    case "pong":
      return null;
  }
}

/** Server errors that end the attempt to be in this room. */
const FATAL_ERRORS = new Set<string>(["room-full", "bad-room", "bad-version"]);

export const signalingMachine = setup({
  types: {
    input: {} as SignalingInput,
    context: {} as {
      url: string;
      room: string;
      token?: string;
      layer?: 0 | 1 | 2;
      warm?: WarmSockets;
      messageKeys?: KeyRing | null;
      offers?: JoinOffers;
      policy: ReconnectPolicy;
      attempt: number;
      /** Unix seconds when the current TURN credentials expire. */
      iceExpiresAt?: number;
    },
    events: {} as SocketEvent | SignalingCommand,
  },
  actors: { socket: socketActor },
  delays: {
    backoff: ({ context }) => backoffDelay(context.policy, context.attempt),
    /** Ask for fresh TURN credentials when 80% of their life has passed. */
    iceRefresh: ({ context }) => {
      const left = (context.iceExpiresAt ?? 0) * 1000 - Date.now();
      return Math.max(5_000, left * 0.8);
    },
  },
  guards: {
    isFatalError: ({ event }) => event.type === "SOCKET.MESSAGE" && event.msg.type === "error" && FATAL_ERRORS.has(event.msg.code),
    /** Nothing to report: a pong. */
    isQuiet: ({ event }) => event.type === "SOCKET.MESSAGE" && event.msg.type === "pong",
    isJoined: ({ event }) => event.type === "SOCKET.MESSAGE" && event.msg.type === "joined",
    isIceServers: ({ event }) => event.type === "SOCKET.MESSAGE" && event.msg.type === "ice-servers",
    hasExpiringIce: ({ context }) => context.iceExpiresAt !== undefined,
    isFatalClose: ({ event }) => event.type === "SOCKET.CLOSED" && isFatalClose(event.code),
  },
  actions: {
    report: enqueueActions(({ event, enqueue, system }) => {
      const report = event.type === "SOCKET.MESSAGE" ? reportFor(event.msg) : null;
      if (!report) throw new Error("report: guarded by isQuiet");
      tell(enqueue, system, report);
    }),
    rememberToken: assign({
      token: ({ context, event }) => (event.type === "SOCKET.MESSAGE" && event.msg.type === "joined" ? event.msg.token : context.token),
      attempt: 0,
    }),
    rememberIceExpiry: assign({
      iceExpiresAt: ({ context, event }) =>
        event.type === "SOCKET.MESSAGE" && (event.msg.type === "joined" || event.msg.type === "ice-servers") ? event.msg.iceExpiresAt : context.iceExpiresAt,
    }),
    reportOffline: sendParent({ type: "SIGNALING.OFFLINE" }),
    reportReplaced: sendParent({ type: "SIGNALING.ERROR", code: "replaced", text: "This call was opened in another tab or window." }),
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
  },
}).createMachine({
  id: "signaling",
  context: ({ input }) => ({ ...input, policy: input.policy ?? defaultReconnectPolicy, attempt: 0 }),
  initial: "connecting",
  states: {
    connecting: {
      invoke: {
        id: "socket",
        src: "socket",
        input: ({ context }) => ({
          url: context.url,
          room: context.room,
          token: context.token,
          layer: context.layer,
          warm: context.warm,
          messageKeys: context.messageKeys,
          offers: context.offers,
        }),
      },
      initial: "joining",
      states: {
        joining: {},
        online: {
          after: {
            iceRefresh: {
              guard: "hasExpiringIce",
              target: "online",
              reenter: true,
              actions: sendTo("socket", { type: "SOCKET.SEND", msg: { type: "refresh-ice" } }),
            },
          },
        },
      },
      on: {
        "SOCKET.MESSAGE": [
          { guard: "isQuiet" },
          { guard: "isFatalError", target: "stopped", actions: "report" },
          { guard: "isJoined", target: ".online", actions: ["rememberToken", "rememberIceExpiry", "report"] },
          { guard: "isIceServers", target: ".online", reenter: true, actions: ["rememberIceExpiry", "report"] },
          { actions: "report" },
        ],
        "SOCKET.CLOSED": [
          { guard: "isFatalClose", target: "stopped", actions: "reportReplaced" },
          { target: "retrying", actions: "reportOffline" },
        ],
        "SIGNALING.SEND": {
          actions: sendTo("socket", ({ event }) => ({ type: "SOCKET.SEND" as const, msg: event.msg, ...(event.base ? { base: true } : {}) })),
        },
        // The parent stops this actor right after; sending from here keeps the order (send, then close).
        "SIGNALING.LEAVE": { actions: sendTo("socket", { type: "SOCKET.SEND", msg: { type: "leave" } }) },
      },
    },
    retrying: {
      after: { backoff: { target: "connecting", actions: "countAttempt" } },
      on: { "SIGNALING.LEAVE": "stopped" },
    },
    stopped: { type: "final" },
  },
});
