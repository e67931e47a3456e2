/**
 * One RTCPeerConnection as a callback actor, the only code that calls `pc.*`.
 * Perfect negotiation (polite/impolite roles, makingOffer/ignoreOffer, implicit rollback),
 * trickle ICE, a negotiated "control" data channel, and intents: restart ICE, send control.
 */
import { fromCallback } from "xstate";
import { fullBucket, take } from "../../protocol/bucket.ts";
import {
  CHANNEL_BYTE_BUDGET,
  decodeControl,
  encodeControl,
  type ControlMessage,
  type FeatureChannel,
  type IceServer,
  type SignalPayload,
} from "../../protocol/index.ts";
import { openConnection, type PreparedConnection } from "./prepared.ts";
import { isActiveTcp } from "./candidate-hold.ts";
import type { SpareConnection } from "./spare.ts";
import { placeTrack, SOFTWARE_ORDER, senderSync, tuneDescription, tuneRemoteDescription, type Outgoing } from "./rtp-tuning.ts";
import { sampleOf, type StatsSample } from "../features/stats.ts";
import { watchFlow } from "./direct-flow.ts";
import { mark } from "../timeline.ts";
import { ANSWERING_MS, answerFirst, awaitingPicture, PICTURE_AFTER_CONNECTED_MS, PICTURE_AWAITED_MS } from "../answer-first.ts";

export interface PeerConnectionInput {
  peer: string;
  polite: boolean;
  session: string;
  iceServers: IceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  stream: MediaStream | null;
  /** Video codecs in the order we ask for (local media probed them); SOFTWARE_ORDER without. */
  videoCodecs?: string[];
  /** Offer first (we joined a room where the peer already was); else wait for their offer. */
  initiator: boolean;
  /** The signal that made us create this connection (their offer), applied first. */
  firstSignal?: SignalPayload;
  /** No signaling server (a serverless call): once the control channel is open, every signal goes over it. */
  noServer?: boolean;
  /** A connection made on the pre-join screen with its offer set (prepared.ts): an initiator sends that offer. */
  prepared?: PreparedConnection;
  /** A connection made ahead while we waited (spare.ts): answers `firstSignal`, their offer. */
  spare?: SpareConnection;
}

export type PeerConnectionEvent =
  | { type: "PC.SIGNAL_OUT"; data: SignalPayload }
  | { type: "PC.REMOTE_STREAM"; stream: MediaStream }
  | { type: "PC.STATE"; state: RTCPeerConnectionState }
  | { type: "PC.CONTROL"; msg: ControlMessage }
  | { type: "PC.CONTROL_OPEN" }
  | { type: "PC.ICE_ERROR"; code: number; text: string; url: string }
  | { type: "PC.STATS"; sample: StatsSample }
  | { type: "PC.CHANNEL_OPEN"; channel: FeatureChannel }
  | { type: "PC.CHANNEL_MESSAGE"; channel: FeatureChannel; data: Uint8Array }
  /** What they send flows (after PC.WATCH_FLOW): a video frame decoded, or their audio if they send no picture. */
  | { type: "PC.FLOWING" };

export type PeerConnectionCommand =
  | { type: "PC.SIGNAL_IN"; data: SignalPayload }
  | { type: "PC.RESTART_ICE" }
  | { type: "PC.SET_ICE_SERVERS"; iceServers: IceServer[] }
  /** What to send (tracks swapped in place, sender parameters); see rtp-tuning.ts. */
  | { type: "PC.OUTGOING"; outgoing: Outgoing }
  /** Answered with PC.STATS. */
  | { type: "PC.GET_STATS" }
  | { type: "PC.SEND_CONTROL"; msg: ControlMessage }
  | { type: "PC.CHANNEL_SEND"; channel: FeatureChannel; data: Uint8Array }
  /** Answered with PC.FLOWING once what they send flows (direct-flow.ts). */
  | { type: "PC.WATCH_FLOW" };

/**
 * A connection's stats are first read this long after it is up, when its first picture has shown
 * (bench/join: 80-250 ms after `connected`): a read is a report built on WebRTC's threads and a
 * sample, a render and the sender tuning on the page's main thread, and while a person joins both
 * pages share the machine's cores with their way to that picture (issue 21). What reads them
 * (the quality shown, the stats panel, the media stall watch, the CPU guard) starts a second later.
 */
export const STATS_AFTER_CONNECTED_MS = 1_000;
/** A connection that is not up by then has its stats read anyway (what the stats panel shows of a connection that does not come up). */
export const STATS_QUIET_MS = 5_000;

/** Bytes dropped past a channel's budget (in bursts' worth, forgiven at its rate) before the channel is closed. */
const FLOOD_CUTOFF = 4;

export const peerConnectionActor = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(({ input, sendBack, receive }) => {
  const prepared = input.initiator ? (input.prepared?.adopt() ?? null) : null;
  const spare = !input.initiator && input.firstSignal ? (input.spare?.adopt() ?? null) : null;
  const { pc, control, features } =
    prepared ?? spare ?? openConnection({ iceServers: input.iceServers as RTCIceServer[], iceTransportPolicy: input.iceTransportPolicy ?? "all" });
  // Made ahead with the relay servers the peek gave (or older ones): the member's current ones replace them.
  if ((prepared || spare) && JSON.stringify(pc.getConfiguration().iceServers ?? []) !== JSON.stringify(input.iceServers))
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers: input.iceServers as RTCIceServer[] });
  let stopped = false;
  let unwatchFlow: (() => void) | null = null;
  const madeAt = performance.now();
  /** When the connection first came up (performance.now()). */
  let connectedAt: number | null = null;
  const statsDue = () => {
    const now = performance.now();
    return connectedAt === null ? now - madeAt >= STATS_QUIET_MS : now - connectedAt >= STATS_AFTER_CONNECTED_MS;
  };
  // On the joiner's side the channels' opening (chat history replayed, drawings, the control
  // channel's media state and sender tuning) and what comes over them before the other's picture
  // shows wait for it (answer-first.ts `awaitingPicture`), in the order they came.
  const later = awaitingPicture.inOrder();
  const sendLater = (event: PeerConnectionEvent) =>
    later(() => {
      if (!stopped) sendBack(event);
    });
  for (const [name, channel] of features) {
    channel.onopen = () => sendLater({ type: "PC.CHANNEL_OPEN", channel: name });
    // Over its byte budget a frame is dropped here, before it becomes an event for anyone. A peer
    // that keeps pouring far past it (no page of ours does) is cut off: the channel is closed,
    // which stops the flood at its source, since even unread frames cost the browser to receive.
    const budget = CHANNEL_BYTE_BUDGET[name];
    const bucket = fullBucket(budget.burst, performance.now());
    let overflow = 0;
    let overflowAt = 0;
    channel.onmessage = (ev) => {
      const now = performance.now();
      const data = ev.data instanceof ArrayBuffer ? ev.data : null;
      if (data && take(bucket, now, budget.perSecond, budget.burst, data.byteLength)) {
        sendLater({ type: "PC.CHANNEL_MESSAGE", channel: name, data: new Uint8Array(data) });
        return;
      }
      // What was dropped, forgiven at the budget's own rate.
      overflow = Math.max(0, overflow - ((now - overflowAt) / 1000) * budget.perSecond) + (data?.byteLength ?? 1);
      overflowAt = now;
      if (overflow > FLOOD_CUTOFF * budget.burst) {
        console.warn(`peer: ${input.peer} flooded the ${name} channel far past its budget: it is closed for this connection`);
        channel.onmessage = null;
        channel.close();
      }
    };
  }
  let makingOffer = false;
  // Signals go over the control channel once it is open and the connection is up (renegotiating
  // then needs no server), else through the server. A negotiation round keeps to one path: an
  // answer goes back the way its offer came, candidates follow our last description.
  let via: "channel" | "server" = "server";
  const signalOut = (data: SignalPayload) => {
    if (via === "channel" && control.readyState === "open") control.send(encodeControl({ type: "signal", data }));
    else sendBack({ type: "PC.SIGNAL_OUT", data });
  };
  let ignoreOffer = false;
  /** An ICE restart is under way: its offer goes through the server, not the path in doubt. */
  let restartingIce = false;
  let tracksAdded = false;
  let offered = false;
  /** Our offer has gone; a joiner's first holds its page's extra work until the other's picture shows (answer-first.ts). */
  const offerSent = () => {
    mark("offer-sent");
    if (input.initiator && !offered) awaitingPicture.hold(PICTURE_AWAITED_MS);
    offered = true;
  };
  const remoteStream = new MediaStream();
  /**
   * While we make an answer, what its steps set off waits until it has gone: their tracks told to
   * the call (the offer brings them), and our senders tuned at `stable` (which the answer itself
   * brings, before its promise resolves; reading a sender's parameters waits for the WebRTC thread).
   */
  let answering: (() => void)[] | null = null;
  const afterAnswer = (fn: () => void) => {
    if (answering) answering.push(fn);
    else fn();
  };
  const senders = senderSync(pc, input.stream, input.videoCodecs ?? SOFTWARE_ORDER);
  // Incoming signals are applied strictly in order, so a candidate never races its description.
  let queue: Promise<void> = Promise.resolve();

  /** Our tracks on the connection; `answering`: the senders are tuned once the answer is set, not before it. */
  const addLocalTracks = (answering: boolean) => {
    if (tracksAdded) return;
    tracksAdded = true;
    if (prepared || spare) {
      // Added ahead (the pre-join screen, or the spare): a device changed since is swapped in place (same kinds: planFits).
      for (const kind of ["audio", "video"] as const) {
        const track = input.stream?.getTracks().find((t) => t.kind === kind) ?? null;
        void placeTrack(pc, kind, track, input.stream, null).catch((err) => console.warn("peer: could not swap a prepared track", err));
      }
      // Their codec order was set as they were made (planFits: the same); a spare's lines we only receive on came with the offer.
      // A prepared offer's senders are tuned once it has gone (sendPrepared).
      senders.tracksAdded({ codecs: prepared ? "none" : "receiveOnly", tune: false });
      return;
    }
    const tracks = input.stream?.getTracks() ?? [];
    for (const track of tracks) pc.addTrack(track, input.stream!);
    // Receive even what we cannot send (no camera, denied microphone).
    for (const kind of ["audio", "video"] as const) {
      if (!tracks.some((t) => t.kind === kind) && !pc.getTransceivers().some((t) => t.receiver.track.kind === kind)) {
        pc.addTransceiver(kind, { direction: "recvonly" });
      }
    }
    senders.tracksAdded({ tune: !answering });
  };

  const makeOffer = async () => {
    try {
      makingOffer = true;
      await pc.setLocalDescription();
      via = control.readyState === "open" && (input.noServer || (pc.connectionState === "connected" && !restartingIce)) ? "channel" : "server";
      restartingIce = false;
      if (pc.localDescription) signalOut({ description: tuneDescription({ type: pc.localDescription.type, sdp: pc.localDescription.sdp }) });
      offerSent();
    } catch (err) {
      console.warn("peer: could not make an offer", err);
    } finally {
      makingOffer = false;
    }
  };
  pc.onnegotiationneeded = () => {
    // The first offer was started at once (below): the event that its tracks queued adds nothing.
    if (makingOffer) return;
    void makeOffer();
  };
  const candidateOut = (candidate: RTCIceCandidateInit | null) => {
    if (!isActiveTcp(candidate)) signalOut({ candidate: candidate as never });
  };
  const iceErrorOut = (e: { code: number; text: string; url: string }) => sendBack({ type: "PC.ICE_ERROR", ...e });
  if (!prepared) pc.onicecandidate = ({ candidate }) => candidateOut(candidate ? candidate.toJSON() : null);
  pc.ontrack = ({ track }) => {
    remoteStream.addTrack(track);
    afterAnswer(() => sendBack({ type: "PC.REMOTE_STREAM", stream: remoteStream }));
  };
  if (!prepared)
    pc.onicecandidateerror = (ev) => {
      const e = ev as RTCPeerConnectionIceErrorEvent;
      // 701 is "no answer from this server" for every unreachable STUN/TURN host: only relay errors matter.
      if (e.url?.startsWith("turn")) iceErrorOut({ code: e.errorCode, text: e.errorText, url: e.url });
    };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "connected") {
      connectedAt ??= performance.now();
      mark("connected");
      awaitingPicture.limit(PICTURE_AFTER_CONNECTED_MS);
    }
    sendBack({ type: "PC.STATE", state: pc.connectionState });
  };
  pc.oniceconnectionstatechange = () => {
    if (pc.iceConnectionState === "connected") mark("ice-connected");
  };
  // Sender parameters need negotiated encodings: tune them after each negotiation.
  pc.onsignalingstatechange = () => {
    if (pc.signalingState === "stable") afterAnswer(() => senders.negotiated());
  };
  control.onopen = () => sendLater({ type: "PC.CONTROL_OPEN" });
  // The control channel only closes when the other side's connection is gone (page closed or
  // reloaded): say so at once rather than waiting seconds for ICE consent checks to fail.
  control.onclose = () => {
    if (!stopped) sendBack({ type: "PC.STATE", state: "disconnected" });
  };
  control.onmessage = (ev) => {
    const msg = decodeControl(ev.data as ArrayBuffer);
    if (msg?.type === "signal") enqueueSignal(msg.data, "channel");
    else if (msg) sendBack({ type: "PC.CONTROL", msg });
  };

  async function applySignal(data: SignalPayload, path: typeof via) {
    if ("description" in data) {
      const description = data.description as RTCSessionDescriptionInit;
      const offerCollision = description.type === "offer" && (makingOffer || pc.signalingState !== "stable");
      ignoreOffer = !input.polite && offerCollision;
      if (ignoreOffer) return;
      if (description.type === "offer") return answer(description, path);
      await pc.setRemoteDescription(tuneRemoteDescription(description));
      if (description.type === "answer") mark("answer");
    } else {
      try {
        await pc.addIceCandidate(data.candidate ?? undefined);
      } catch (err) {
        if (!ignoreOffer) throw err;
      }
    }
  }

  /** Their offer: applied and answered before the page shows or plays anything more (answer-first.ts). */
  async function answer(offer: RTCSessionDescriptionInit, path: typeof via) {
    answerFirst.hold(ANSWERING_MS);
    answering = [];
    try {
      await pc.setRemoteDescription(tuneRemoteDescription(offer)); // rolls back our own offer when polite
      addLocalTracks(true);
      await pc.setLocalDescription();
      via = path;
      if (pc.localDescription) signalOut({ description: tuneDescription({ type: pc.localDescription.type, sdp: pc.localDescription.sdp }) });
      mark("answer-sent");
    } finally {
      const waited = answering;
      answering = null;
      for (const fn of waited) fn();
      answerFirst.release();
    }
  }

  const enqueueSignal = (data: SignalPayload, path: typeof via) => {
    queue = queue.then(() => applySignal(data, path)).catch((err) => console.warn("peer: signal failed", err));
  };

  receive((cmd) => {
    if (stopped) return;
    switch (cmd.type) {
      case "PC.SIGNAL_IN":
        enqueueSignal(cmd.data, "server");
        return;
      case "PC.RESTART_ICE":
        // Without a server a restart can only be signaled over the channel; before it opens, a
        // restart would only void the answer code the other person is about to paste.
        if (input.noServer && control.readyState !== "open") return;
        restartingIce = true;
        if (pc.signalingState === "have-local-offer" && !makingOffer) {
          // Our last offer was never answered: it went the way that has just failed. Take it
          // back, or no new offer (and so no restart) could ever be made.
          queue = queue
            .then(() => pc.setLocalDescription({ type: "rollback" }))
            .then(() => pc.restartIce())
            .catch((err) => console.warn("peer: could not take back an unanswered offer", err));
          return;
        }
        pc.restartIce();
        return;
      case "PC.SET_ICE_SERVERS":
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers: cmd.iceServers as RTCIceServer[] });
        return;
      case "PC.SEND_CONTROL":
        if (control.readyState === "open") control.send(encodeControl(cmd.msg));
        return;
      case "PC.OUTGOING":
        senders.set(cmd.outgoing);
        return;
      case "PC.GET_STATS":
        // Not while the connection comes up and shows its first picture: the next poll will do.
        if (!statsDue()) return;
        pc.getStats()
          .then((report) => {
            if (stopped) return;
            senders.observe(report);
            sendBack({ type: "PC.STATS", sample: sampleOf(report, senders.cpuScale) });
          })
          .catch(() => {});
        return;
      case "PC.WATCH_FLOW":
        unwatchFlow ??= watchFlow(
          () => pc.getStats().then((report) => report.values()),
          () => sendBack({ type: "PC.FLOWING" }),
          () => typeof document !== "undefined" && document.visibilityState === "hidden",
        );
        return;
      case "PC.CHANNEL_SEND": {
        const channel = features.get(cmd.channel);
        if (channel?.readyState === "open") channel.send(cmd.data as Uint8Array<ArrayBuffer>);
        return;
      }
    }
  });

  /**
   * The offer made on the pre-join screen goes out (unless it went with the join and the server
   * relayed it), then the candidates gathered meanwhile (those the join's offer carried in its SDP
   * are not sent again); one that failed is made again.
   */
  const sendPrepared = async (made: PreparedConnection, release: (c: typeof candidateOut, e: typeof iceErrorOut) => void) => {
    const relayed = made.relayedOffer;
    makingOffer = true;
    const set = relayed !== null || (await made.offer);
    makingOffer = false;
    if (stopped) return;
    if (set && pc.localDescription && pc.signalingState === "have-local-offer") {
      if (!relayed) signalOut({ description: tuneDescription({ type: pc.localDescription.type, sdp: pc.localDescription.sdp }) });
      offerSent();
    }
    const carried = (c: RTCIceCandidateInit | null) => relayed !== null && c !== null && relayed.includes(`a=${c.candidate}\r\n`);
    release((c) => {
      if (!carried(c)) candidateOut(c);
    }, iceErrorOut);
    senders.tune();
    if (!set || pc.signalingState === "stable") void makeOffer();
  };

  if (prepared && input.prepared) {
    addLocalTracks(false);
    void sendPrepared(input.prepared, prepared.release);
  } else if (input.initiator) {
    addLocalTracks(false);
    // Offer now rather than on the negotiationneeded event, which the browser queues as a task:
    // behind whatever the page does next (the call's view rendering who joined, bench/join).
    void makeOffer();
  }
  if (input.firstSignal) enqueueSignal(input.firstSignal, "server");

  return () => {
    stopped = true;
    unwatchFlow?.();
    pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = pc.onicecandidateerror = pc.onsignalingstatechange = null;
    pc.oniceconnectionstatechange = null;
    control.onopen = control.onmessage = control.onclose = null;
    for (const channel of features.values()) channel.onopen = channel.onmessage = null;
    // Closing blocks the page for ~10-20 ms on the WebRTC thread that also applies descriptions:
    // while an answer is being made (their new session's offer replaces this one, transport/mesh.ts),
    // it waits until the answer has gone. Silent meanwhile: nothing of it reaches anyone.
    answerFirst.after(() => pc.close());
  };
});
