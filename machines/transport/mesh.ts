/**
 * The transport, mesh implementation: one peer machine per participant, each with its own
 * RTCPeerConnection (perfect negotiation, ICE restarts). It is the seam every feature talks to:
 *
 *   publish      TRANSPORT.PUBLISH (our stream and sender settings), TRANSPORT.MEDIA_STATE
 *   receive      PEER.REMOTE_STREAM / PEER.STATUS / PEER.CONTROL reported to the call (its parent)
 *   send         FEATURE.SEND on a named channel, to everyone or to one participant
 *   deliver      FEATURE.MESSAGE / FEATURE.PEER_OPEN to the feature registered under the channel's
 *                system id (FEATURE_ACTOR), with the sender's participant id
 *
 * Signals go to and come from the link (system id "link"), which reports them here directly. The
 * call invokes this with system id "transport"; the link, features and the stats actor find it
 * there, so their messages never pass through the call. A media-server implementation answers
 * the same events.
 */
import { stopChildrenOfFailed } from "../failed-actor.ts";
import { enqueueActions, type EventObject, sendParent, setup, type ActorRefFrom } from "xstate";
import type { ControlMessage, IceServer, SignalPayload } from "../../protocol/index.ts";
import type { StatsCommand } from "../features/stats.ts";
import type { SignalingCommand, TransportSignalingReport } from "../link/signaling.ts";
import { FEATURE_ACTOR, type FeatureInbound, type FeatureOutbound, type StatsReport } from "./channels.ts";
import { LINK_ID, STATS_ID, TRANSPORT_ID } from "../system-ids.ts";
import { peerMachine, type PeerInput, type PeerReport, type PeerStatus } from "./peer.ts";
import type { Outgoing } from "./rtp-tuning.ts";

/** System ids the transport finds its neighbours by. */
export { LINK_ID, STATS_ID, TRANSPORT_ID };

/** How often one connection may fail and be restarted before it is given up on. */
const MAX_RESTARTS = 3;

export interface Connection {
  id: string;
  ref: ActorRefFrom<typeof peerMachine> | null;
  /** Our peer-connection session toward them, and theirs toward us. */
  session: string;
  remoteSession: string | null;
  status: PeerStatus;
}

export interface TransportInput {
  relayOnly: boolean;
  /** A serverless call: once the control channel is open, signals go over it. */
  noServer: boolean;
  stream: MediaStream | null;
  outgoing: Outgoing | null;
  mediaState: Extract<ControlMessage, { type: "media-state" }>;
}

export interface TransportContext extends TransportInput {
  self: string | null;
  iceServers: IceServer[];
  connections: Record<string, Connection>;
  restarts: Record<string, number>;
}

/** What the call tells the transport (besides the link's reports it passes on). */
export type TransportCommand =
  | { type: "TRANSPORT.PUBLISH"; stream: MediaStream | null; outgoing: Outgoing | null }
  | { type: "TRANSPORT.MEDIA_STATE"; msg: Extract<ControlMessage, { type: "media-state" }> }
  | { type: "TRANSPORT.RELAY_ONLY"; on: boolean }
  | { type: "TRANSPORT.DROP"; peer: string }
  | { type: "TRANSPORT.LEAVE" };

/** What the transport tells the call: a connection toward `peer` started afresh (`fresh`: a new page of theirs). */
export type TransportReport =
  | { type: "TRANSPORT.CONNECTING"; peer: string; fresh: boolean }
  | Exclude<PeerReport, { type: "PEER.SIGNAL_OUT" | "PEER.STATS" | "PEER.CHANNEL_OPEN" | "PEER.CHANNEL_MESSAGE" | "PEER.CONTROL_OPEN" }>;

export type TransportEvent =
  | TransportCommand
  | FeatureOutbound
  | StatsReport
  | PeerReport
  | TransportSignalingReport
  | { type: `xstate.error.actor.${string}`; error: unknown };

export const newSession = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);

/** How to start a connection to `peer`: we offer (initiator), or we answer their first offer. */
export function connectionInput(context: TransportContext, peer: string, session: string, firstSignal?: SignalPayload): PeerInput {
  return {
    peer,
    polite: (context.self ?? "") > peer,
    session,
    iceServers: context.iceServers,
    iceTransportPolicy: context.relayOnly ? "relay" : "all",
    noServer: context.noServer,
    stream: context.stream,
    ...(context.outgoing ? { videoCodecs: context.outgoing.videoCodecs } : {}),
    initiator: firstSignal === undefined,
    ...(firstSignal ? { firstSignal } : {}),
  };
}

/** What the transport sends its neighbours (found by system id, so typed here). */
const asEvent = (event: SignalingCommand | StatsCommand | FeatureInbound): EventObject => event;

const list = (context: TransportContext) => Object.values(context.connections);
const without = (connections: Record<string, Connection>, id: string) => {
  const { [id]: _gone, ...rest } = connections;
  return rest;
};

export const meshTransport = setup({
  types: { input: {} as TransportInput, context: {} as TransportContext, events: {} as TransportEvent },
  actors: { peer: peerMachine },
  actions: {
    forwardToCall: sendParent(({ event }) => event as TransportReport),
  },
}).createMachine({
  id: "transport",
  context: ({ input }) => ({ ...input, self: null, iceServers: [], connections: {}, restarts: {} }),
  on: {
    "SIGNALING.JOINED": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const joined = { ...context, self: event.self, iceServers: event.iceServers };
        // After a server restart our connection may be alive and well: keep it. One in trouble,
        // or still connecting (its offer or answer may have been lost with the old socket), is
        // replaced by a fresh session (stopped through the machine, never directly).
        const keep = (c: Connection | undefined) => c?.ref && c.status === "connected";
        for (const id of event.peers) {
          const known = context.connections[id];
          if (known?.ref && !keep(known)) enqueue.stopChild(known.ref);
        }
        // One not yet up to a member the room does not list (we rejoined a restarted server before
        // them): its signals went with the old server. They offer afresh when they join.
        const gone = Object.values(context.connections).filter((c) => !event.peers.includes(c.id) && !keep(c));
        for (const c of gone) if (c.ref) enqueue.stopChild(c.ref);
        enqueue.assign(({ spawn }) => {
          const connections = { ...context.connections };
          for (const c of gone) delete connections[c.id];
          for (const id of event.peers) {
            if (keep(connections[id])) continue;
            const session = newSession();
            const ref = spawn("peer", { input: connectionInput(joined, id, session) });
            connections[id] = { id, ref, session, remoteSession: null, status: "connecting" };
          }
          return { self: event.self, iceServers: event.iceServers, connections };
        });
      }),
    },
    "SIGNALING.SIGNAL": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const known = context.connections[event.from];
        if (known?.ref && (known.remoteSession === null || known.remoteSession === event.session)) {
          if (known.remoteSession === null)
            enqueue.assign({ connections: { ...context.connections, [event.from]: { ...known, remoteSession: event.session } } });
          enqueue.sendTo(known.ref, { type: "PEER.SIGNAL_IN", data: event.data });
          return;
        }
        // A new session from them: their page or connection is new, so start afresh. Only an
        // offer can start one; stray candidates of a dead session are dropped.
        if (!("description" in event.data) || event.data.description.type !== "offer") return;
        if (known?.ref) enqueue.stopChild(known.ref);
        enqueue.assign(({ context: ctx, spawn }) => {
          const session = newSession();
          const ref = spawn("peer", { input: connectionInput(ctx, event.from, session, event.data) });
          return {
            connections: { ...ctx.connections, [event.from]: { id: event.from, ref, session, remoteSession: event.session, status: "connecting" as const } },
          };
        });
        enqueue.sendParent({ type: "TRANSPORT.CONNECTING", peer: event.from, fresh: true } satisfies TransportReport);
      }),
    },
    "SIGNALING.PEER_LEFT": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const known = context.connections[event.peer];
        if (known?.ref) enqueue.stopChild(known.ref);
        enqueue.assign({ connections: without(context.connections, event.peer) });
      }),
    },
    "TRANSPORT.DROP": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const known = context.connections[event.peer];
        if (known?.ref) enqueue.stopChild(known.ref);
        enqueue.assign({ connections: without(context.connections, event.peer) });
      }),
    },
    "TRANSPORT.LEAVE": {
      actions: enqueueActions(({ context, enqueue }) => {
        for (const c of list(context)) {
          if (!c.ref) continue;
          enqueue.sendTo(c.ref, { type: "PEER.SEND_CONTROL", msg: { type: "hang-up" } });
          enqueue.stopChild(c.ref);
        }
        enqueue.assign({ connections: {} });
      }),
    },
    "SIGNALING.ICE_SERVERS": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue.assign({ iceServers: event.iceServers });
        for (const c of list(context)) if (c.ref) enqueue.sendTo(c.ref, { type: "PEER.SET_ICE_SERVERS", iceServers: event.iceServers });
      }),
    },
    "TRANSPORT.RELAY_ONLY": { actions: enqueueActions(({ event, enqueue }) => enqueue.assign({ relayOnly: event.on })) },
    "TRANSPORT.PUBLISH": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue.assign({ stream: event.stream, outgoing: event.outgoing });
        const outgoing = event.outgoing;
        if (outgoing) for (const c of list(context)) if (c.ref) enqueue.sendTo(c.ref, { type: "PEER.OUTGOING", outgoing });
      }),
    },
    "TRANSPORT.MEDIA_STATE": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue.assign({ mediaState: event.msg });
        for (const c of list(context)) if (c.ref) enqueue.sendTo(c.ref, { type: "PEER.SEND_CONTROL", msg: event.msg });
      }),
    },
    "PEER.SIGNAL_OUT": {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        // Only the current session of a peer may speak.
        if (context.connections[event.peer]?.session !== event.session) return;
        const link = system.get(LINK_ID);
        if (link)
          enqueue.sendTo(link, asEvent({ type: "SIGNALING.SEND", msg: { type: "signal", peer: event.peer, session: event.session, data: event.data } }));
      }),
    },
    "PEER.STATUS": {
      actions: [
        enqueueActions(({ context, event, enqueue }) => {
          const known = context.connections[event.peer];
          if (known) enqueue.assign({ connections: { ...context.connections, [event.peer]: { ...known, status: event.status } } });
        }),
        "forwardToCall",
      ],
    },
    "PEER.REMOTE_STREAM": { actions: "forwardToCall" },
    "PEER.ICE_ERROR": { actions: "forwardToCall" },
    "PEER.CONTROL": {
      actions: [
        enqueueActions(({ context, event, enqueue }) => {
          if (event.msg.type !== "hang-up") return;
          const known = context.connections[event.peer];
          if (known?.ref) enqueue.stopChild(known.ref);
          enqueue.assign({ connections: without(context.connections, event.peer) });
        }),
        "forwardToCall",
      ],
    },
    "PEER.CONTROL_OPEN": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const ref = context.connections[event.peer]?.ref;
        if (!ref) return;
        enqueue.sendTo(ref, { type: "PEER.SEND_CONTROL", msg: context.mediaState });
        // Their connection started from our stream's tracks; now also tab audio and sender parameters.
        if (context.outgoing) enqueue.sendTo(ref, { type: "PEER.OUTGOING", outgoing: context.outgoing });
      }),
    },
    "STATS.POLL": {
      actions: enqueueActions(({ context, enqueue }) => {
        for (const c of list(context)) if (c.ref) enqueue.sendTo(c.ref, { type: "PEER.GET_STATS" });
      }),
    },
    "PEER.STATS": {
      actions: enqueueActions(({ event, enqueue, system }) => {
        const stats = system.get(STATS_ID);
        if (stats) enqueue.sendTo(stats, asEvent({ type: "STATS.SAMPLE", peer: event.peer, sample: event.sample }));
      }),
    },
    "PEER.CHANNEL_OPEN": {
      actions: enqueueActions(({ event, enqueue, system }) => {
        const feature = system.get(FEATURE_ACTOR[event.channel]);
        if (feature) enqueue.sendTo(feature, asEvent({ type: "FEATURE.PEER_OPEN", channel: event.channel, peer: event.peer }));
      }),
    },
    "PEER.CHANNEL_MESSAGE": {
      actions: enqueueActions(({ event, enqueue, system }) => {
        const feature = system.get(FEATURE_ACTOR[event.channel]);
        if (feature) enqueue.sendTo(feature, asEvent({ type: "FEATURE.MESSAGE", channel: event.channel, peer: event.peer, data: event.data }));
      }),
    },
    "FEATURE.SEND": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const targets = event.peer ? [context.connections[event.peer]] : list(context);
        for (const c of targets) if (c?.ref) enqueue.sendTo(c.ref, { type: "PEER.CHANNEL_SEND", channel: event.channel, data: event.data });
      }),
    },
    /** A connection threw (XState stops it and tells us): a fresh one with a new session, up to MAX_RESTARTS. */
    "xstate.error.actor.*": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const id = event.type.slice("xstate.error.actor.".length);
        console.error(`OneLink: ${id} failed`, "error" in event ? event.error : event);
        const failed = list(context).find((c) => c.ref?.id === id);
        if (!failed) return;
        stopChildrenOfFailed(failed.ref); // its RTCPeerConnection, which XState would leave open
        const count = (context.restarts[failed.id] ?? 0) + 1;
        enqueue.assign({ restarts: { ...context.restarts, [failed.id]: count } });
        if (count > MAX_RESTARTS) {
          enqueue.assign(({ context: ctx }) => ({ connections: { ...ctx.connections, [failed.id]: { ...failed, ref: null } } }));
          return;
        }
        enqueue.assign(({ context: ctx, spawn }) => {
          const session = newSession();
          const ref = spawn("peer", { input: connectionInput(ctx, failed.id, session) });
          return { connections: { ...ctx.connections, [failed.id]: { ...failed, ref, session, remoteSession: null, status: "connecting" as const } } };
        });
        enqueue.sendParent({ type: "TRANSPORT.CONNECTING", peer: failed.id, fresh: false } satisfies TransportReport);
      }),
    },
  },
});

export type TransportActor = ActorRefFrom<typeof meshTransport>;
