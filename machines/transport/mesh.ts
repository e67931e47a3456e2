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
import { ANSWERING_MS, answerFirst } from "../answer-first.ts";
import { stopChildrenOfFailed } from "../failed-actor.ts";
import { assign, enqueueActions, type EventObject, fromCallback, sendParent, setup, type ActorRefFrom } from "xstate";
import { fullBucket, take, type Bucket } from "../../protocol/bucket.ts";
import {
  CHANNEL_BYTE_BUDGET,
  type CallMode,
  type ControlMessage,
  decodeControl,
  encodeControl,
  type IceServer,
  type SignalPayload,
} from "../../protocol/index.ts";
import type { StatsCommand } from "../features/stats.ts";
import type { SignalingCommand, TransportSignalingReport } from "../link/signaling.ts";
import { FEATURE_ACTOR, type FeatureInbound, type FeatureOutbound, type StatsReport } from "./channels.ts";
import { LINK_ID, STATS_ID, TRANSPORT_ID } from "../system-ids.ts";
import { peerMachine, type PeerInput, type PeerReport, type PeerStatus } from "./peer.ts";
import type { Outgoing } from "./rtp-tuning.ts";
import { sfuActor, type SfuEvent, type SfuView } from "./sfu.ts";
import { newSession, type PreparedConnection, type PreparedSlot, type PreparePlan, type Wanted } from "./prepared.ts";
import type { GroupWanted, PreparedGroup } from "./prepared-group.ts";
import { type SpareConnection, SpareSlot, type SpareWhen } from "./spare.ts";
import type { KeyRing } from "../../protocol/group-keys.ts";
import { type GroupKeysCommand, type GroupKeysEvent, groupKeysActor, isE2eeControl } from "./group-keys.ts";

/** System ids the transport finds its neighbours by. */
export { LINK_ID, STATS_ID, TRANSPORT_ID };

/** How often one connection may fail and be restarted before it is given up on. */
const MAX_RESTARTS = 3;
/** How often the media-server path may fail and be started again. */
const MAX_SFU_RESTARTS = 5;
/**
 * Back to direct: how long we keep publishing to the media server for someone who watched us
 * there and has not said our direct picture reaches them (a page of before the "direct" message,
 * or one whose direct connection never comes up). The server lets the media server's room go a
 * few seconds later anyway (signal-server/sfu/group.ts).
 */
export const SFU_KEPT_MS = 12_000;
/** The delayed event that lets the media server's path go after SFU_KEPT_MS (cancelled by a group again). */
const SFU_LET_GO = "sfu-let-go";
/** A spare taken by an offer is made again this long after, once the connection it answered has come up. */
const SPARE_AGAIN_MS = 2_000;

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
  /** The call's keys (a link with a secret): media through the media server is end-to-end encrypted. */
  keys: KeyRing | null;
  /** A connection the pre-join screen may have prepared (prepared.ts): taken when we join a room of one other person, direct. */
  prepared?: PreparedSlot | null;
}

export interface TransportContext extends TransportInput {
  self: string | null;
  iceServers: IceServer[];
  connections: Record<string, Connection>;
  restarts: Record<string, number>;
  /** Direct connections, or the media server (three or more people). */
  mode: CallMode;
  /** The media-server path, in group mode. */
  sfu: ActorRefFrom<typeof sfuActor> | null;
  /** Participants whose media comes through the media server. */
  viaSfu: string[];
  /** Participants who said ours reaches them through the media server. */
  theyViaSfu: string[];
  /** Back to direct: their direct stream, shown once the direct connection has had time to decode. */
  directStreams: Record<string, MediaStream>;
  /** Times the media-server path failed and was started again. */
  sfuRestarts: number;
  /** The media-server path is of no more use (it failed, or the server no longer holds it): a new group starts it afresh. */
  sfuStale: boolean;
  /** What the stage shows of each participant (the layer that fits their tile), kept for a media-server path started later. */
  view: SfuView | null;
  /** What each participant may pour into each group channel relayed by the server. */
  relayBudgets: Record<string, Bucket>;
  /** The group's key exchange (group-keys.ts), in an end-to-end encrypted call. */
  groupKeys: ActorRefFrom<typeof groupKeysActor> | null;
  /** A connection made ahead to answer the next first offer with (spare.ts), in a direct room. */
  spare: SpareSlot;
}

/** What the call tells the transport (besides the link's reports it passes on). */
export type TransportCommand =
  | { type: "TRANSPORT.PUBLISH"; stream: MediaStream | null; outgoing: Outgoing | null }
  | { type: "TRANSPORT.MEDIA_STATE"; msg: Extract<ControlMessage, { type: "media-state" }> }
  | { type: "TRANSPORT.RELAY_ONLY"; on: boolean }
  | { type: "TRANSPORT.DROP"; peer: string }
  /** Their picture froze on the page while its frames are decoded (ui/stuck-picture.ts): a new connection to them. */
  | { type: "TRANSPORT.RENEW"; peer: string }
  /** The stage's tiles: which participants are on screen, at which layer (the media server sends that). */
  | { type: "TRANSPORT.VIEW"; view: SfuView }
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
  | SfuEvent
  | GroupKeysEvent
  | { type: "SFU.LET_GO" }
  | { type: `xstate.error.actor.${string}`; error: unknown };

export { newSession };

/** What we send now, which a connection made ahead must fit. */
const wanted = (context: TransportContext): Wanted => ({
  stream: context.stream,
  iceTransportPolicy: context.relayOnly ? "relay" : "all",
  videoCodecs: context.outgoing?.videoCodecs,
});

/** What our publishing path to the media server starts with, which one prepared on the pre-join screen must fit. */
const wantedGroup = (context: TransportContext): GroupWanted => ({
  stream: context.stream,
  iceTransportPolicy: context.relayOnly ? "relay" : "all",
  keys: context.keys,
});

/** The spare we keep (spare.ts): in a direct room we have joined through a server, with something to send. */
function sparePlan(context: TransportContext): PreparePlan | null {
  if (context.self === null || context.noServer || context.mode === "sfu" || !context.stream) return null;
  const { iceTransportPolicy, videoCodecs } = wanted(context);
  return { iceServers: context.iceServers, iceTransportPolicy, stream: context.stream, ...(videoCodecs ? { videoCodecs } : {}) };
}

/** Keeps the transport's spare until it stops (a stopped machine runs no exit actions). */
const spareKeeper = fromCallback<EventObject, SpareSlot>(
  ({ input }) =>
    () =>
      input.drop(),
);

/** How to start a connection to `peer`: we offer (initiator), or we answer their first offer. */
export function connectionInput(
  context: TransportContext,
  peer: string,
  session: string,
  firstSignal?: SignalPayload,
  ahead: { prepared?: PreparedConnection | null; spare?: SpareConnection | null } = {},
): PeerInput {
  return {
    ...(ahead.prepared ? { prepared: ahead.prepared } : {}),
    ...(ahead.spare ? { spare: ahead.spare } : {}),
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

/**
 * Direct again, nobody's picture comes to us through the media server and nobody watches ours
 * there any more (each said "direct", left, or SFU_KEPT_MS passed): its connections may close.
 */
const sfuUnused = (context: TransportContext): context is TransportContext & { sfu: NonNullable<TransportContext["sfu"]> } =>
  context.mode === "direct" && context.sfu !== null && context.viaSfu.length === 0 && context.theyViaSfu.length === 0;

/** A message for the group, sent through the server by the link (group mode: no direct connection carries it). */
const relayed = (channel: "chat" | "draw" | "control", data: Uint8Array, peer?: string, base = false) =>
  asEvent({ type: "SIGNALING.SEND", msg: { type: "relay", channel, data, ...(peer ? { peer } : {}) }, ...(base ? { base } : {}) });

export const meshTransport = setup({
  types: { input: {} as TransportInput, context: {} as TransportContext, events: {} as TransportEvent },
  actors: { peer: peerMachine, sfu: sfuActor, groupKeys: groupKeysActor, spareKeeper },
  actions: {
    forwardToCall: sendParent(({ event }) => event as TransportReport),
    /** A spare for what the room now is (none in a group), made `when`; one that still fits is kept. */
    keepSpare: ({ context }, { when }: { when: SpareWhen }) => context.spare.want(sparePlan(context), when),
    /**
     * In a group, our media state (and name) to `peer`, or to everyone, as they arrive: not when
     * their picture first reaches us, which may be never (their tile off the page, a tab or a
     * machine too busy to decode) while they would show us unnamed. Sealed with the link's own
     * key, as our card is: someone who has just come holds only that until handed the current epoch.
     */
    greet: enqueueActions(({ context, enqueue, system }, { peer }: { peer?: string }) => {
      const link = system.get(LINK_ID);
      if (link) enqueue.sendTo(link, relayed("control", encodeControl(context.mediaState), peer, true));
    }),
    /** Tells the key exchange (in an end-to-end encrypted call). */
    tellKeys: enqueueActions(({ context, enqueue }, command: GroupKeysCommand) => {
      if (context.groupKeys) enqueue.sendTo(context.groupKeys, command);
    }),
    /** They left: nothing of theirs is awaited on either path; the last one gone from the media server ends it when we are direct. */
    forgetGroupPeer: enqueueActions(({ context, enqueue }, { peer }: { peer: string }) => {
      if (context.groupKeys) enqueue.sendTo(context.groupKeys, { type: "KEYS.LEFT", peer });
      const { [peer]: _gone, ...directStreams } = context.directStreams;
      const left = { ...context, viaSfu: context.viaSfu.filter((p) => p !== peer), theyViaSfu: context.theyViaSfu.filter((p) => p !== peer), directStreams };
      enqueue.assign({ viaSfu: left.viaSfu, theyViaSfu: left.theyViaSfu, directStreams });
      if (sfuUnused(left)) {
        enqueue.sendTo(left.sfu, { type: "SFU.CLOSE" });
        enqueue.stopChild(left.sfu);
        enqueue.assign({ sfu: null });
        enqueue.cancel(SFU_LET_GO);
      }
    }),
    /**
     * Their direct connection's stream (flowing) replaces the one through the media server, and
     * they are told: they may stop publishing there once nobody else watches them there.
     */
    showDirect: enqueueActions(({ context, event, enqueue, system }) => {
      const peer = (event as { peer: string }).peer;
      const stream = context.directStreams[peer];
      if (!stream) return;
      const { [peer]: _shown, ...directStreams } = context.directStreams;
      enqueue.assign({ directStreams, viaSfu: context.viaSfu.filter((p) => p !== peer) });
      enqueue.sendParent({ type: "PEER.REMOTE_STREAM", peer, stream } satisfies TransportReport);
      enqueue.sendParent({ type: "PEER.STATUS", peer, status: "connected" } satisfies TransportReport);
      const link = system.get(LINK_ID);
      if (link) enqueue.sendTo(link, relayed("control", encodeControl({ type: "direct" }), peer, true));
    }),
    /** The media server's path closes once unused (`sfuUnused`). */
    closeSfuIfUnused: enqueueActions(({ context, enqueue }) => {
      if (!sfuUnused(context)) return;
      enqueue.sendTo(context.sfu, { type: "SFU.CLOSE" });
      enqueue.stopChild(context.sfu);
      enqueue.assign({ sfu: null });
      enqueue.cancel(SFU_LET_GO);
    }),
    /** Media with them goes both ways through the media server: the direct connection closes. */
    closeDirect: enqueueActions(({ context, enqueue }, { peer }: { peer: string }) => {
      const direct = context.connections[peer];
      if (!direct) return;
      if (direct.ref) enqueue.stopChild(direct.ref);
      enqueue.assign({ connections: without(context.connections, peer) });
    }),
    /** Into group mode: the media-server path starts beside the direct connections (which close as it takes over). */
    startSfu: enqueueActions(({ context, enqueue }, params?: { fresh: boolean; prepared?: PreparedGroup | null }) => {
      enqueue.cancel(SFU_LET_GO);
      if (context.groupKeys) enqueue.sendTo(context.groupKeys, { type: "KEYS.GROUP" });
      // Nothing new starts directly in a group: no spare.
      enqueue(() => context.spare.drop());
      if (context.sfu && !params?.fresh && !context.sfuStale) {
        params?.prepared?.close();
        enqueue.assign({ mode: "sfu" });
        return;
      }
      // Direct connections not up yet never will be: the others take no new direct offers in a group.
      const stalled = Object.values(context.connections).filter((c) => c.status !== "connected");
      for (const c of stalled) if (c.ref) enqueue.stopChild(c.ref);
      if (stalled.length) enqueue.assign({ connections: Object.fromEntries(Object.entries(context.connections).filter(([, c]) => c.status === "connected")) });
      // Afresh (the server no longer holds our media, or it failed): new connections, published again.
      if (context.sfu) enqueue.stopChild(context.sfu);
      enqueue.assign(({ context: ctx, spawn }) => ({
        mode: "sfu" as const,
        sfuStale: false,
        // Who came (and who said we came) through the old path, for those we also have a direct
        // connection with: their pictures on the new path start the handover again (each side says
        // "via-sfu", then the direct connection closes). Kept, a server restart between a call of
        // two and a group again left a direct connection open beside the group for good.
        viaSfu: ctx.viaSfu.filter((p) => !ctx.connections[p]),
        theyViaSfu: ctx.theyViaSfu.filter((p) => !ctx.connections[p]),
        sfu: spawn("sfu", {
          input: {
            iceServers: ctx.iceServers,
            iceTransportPolicy: ctx.relayOnly ? "relay" : "all",
            stream: ctx.stream,
            extraAudio: ctx.outgoing?.extraAudio ?? null,
            keys: ctx.keys,
            view: ctx.view,
            prepared: params?.prepared ?? null,
          },
        }),
      }));
    }),
    /** A new connection to `peer` (ours offers, with a new session), in place of one that failed or froze. */
    connectAfresh: enqueueActions(({ enqueue }, { peer }: { peer: string }) => {
      enqueue.assign(({ context: ctx, spawn }) => {
        const known = ctx.connections[peer];
        if (!known) return {};
        const session = newSession();
        const ref = spawn("peer", { input: connectionInput(ctx, peer, session) });
        return { connections: { ...ctx.connections, [peer]: { ...known, ref, session, remoteSession: null, status: "connecting" as const } } };
      });
      enqueue.sendParent({ type: "TRANSPORT.CONNECTING", peer, fresh: false } satisfies TransportReport);
    }),
    /**
     * Back to two: direct connections again, make before break. Each participant keeps their
     * picture through the media server until their direct connection is up and has had a moment
     * to decode; the lower id offers.
     */
    goDirect: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ mode: "direct" });
      if (context.sfu) {
        enqueue.cancel(SFU_LET_GO);
        enqueue.raise({ type: "SFU.LET_GO" }, { id: SFU_LET_GO, delay: SFU_KEPT_MS });
      }
      enqueue(({ context: ctx }) => ctx.spare.want(sparePlan(ctx), SPARE_AGAIN_MS));
      const offerTo = context.viaSfu.filter((p) => !context.connections[p] && (context.self ?? "") < p);
      if (offerTo.length === 0) return;
      enqueue.assign(({ context: ctx, spawn }) => {
        const connections = { ...ctx.connections };
        for (const id of offerTo) {
          const session = newSession();
          const ref = spawn("peer", { input: connectionInput(ctx, id, session) });
          connections[id] = { id, ref, session, remoteSession: null, status: "connecting" };
        }
        return { connections };
      });
    }),
  },
}).createMachine({
  id: "transport",
  context: ({ input, spawn }) => ({
    ...input,
    groupKeys: input.keys ? spawn("groupKeys", { input: { ring: input.keys } }) : null,
    self: null,
    iceServers: [],
    connections: {},
    restarts: {},
    mode: "direct",
    sfu: null,
    viaSfu: [],
    theyViaSfu: [],
    relayBudgets: {},
    directStreams: {},
    sfuRestarts: 0,
    sfuStale: false,
    view: null,
    spare: new SpareSlot(),
  }),
  invoke: { src: "spareKeeper", input: ({ context }) => context.spare },
  on: {
    // Into a group: those we had no direct connection with yet learn who we are (the others already know).
    "SIGNALING.MODE": [{ guard: ({ event }) => event.mode === "sfu", actions: ["startSfu", { type: "greet", params: {} }] }, { actions: "goDirect" }],
    // Someone (back) in our group: they learn who we are, whatever they missed while away.
    "SIGNALING.PEER_JOINED": { guard: ({ context }) => context.mode === "sfu", actions: { type: "greet", params: ({ event }) => ({ peer: event.peer }) } },
    "SFU.STATE": [
      {
        guard: ({ context, event }) => event.state === "failed" && context.mode === "sfu" && context.sfuRestarts < MAX_SFU_RESTARTS,
        actions: [assign({ sfuRestarts: ({ context }) => context.sfuRestarts + 1 }), { type: "startSfu", params: { fresh: true } }],
      },
      { guard: ({ event }) => event.state === "failed", actions: assign({ sfuStale: true }) },
    ],
    // Back to direct, their direct picture flows: it takes over from the media server's.
    "PEER.FLOWING": {
      guard: ({ context, event }) => context.mode === "direct" && event.peer in context.directStreams,
      actions: ["showDirect", "closeSfuIfUnused"],
    },
    // Those who watched us through the media server and have not said otherwise no longer do.
    "SFU.LET_GO": {
      guard: ({ context }) => context.mode === "direct",
      actions: [assign({ theyViaSfu: [] }), "closeSfuIfUnused"],
    },
    "SIGNALING.SFU": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        if (context.sfu)
          enqueue.sendTo(context.sfu, { type: "SFU.SIGNAL_IN", pc: event.pc, data: event.data, ...(event.streams ? { streams: event.streams } : {}) });
      }),
    },
    "SIGNALING.SFU_LAYERS": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        if (context.sfu) enqueue.sendTo(context.sfu, { type: "SFU.LAYERS", max: event.max });
      }),
    },
    "SFU.SIGNAL_OUT": {
      actions: enqueueActions(({ event, enqueue, system }) => {
        const link = system.get(LINK_ID);
        if (link) enqueue.sendTo(link, asEvent({ type: "SIGNALING.SEND", msg: { type: "sfu", pc: event.pc, data: event.data } }));
      }),
    },
    "SFU.REMOTE_STREAM": {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const peer = event.peer;
        enqueue.sendParent({ type: "PEER.STATUS", peer, status: "connected" } satisfies TransportReport);
        enqueue.sendParent({ type: "PEER.REMOTE_STREAM", peer, stream: event.stream } satisfies TransportReport);
        if (context.viaSfu.includes(peer)) return;
        enqueue.assign({ viaSfu: [...context.viaSfu, peer] });
        // Their picture comes through the media server now: tell them; once ours reaches them too, the direct connection closes.
        const link = system.get(LINK_ID);
        if (link) enqueue.sendTo(link, relayed("control", encodeControl({ type: "via-sfu" }), peer));
        if (context.theyViaSfu.includes(peer)) enqueue({ type: "closeDirect", params: { peer } });
        if (context.connections[peer]) return; // features already talk to them (their channels were open)
        // As a new connection's channels opening would: features greet them (our media state went when they arrived, see `greet`).
        for (const channel of ["chat", "draw"] as const) {
          const feature = system.get(FEATURE_ACTOR[channel]);
          if (feature) enqueue.sendTo(feature, asEvent({ type: "FEATURE.PEER_OPEN", channel, peer }));
        }
      }),
    },
    // Nobody's picture of theirs to protect (no direct connection, none through the media server yet):
    // their tile takes the stream now, and shows its first frame as it decodes, not after a poll sees it.
    "SFU.REMOTE_PENDING": {
      guard: ({ context, event }) => !context.connections[event.peer] && !context.viaSfu.includes(event.peer) && !(event.peer in context.directStreams),
      actions: sendParent(({ event }) => ({ type: "PEER.REMOTE_STREAM", peer: event.peer, stream: event.stream }) satisfies TransportReport),
    },
    "SFU.REMOTE_GONE": [
      // Their direct stream is waiting to take over: it does now, the media server's has ended.
      { guard: ({ context, event }) => event.peer in context.directStreams, actions: ["showDirect", "closeSfuIfUnused"] },
      { actions: [assign({ viaSfu: ({ context, event }) => context.viaSfu.filter((p) => p !== event.peer) }), "closeSfuIfUnused"] },
    ],
    "TRANSPORT.VIEW": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue.assign({ view: event.view });
        if (context.sfu) enqueue.sendTo(context.sfu, { type: "SFU.VIEW", view: event.view });
      }),
    },
    "SFU.STATS": {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const stats = system.get(STATS_ID);
        // Only while no direct connection measures them (two samplers would mix their counters).
        if (stats && context.viaSfu.includes(event.peer) && !context.connections[event.peer]?.ref)
          enqueue.sendTo(stats, asEvent({ type: "STATS.SAMPLE", peer: event.peer, sample: event.sample }));
      }),
    },
    "SFU.VIEW_OUT": {
      actions: enqueueActions(({ event, enqueue, system }) => {
        const link = system.get(LINK_ID);
        if (link) enqueue.sendTo(link, asEvent({ type: "SIGNALING.SEND", msg: { type: "sfu-view", want: event.want } }));
      }),
    },
    "SIGNALING.RELAY": {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        const budget = CHANNEL_BYTE_BUDGET[event.channel === "control" ? "chat" : event.channel];
        const key = `${event.from}\n${event.channel}`;
        const now = performance.now();
        const bucket = context.relayBudgets[key] ?? fullBucket(budget.burst, now);
        if (!context.relayBudgets[key]) enqueue.assign({ relayBudgets: { ...context.relayBudgets, [key]: bucket } });
        if (!take(bucket, now, budget.perSecond, budget.burst, event.data.byteLength)) return;
        if (event.channel === "control") {
          const msg = decodeControl(event.data);
          if (isE2eeControl(msg)) enqueue({ type: "tellKeys", params: { type: "KEYS.CONTROL", from: event.from, msg } });
          else if (msg?.type === "via-sfu") {
            if (!context.theyViaSfu.includes(event.from)) enqueue.assign({ theyViaSfu: [...context.theyViaSfu, event.from] });
            if (context.viaSfu.includes(event.from)) enqueue({ type: "closeDirect", params: { peer: event.from } });
          } else if (msg?.type === "direct") {
            // Ours reaches them directly now: the media server need not carry it to them.
            enqueue.assign({ theyViaSfu: context.theyViaSfu.filter((p) => p !== event.from) });
            enqueue("closeSfuIfUnused");
          } else if (msg && msg.type !== "signal") {
            if (msg.type === "hang-up") enqueue({ type: "forgetGroupPeer", params: { peer: event.from } });
            enqueue.sendParent({ type: "PEER.CONTROL", peer: event.from, msg } satisfies TransportReport);
          }
          return;
        }
        const feature = system.get(FEATURE_ACTOR[event.channel]);
        if (feature) enqueue.sendTo(feature, asEvent({ type: "FEATURE.MESSAGE", channel: event.channel, peer: event.from, data: event.data }));
      }),
    },
    "KEYS.SEND": {
      actions: enqueueActions(({ event, enqueue, system }) => {
        const link = system.get(LINK_ID);
        if (link) enqueue.sendTo(link, relayed("control", encodeControl(event.msg), event.peer, true));
      }),
    },
    "SIGNALING.JOINED": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue({ type: "tellKeys", params: { type: "KEYS.SELF", self: event.self } });
        // Prepared on the pre-join screen for one person to call directly: used only if that is what we joined.
        const fresh = event.peers.length === 1 && event.mode !== "sfu" && !context.connections[event.peers[0]!]?.ref;
        const prepared = fresh ? (context.prepared?.take(wanted(context)) ?? null) : null;
        if (event.mode === "sfu") {
          // A group call: media goes through the media server, nothing direct is started. Our
          // publishing path prepared for it on the pre-join screen is used if we start one.
          const group = context.sfu ? null : (context.prepared?.takeGroup(wantedGroup(context)) ?? null);
          if (!group) context.prepared?.drop();
          enqueue.assign({ self: event.self, iceServers: event.iceServers });
          enqueue({ type: "startSfu", params: { fresh: !event.keep, prepared: group } });
          if (event.peers.length > 0) enqueue({ type: "greet", params: {} });
          return;
        }
        if (!fresh) context.prepared?.drop();
        // Alone, the spare waits for whoever comes; with someone here (we offer), it is for later.
        enqueue.assign({ self: event.self, iceServers: event.iceServers });
        enqueue({ type: "keepSpare", params: { when: event.peers.length === 0 ? "afterPaint" : SPARE_AGAIN_MS } });
        // The server holds no group for us (it restarted, or the room is two again): what we had
        // with the media server is gone; pictures stay until direct connections replace them.
        if (context.sfu) {
          enqueue.assign({ mode: "direct", sfuStale: true });
          // Those who watched us there may never say "direct" (they rejoined too): let it go in time.
          enqueue.cancel(SFU_LET_GO);
          enqueue.raise({ type: "SFU.LET_GO" }, { id: SFU_LET_GO, delay: SFU_KEPT_MS });
        }
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
            // An offer prepared and sent with the join goes on under the session the other side heard.
            const session = prepared ? prepared.joinAnswered(event.offered === true) : newSession();
            const ref = spawn("peer", { input: connectionInput(joined, id, session, undefined, { prepared }) });
            connections[id] = { id, ref, session, remoteSession: null, status: "connecting" };
          }
          return { self: event.self, iceServers: event.iceServers, connections };
        });
      }),
    },
    "SIGNALING.SIGNAL": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const known = context.connections[event.from];
        // Meant for a connection of ours that is gone (made by our earlier page, or replaced): a
        // leftover of theirs toward it, which must not be taken for their current one.
        if (event.re !== undefined && event.re !== known?.session) return;
        // Ours, from their current connection: the one we know, the first we hear from (by its
        // offer or answer, never by a stray candidate), or a new one of theirs answering ours.
        const theirs = known?.remoteSession === event.session || (known?.remoteSession === null && "description" in event.data) || event.re !== undefined;
        if (known?.ref && theirs) {
          if (known.remoteSession !== event.session)
            enqueue.assign({ connections: { ...context.connections, [event.from]: { ...known, remoteSession: event.session } } });
          enqueue.sendTo(known.ref, { type: "PEER.SIGNAL_IN", data: event.data });
          return;
        }
        // A new session from them: their page or connection is new, so start afresh. Only an
        // offer can start one; stray candidates of a dead session are dropped. In a group call
        // nothing new starts directly.
        if (!("description" in event.data) || event.data.description.type !== "offer" || context.mode === "sfu") return;
        // Their offer is answered before the old connection is closed (peer-connection.ts): a
        // refresh's way back to a picture does not wait for that close.
        enqueue(() => answerFirst.hold(ANSWERING_MS));
        if (known?.ref) enqueue.stopChild(known.ref);
        enqueue.assign(({ context: ctx, spawn }) => {
          const session = newSession();
          // Answered by the spare made while we waited, if it still fits what we send; another follows later.
          const spare = ctx.spare.take(wanted(ctx));
          const ref = spawn("peer", { input: connectionInput(ctx, event.from, session, event.data, { spare }) });
          return {
            connections: { ...ctx.connections, [event.from]: { id: event.from, ref, session, remoteSession: event.session, status: "connecting" as const } },
          };
        });
        enqueue({ type: "keepSpare", params: { when: SPARE_AGAIN_MS } });
        // (Back to direct from the media server, their picture stays up meanwhile: not news for the call.)
        if (!context.viaSfu.includes(event.from)) enqueue.sendParent({ type: "TRANSPORT.CONNECTING", peer: event.from, fresh: true } satisfies TransportReport);
      }),
    },
    "SIGNALING.PEER_LEFT": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const known = context.connections[event.peer];
        if (known?.ref) enqueue.stopChild(known.ref);
        enqueue.assign({ connections: without(context.connections, event.peer) });
        enqueue({ type: "forgetGroupPeer", params: { peer: event.peer } });
      }),
    },
    "TRANSPORT.RENEW": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const known = context.connections[event.peer];
        // Only a direct connection that is up; without a server a new one could not be signaled.
        if (context.mode !== "direct" || context.noServer || !known?.ref || known.status !== "connected") return;
        console.warn(`OneLink: ${event.peer}'s picture froze while its frames were decoded: a new connection`);
        enqueue.stopChild(known.ref);
        enqueue({ type: "connectAfresh", params: { peer: event.peer } });
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
      actions: enqueueActions(({ context, enqueue, system }) => {
        if (context.sfu) {
          const link = system.get(LINK_ID);
          if (link) enqueue.sendTo(link, relayed("control", encodeControl({ type: "hang-up" })));
          enqueue.stopChild(context.sfu);
          enqueue.assign({ sfu: null, mode: "direct" as const, viaSfu: [] });
        }
        for (const c of list(context)) {
          if (!c.ref) continue;
          enqueue.sendTo(c.ref, { type: "PEER.SEND_CONTROL", msg: { type: "hang-up" } });
          enqueue.stopChild(c.ref);
        }
        enqueue.assign({ connections: {} });
        enqueue(() => context.spare.drop());
      }),
    },
    "SIGNALING.ICE_SERVERS": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue.assign({ iceServers: event.iceServers });
        for (const c of list(context)) if (c.ref) enqueue.sendTo(c.ref, { type: "PEER.SET_ICE_SERVERS", iceServers: event.iceServers });
      }),
    },
    "TRANSPORT.RELAY_ONLY": { actions: [assign({ relayOnly: ({ event }) => event.on }), { type: "keepSpare", params: { when: "afterPaint" } }] },
    "TRANSPORT.PUBLISH": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue.assign({ stream: event.stream, outgoing: event.outgoing });
        // Another kind of track (or none): the spare is made again for it; in a call, once its start is
        // past (a refresh's devices come while its connection comes up: a spare then competes with it).
        enqueue({ type: "keepSpare", params: { when: list(context).length > 0 ? SPARE_AGAIN_MS : "afterPaint" } });
        if (context.sfu) enqueue.sendTo(context.sfu, { type: "SFU.STREAM", stream: event.stream, extraAudio: event.outgoing?.extraAudio ?? null });
        const outgoing = event.outgoing;
        if (outgoing) for (const c of list(context)) if (c.ref) enqueue.sendTo(c.ref, { type: "PEER.OUTGOING", outgoing });
      }),
    },
    "TRANSPORT.MEDIA_STATE": {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        enqueue.assign({ mediaState: event.msg });
        if (context.mode === "sfu") {
          const link = system.get(LINK_ID);
          if (link) enqueue.sendTo(link, relayed("control", encodeControl(event.msg)));
        }
        for (const c of list(context)) if (c.ref) enqueue.sendTo(c.ref, { type: "PEER.SEND_CONTROL", msg: event.msg });
      }),
    },
    "PEER.SIGNAL_OUT": {
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        // Only the current session of a peer may speak, saying which of theirs it answers.
        const known = context.connections[event.peer];
        if (known?.session !== event.session) return;
        const link = system.get(LINK_ID);
        const re = known.remoteSession === null ? {} : { re: known.remoteSession };
        if (link)
          enqueue.sendTo(link, asEvent({ type: "SIGNALING.SEND", msg: { type: "signal", peer: event.peer, session: event.session, ...re, data: event.data } }));
      }),
    },
    "PEER.STATUS": {
      actions: [
        enqueueActions(({ context, event, enqueue }) => {
          const known = context.connections[event.peer];
          if (known) enqueue.assign({ connections: { ...context.connections, [event.peer]: { ...known, status: event.status } } });
          // Once their media comes through the media server, the direct connection's fate is not theirs;
          // one in trouble then has no more use (the other side has closed it).
          if (!context.viaSfu.includes(event.peer)) enqueue("forwardToCall");
          else if (event.status !== "connected" && context.mode === "sfu") enqueue({ type: "closeDirect", params: { peer: event.peer } });
        }),
      ],
    },
    "PEER.REMOTE_STREAM": [
      {
        // Their picture still comes through the media server: the direct one takes over once it flows.
        guard: ({ context, event }) => context.viaSfu.includes(event.peer),
        actions: [
          assign({ directStreams: ({ context, event }) => ({ ...context.directStreams, [event.peer]: event.stream }) }),
          enqueueActions(({ context, event, enqueue }) => {
            const ref = context.connections[event.peer]?.ref;
            if (ref) enqueue.sendTo(ref, { type: "PEER.WATCH_FLOW" });
          }),
        ],
      },
      { actions: ["forwardToCall", "closeSfuIfUnused"] },
    ],
    "PEER.ICE_ERROR": { actions: "forwardToCall" },
    "PEER.CONTROL": {
      actions: [
        enqueueActions(({ context, event, enqueue }) => {
          if (event.msg.type !== "hang-up") return;
          enqueue({ type: "forgetGroupPeer", params: { peer: event.peer } });
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
        if (context.sfu) enqueue.sendTo(context.sfu, { type: "SFU.GET_STATS" });
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
      actions: enqueueActions(({ context, event, enqueue, system }) => {
        if (context.mode === "sfu") {
          const link = system.get(LINK_ID);
          if (link) enqueue.sendTo(link, relayed(event.channel, event.data, event.peer));
          return;
        }
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
        enqueue({ type: "connectAfresh", params: { peer: failed.id } });
      }),
    },
  },
});

export type TransportActor = ActorRefFrom<typeof meshTransport>;
