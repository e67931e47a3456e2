/**
 * One remote member: wraps its peer connection actor, turns connection states into what the user
 * experiences (connecting, connected, unstable, restarting ICE) with named timers, and reports to
 * the call. Many of these can live side by side: nothing here assumes a call of two.
 */
import { assign, sendParent, sendTo, setup } from "xstate";
import type { ControlMessage, FeatureChannel, IceServer, SignalPayload } from "../../protocol/index.ts";
import { peerConnectionActor, type PeerConnectionEvent, type PeerConnectionInput } from "./peer-connection.ts";
import type { Outgoing } from "./rtp-tuning.ts";
import type { StatsSample } from "../features/stats.ts";

/** A peer is started with exactly what its connection needs. */
export type PeerInput = PeerConnectionInput;

export type PeerStatus = "connecting" | "connected" | "unstable" | "restarting";

/** What a peer tells the call. */
export type PeerReport =
  | { type: "PEER.STATS"; peer: string; sample: StatsSample }
  | { type: "PEER.SIGNAL_OUT"; peer: string; session: string; data: SignalPayload }
  | { type: "PEER.STATUS"; peer: string; status: PeerStatus }
  | { type: "PEER.REMOTE_STREAM"; peer: string; stream: MediaStream }
  | { type: "PEER.CONTROL"; peer: string; msg: ControlMessage }
  | { type: "PEER.CONTROL_OPEN"; peer: string }
  | { type: "PEER.ICE_ERROR"; peer: string; code: number; text: string; url: string }
  | { type: "PEER.CHANNEL_OPEN"; peer: string; channel: FeatureChannel }
  | { type: "PEER.CHANNEL_MESSAGE"; peer: string; channel: FeatureChannel; data: Uint8Array }
  /** After PEER.WATCH_FLOW: their media flows on this connection (a frame decoded). */
  | { type: "PEER.FLOWING"; peer: string };

export type PeerCommand =
  | { type: "PEER.OUTGOING"; outgoing: Outgoing }
  | { type: "PEER.GET_STATS" }
  | { type: "PEER.SIGNAL_IN"; data: SignalPayload }
  | { type: "PEER.SEND_CONTROL"; msg: ControlMessage }
  | { type: "PEER.SET_ICE_SERVERS"; iceServers: IceServer[] }
  | { type: "PEER.CHANNEL_SEND"; channel: FeatureChannel; data: Uint8Array }
  | { type: "PEER.WATCH_FLOW" };

/**
 * Media that stops arriving on a connection that still says "connected" (seen after a relay came
 * back: consent checks pass, packets do not) is restarted after this long without a packet.
 */
export const MEDIA_STALL_MS = 5_000;
/** After such a restart, how long before another one if packets still do not come. */
const STALL_RETRY_MS = 15_000;

/** RTP packets received so far, audio and video. */
const inboundPackets = (s: StatsSample) => (s.audioIn?.packets ?? 0) + (s.videoIn?.packets ?? 0);

export const peerMachine = setup({
  types: {
    input: {} as PeerInput,
    context: {} as PeerInput & {
      /** Inbound packets at the last sample where they grew, and when (the sample's clock). */
      inbound: number;
      inboundGrewAt: number;
      /** Just (re)connected: the next sample starts the watch afresh, giving media time to flow. */
      rewatch: boolean;
    },
    events: {} as PeerConnectionEvent | PeerCommand,
  },
  actors: { connection: peerConnectionActor },
  delays: {
    /** A brief `disconnected` often heals by itself; past this, restart ICE. */
    iceDisconnectGrace: 2_000,
    /** An ICE restart that has not connected by then is tried again. */
    iceRestartRetry: 8_000,
    /** A first connection that has not come up by then lost a signal on the way (an offer or answer in flight when the server died): restart, which offers again. */
    firstConnectTimeout: 12_000,
  },
  actions: {
    reportStatus: sendParent(({ context }, status: PeerStatus) => ({ type: "PEER.STATUS", peer: context.peer, status })),
    restartIce: sendTo("connection", { type: "PC.RESTART_ICE" }),
    forwardStats: sendParent(({ context, event }) => {
      if (event.type !== "PC.STATS") throw new Error("forwardStats: PC.STATS only");
      return { type: "PEER.STATS", peer: context.peer, sample: event.sample };
    }),
    /** Notes when inbound media last moved. */
    trackInbound: assign(({ context, event }) => {
      if (event.type !== "PC.STATS") return {};
      const total = inboundPackets(event.sample);
      if (context.rewatch) return { inbound: total, inboundGrewAt: event.sample.at, rewatch: false };
      return total > context.inbound ? { inbound: total, inboundGrewAt: event.sample.at } : {};
    }),
    rewatch: assign({ rewatch: true }),
    /** The next stall restart waits STALL_RETRY_MS more. */
    deferStallRestart: assign({
      inboundGrewAt: ({ context, event }) => (event.type === "PC.STATS" ? event.sample.at + STALL_RETRY_MS - MEDIA_STALL_MS : context.inboundGrewAt),
    }),
  },
  guards: {
    /** A peer that never sent anything (no camera, no microphone) never counts as stalled. */
    mediaStalled: ({ context, event }) =>
      event.type === "PC.STATS" &&
      !context.rewatch &&
      context.inbound > 0 &&
      inboundPackets(event.sample) <= context.inbound &&
      event.sample.at - context.inboundGrewAt >= MEDIA_STALL_MS,
    isConnected: ({ event }) => event.type === "PC.STATE" && event.state === "connected",
    isDisconnected: ({ event }) => event.type === "PC.STATE" && event.state === "disconnected",
    isFailed: ({ event }) => event.type === "PC.STATE" && event.state === "failed",
  },
}).createMachine({
  id: "peer",
  context: ({ input }) => ({ ...input, inbound: 0, inboundGrewAt: 0, rewatch: true }),
  invoke: {
    id: "connection",
    src: "connection",
    input: ({ context }) => context,
  },
  on: {
    "PC.SIGNAL_OUT": {
      actions: sendParent(({ context, event }) => ({ type: "PEER.SIGNAL_OUT", peer: context.peer, session: context.session, data: event.data })),
    },
    "PC.REMOTE_STREAM": { actions: sendParent(({ context, event }) => ({ type: "PEER.REMOTE_STREAM", peer: context.peer, stream: event.stream })) },
    "PC.CONTROL": { actions: sendParent(({ context, event }) => ({ type: "PEER.CONTROL", peer: context.peer, msg: event.msg })) },
    "PC.CONTROL_OPEN": { actions: sendParent(({ context }) => ({ type: "PEER.CONTROL_OPEN", peer: context.peer })) },
    "PC.CHANNEL_OPEN": { actions: sendParent(({ context, event }) => ({ type: "PEER.CHANNEL_OPEN", peer: context.peer, channel: event.channel })) },
    "PC.CHANNEL_MESSAGE": {
      actions: sendParent(({ context, event }) => ({ type: "PEER.CHANNEL_MESSAGE", peer: context.peer, channel: event.channel, data: event.data })),
    },
    "PEER.CHANNEL_SEND": { actions: sendTo("connection", ({ event }) => ({ type: "PC.CHANNEL_SEND" as const, channel: event.channel, data: event.data })) },
    "PC.ICE_ERROR": {
      actions: sendParent(({ context, event }) => ({ type: "PEER.ICE_ERROR", peer: context.peer, code: event.code, text: event.text, url: event.url })),
    },
    "PEER.SET_ICE_SERVERS": { actions: sendTo("connection", ({ event }) => ({ type: "PC.SET_ICE_SERVERS" as const, iceServers: event.iceServers })) },
    "PEER.SIGNAL_IN": { actions: sendTo("connection", ({ event }) => ({ type: "PC.SIGNAL_IN" as const, data: event.data })) },
    "PEER.SEND_CONTROL": { actions: sendTo("connection", ({ event }) => ({ type: "PC.SEND_CONTROL" as const, msg: event.msg })) },
    "PEER.OUTGOING": { actions: sendTo("connection", ({ event }) => ({ type: "PC.OUTGOING" as const, outgoing: event.outgoing })) },
    "PEER.GET_STATS": { actions: sendTo("connection", { type: "PC.GET_STATS" }) },
    "PEER.WATCH_FLOW": { actions: sendTo("connection", { type: "PC.WATCH_FLOW" }) },
    "PC.FLOWING": { actions: sendParent(({ context }) => ({ type: "PEER.FLOWING", peer: context.peer })) },
    "PC.STATS": { actions: ["forwardStats", "trackInbound"] },
  },
  initial: "connecting",
  states: {
    connecting: {
      entry: { type: "reportStatus", params: "connecting" },
      after: { firstConnectTimeout: "restarting" },
      on: {
        "PC.STATE": [
          { guard: "isConnected", target: "connected" },
          { guard: "isFailed", target: "restarting" },
        ],
      },
    },
    connected: {
      entry: [{ type: "reportStatus", params: "connected" }, "rewatch"],
      on: {
        "PC.STATE": [
          { guard: "isDisconnected", target: "unstable" },
          { guard: "isFailed", target: "restarting" },
        ],
        // Connected, yet nothing arrives: restart ICE in place (the state stays connected meanwhile).
        "PC.STATS": [{ guard: "mediaStalled", actions: ["forwardStats", "restartIce", "deferStallRestart"] }, { actions: ["forwardStats", "trackInbound"] }],
      },
    },
    unstable: {
      entry: { type: "reportStatus", params: "unstable" },
      after: { iceDisconnectGrace: "restarting" },
      on: {
        "PC.STATE": [
          { guard: "isConnected", target: "connected" },
          { guard: "isFailed", target: "restarting" },
        ],
      },
    },
    restarting: {
      entry: [{ type: "reportStatus", params: "restarting" }, "restartIce"],
      after: { iceRestartRetry: { target: "restarting", reenter: true } },
      on: { "PC.STATE": { guard: "isConnected", target: "connected" } },
    },
  },
});
