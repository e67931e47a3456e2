/**
 * The media-server path of the transport, for calls of three or more: one connection publishes
 * our camera and microphone to the SFU (Janus, driven by the OneLink server), one receives
 * everyone else's. A callback actor, the only code here that calls `pc.*`:
 *
 *   pub   we offer (audio, and video in three simulcast layers), the server answers for Janus
 *   sub   the server offers what we receive, listing whose each media line is; we answer
 *
 * A participant's stream is reported once its media flows (a track unmuted), so that the
 * transport can close the direct connection only when this path carries their picture.
 *
 * With the call's media key (a link with a secret), every frame is sealed before it leaves and
 * opened on arrival (e2ee-media.ts): the media server forwards what it cannot read.
 */
import { fromCallback } from "xstate";
import type { IceServer, SfuConnection, SfuLayer, SfuStream, SignalPayload } from "../../protocol/index.ts";
import type { KeyRing } from "../../protocol/group-keys.ts";
import { isActiveTcp } from "./candidate-hold.ts";
import { type AudioMix, mixAudio } from "./audio-mix.ts";
import { sampleOf, type StatsSample } from "../features/stats.ts";
import { capped, downlinkStep, freshDownlink, neededKbps } from "./downlink.ts";
import { fitLayers, openSfu, type PreparedGroup } from "./prepared-group.ts";
import { withOpusDtx } from "./rtp-tuning.ts";
import { mark } from "../timeline.ts";

/** What the page shows of each participant: the layer that fits their tile, -1 off screen. */
export type SfuView = Record<string, SfuLayer>;

export interface SfuInput {
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  stream: MediaStream | null;
  /** A shared screen's sound: sent mixed with the microphone on the one audio line. */
  extraAudio: MediaStreamTrack | null;
  /** The call's keys by epoch: frames are end-to-end encrypted. Null: the media server sees them. */
  keys: KeyRing | null;
  /** What the stage last said it shows (null: nothing said yet, everyone at the highest layer). */
  view: SfuView | null;
  /** The connections the pre-join screen prepared (prepared-group.ts), made for this input (groupPlanFits). */
  prepared?: PreparedGroup | null;
}

export type SfuCommand =
  | { type: "SFU.SIGNAL_IN"; pc: SfuConnection; data: SignalPayload; streams?: SfuStream[] }
  | { type: "SFU.STREAM"; stream: MediaStream | null; extraAudio: MediaStreamTrack | null }
  /** The stage shows these tiles at these sizes. */
  | { type: "SFU.VIEW"; view: SfuView }
  /** The highest layer of our video anyone receiving it wants (dynacast): the ones above pause. */
  | { type: "SFU.LAYERS"; max: 0 | 1 | 2 }
  /** Measure each participant's media (the stats panel). */
  | { type: "SFU.GET_STATS" }
  /** Close both connections now (the transport stops this actor right after). */
  | { type: "SFU.CLOSE" };

export type SfuEvent =
  | { type: "SFU.SIGNAL_OUT"; pc: SfuConnection; data: SignalPayload }
  /** A participant's media through the SFU (a new stream object whenever its tracks change). */
  | { type: "SFU.REMOTE_STREAM"; peer: string; stream: MediaStream }
  /**
   * Their stream, before a frame of it has decoded: for a participant with no picture of theirs
   * shown yet (a newcomer's tiles), which may take it at once; SFU.REMOTE_STREAM follows once it flows.
   */
  | { type: "SFU.REMOTE_PENDING"; peer: string; stream: MediaStream }
  /** The SFU no longer sends anything of theirs. */
  | { type: "SFU.REMOTE_GONE"; peer: string }
  | { type: "SFU.STATE"; pc: SfuConnection; state: RTCPeerConnectionState }
  /** What we want to receive of each participant's video (a hidden tab wants none). */
  | { type: "SFU.VIEW_OUT"; want: { peer: string; layer: SfuLayer }[] }
  /** One participant's media as we receive it (and ours as we publish it). */
  | { type: "SFU.STATS"; peer: string; sample: StatsSample };

export const sfuActor = fromCallback<SfuCommand, SfuInput, SfuEvent>(({ input, sendBack, receive }) => {
  mark("sfu-start");
  let stopped = false;

  /** The microphone, or it mixed with a shared screen's sound. */
  let mix: (AudioMix & { of: readonly MediaStreamTrack[] }) | null = null;
  function audioOf(stream: MediaStream | null, extra: MediaStreamTrack | null): MediaStreamTrack | null {
    const mic = stream?.getAudioTracks()[0] ?? null;
    if (mix && mix.of[0] === mic && mix.of[1] === extra) return mix.track; // the same two: the same mix
    mix?.stop();
    mix = null;
    if (!mic || !extra) return mic ?? extra;
    try {
      mix = { ...mixAudio([mic, extra]), of: [mic, extra] };
      return mix.track;
    } catch {
      return mic; // no audio context here: the microphone alone
    }
  }
  const audio = audioOf(input.stream, input.extraAudio);
  const video = input.stream?.getVideoTracks()[0] ?? null;
  // Prepared on the pre-join screen (prepared-group.ts), with its offer made: else made now.
  const adopted = input.prepared?.adopt() ?? null;
  const { pub, sub, audioSender, videoSender, e2ee } = adopted ?? openSfu(input, audio, input.stream);
  /**
   * Our video's layers: sized for the track sent, and paused above what anyone wants (all three
   * until the server says). One change at a time (a setParameters must start from the last
   * getParameters); a replaced track (a shared screen) keeps the choice.
   */
  let encodeUpTo: 0 | 1 | 2 = 2;
  let tuning = Promise.resolve();
  const tuneLayers = () => {
    tuning = tuning.then(() => fitLayers(videoSender, videoSender.track, encodeUpTo)).catch((err) => console.warn("sfu: could not set our layers", err));
  };
  if (adopted) {
    // Made with the relay servers the peek gave: the member's own replace them; a device changed since (or a screen's sound) is swapped in place.
    for (const pc of [pub, sub])
      if (JSON.stringify(pc.getConfiguration().iceServers ?? []) !== JSON.stringify(input.iceServers))
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers: input.iceServers as RTCIceServer[] });
    if (audioSender.track !== audio) audioSender.replaceTrack(audio).catch(() => {});
    if (videoSender.track !== video)
      videoSender
        .replaceTrack(video)
        .then(tuneLayers)
        .catch(() => {});
  }
  // Before any frame of theirs can reach the decoder.
  if (e2ee) sub.ontrack = ({ receiver }) => e2ee.receiver(receiver);

  // An active TCP candidate is not sent (candidate-hold.ts isActiveTcp): a media server without
  // ICE-TCP skips it, and one with it learns ours as the connection comes in.
  const candidateOut = (name: SfuConnection) => (candidate: RTCIceCandidateInit | null) => {
    if (!isActiveTcp(candidate)) sendBack({ type: "SFU.SIGNAL_OUT", pc: name, data: { candidate: candidate as never } });
  };
  for (const [name, pc] of [
    ["pub", pub],
    ["sub", sub],
  ] as const) {
    // A prepared publishing connection's candidates go once its offer has (release, below).
    if (name === "sub" || !adopted) pc.onicecandidate = ({ candidate }) => candidateOut(name)(candidate ? candidate.toJSON() : null);
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") mark(name === "pub" ? "sfu-pub-connected" : "sfu-sub-connected");
      sendBack({ type: "SFU.STATE", pc: name, state: pc.connectionState });
    };
  }

  // ---- receiving: whose is each media line, and their streams ----
  const owners = new Map<string, string>(); // mid → participant
  const streams = new Map<string, MediaStream>();
  const flowing = new Set<string>();

  /** Rebuilds each participant's stream from the media lines the last offer gave them. */
  function regroup() {
    const tracks = new Map<string, MediaStreamTrack[]>();
    for (const t of sub.getTransceivers()) {
      const peer = t.mid === null ? undefined : owners.get(t.mid);
      if (!peer || t.currentDirection === "inactive" || t.direction === "inactive") continue;
      const list = tracks.get(peer) ?? [];
      list.push(t.receiver.track);
      tracks.set(peer, list);
    }
    for (const [peer, list] of tracks) {
      const known = streams.get(peer);
      const same = known && known.getTracks().length === list.length && list.every((tr) => known.getTracks().includes(tr));
      if (same) continue;
      const stream = new MediaStream(list);
      streams.set(peer, stream);
      sendBack({ type: flowing.has(peer) ? "SFU.REMOTE_STREAM" : "SFU.REMOTE_PENDING", peer, stream });
    }
    for (const peer of [...streams.keys()]) {
      if (tracks.has(peer)) continue;
      streams.delete(peer);
      flowing.delete(peer);
      sendBack({ type: "SFU.REMOTE_GONE", peer });
    }
    watchFlow();
    tellView();
  }

  /**
   * What we ask the server for of each participant's video: nothing in a hidden tab or for a tile
   * off screen, else the layer that fits their tile, lowered while our downlink is short. Told
   * whenever any of these changes (the server's default is the highest layer), also for a tile
   * shown before its media comes (a newcomer's): their subscription then starts at that layer
   * instead of switching to it right after, which would cost them a key frame.
   */
  let view: SfuView | null = input.view;
  let downlink = freshDownlink(performance.now());
  let told = "";
  function wanted(): { peer: string; layer: SfuLayer }[] {
    const hidden = typeof document !== "undefined" && document.visibilityState === "hidden";
    const peers = new Set([...streams.keys(), ...Object.keys(view ?? {})]);
    return [...peers].map((peer) => ({ peer, layer: hidden ? -1 : capped(view?.[peer] ?? 2, downlink.cap) }));
  }
  function tellView() {
    if (stopped) return;
    const want = wanted();
    const key = JSON.stringify(want);
    if (key === told || want.length === 0 || (told === "" && want.every((w) => w.layer === 2))) return;
    told = key;
    sendBack({ type: "SFU.VIEW_OUT", want });
  }
  const onVisibility = () => tellView();
  if (typeof document !== "undefined") document.addEventListener("visibilitychange", onVisibility);

  /** Every two seconds: is our downlink short (video packets lost, the browser's incoming estimate)? */
  const downlinkTimer = setInterval(async () => {
    try {
      const report = await sub.getStats();
      let received = 0;
      let lost = 0;
      let availableKbps: number | null = null;
      report.forEach(
        (r: { type: string; kind?: string; packetsReceived?: number; packetsLost?: number; nominated?: boolean; availableIncomingBitrate?: number }) => {
          if (r.type === "inbound-rtp" && r.kind === "video") {
            received += r.packetsReceived ?? 0;
            lost += Math.max(0, r.packetsLost ?? 0);
          }
          if (r.type === "candidate-pair" && r.nominated && typeof r.availableIncomingBitrate === "number") availableKbps = r.availableIncomingBitrate / 1000;
        },
      );
      const before = downlink.cap;
      downlink = downlinkStep(
        downlink,
        { at: performance.now(), received, lost, availableKbps },
        neededKbps(wanted().flatMap((w) => (streams.has(w.peer) ? [w.layer] : []))),
      );
      if (downlink.cap !== before) tellView();
    } catch {
      // closed meanwhile
    }
  }, 2_000);

  /**
   * A participant counts as flowing once a frame of theirs was decoded (their video) or audio
   * arrived (no video line): only then is their stream reported, so a picture is never swapped
   * for one that is still waiting for its first key frame.
   */
  let watching = false;
  function watchFlow() {
    if (watching || stopped) return;
    const waiting = [...streams.keys()].filter((p) => !flowing.has(p));
    if (waiting.length === 0) return;
    watching = true;
    setTimeout(async () => {
      try {
        const report = await sub.getStats();
        const ready = new Set<string>();
        const hasVideo = new Set<string>();
        for (const t of sub.getTransceivers()) if (t.mid !== null && t.receiver.track.kind === "video" && owners.has(t.mid)) hasVideo.add(owners.get(t.mid)!);
        report.forEach((s: { type: string; kind?: string; mid?: string; framesDecoded?: number; packetsReceived?: number }) => {
          if (s.type !== "inbound-rtp" || s.mid === undefined) return;
          const peer = owners.get(s.mid);
          if (!peer) return;
          // A hidden tab receives no video: their audio arriving is enough then.
          const hidden = typeof document !== "undefined" && document.visibilityState === "hidden";
          if (s.kind === "video" ? (s.framesDecoded ?? 0) > 0 : (hidden || !hasVideo.has(peer)) && (s.packetsReceived ?? 0) > 0) ready.add(peer);
        });
        for (const peer of ready) {
          const stream = streams.get(peer);
          if (flowing.has(peer) || !stream || stopped) continue;
          flowing.add(peer);
          sendBack({ type: "SFU.REMOTE_STREAM", peer, stream });
        }
      } catch {
        // closed meanwhile
      } finally {
        watching = false;
        watchFlow();
      }
    }, 100);
  }

  // Each connection's signals in their order; the two connections apart, so that the others'
  // pictures (an offer to receive) never wait behind our own offer being made.
  const queues: Record<SfuConnection, Promise<void>> = { pub: Promise.resolve(), sub: Promise.resolve() };
  const later = (pc: SfuConnection, op: () => Promise<void>) => {
    queues[pc] = queues[pc].then(op).catch((err) => console.warn("sfu: signal failed", err));
  };

  async function offerToPublish() {
    await pub.setLocalDescription(await pub.createOffer());
    if (pub.localDescription) sendBack({ type: "SFU.SIGNAL_OUT", pc: "pub", data: { description: { type: "offer", sdp: pub.localDescription.sdp } } });
    mark("sfu-offer-sent");
  }

  /** The offer made on the pre-join screen goes first, then the candidates gathered meanwhile; one that could not be made is made now. */
  async function sendPrepared(ready: Promise<boolean>, release: (out: (c: RTCIceCandidateInit | null) => void) => void) {
    if (!(await ready) || stopped || !pub.localDescription) {
      if (!stopped) pub.onicecandidate = ({ candidate }) => candidateOut("pub")(candidate ? candidate.toJSON() : null);
      return offerToPublish();
    }
    sendBack({ type: "SFU.SIGNAL_OUT", pc: "pub", data: { description: { type: "offer", sdp: pub.localDescription.sdp } } });
    mark("sfu-offer-sent");
    release(candidateOut("pub"));
  }

  async function apply(pc: SfuConnection, data: SignalPayload, list?: SfuStream[]) {
    const conn = pc === "pub" ? pub : sub;
    if ("candidate" in data) {
      if (data.candidate) await conn.addIceCandidate(data.candidate);
      return;
    }
    const { description } = data;
    if (pc === "pub") {
      if (description.type === "answer" && pub.signalingState === "have-local-offer") {
        mark("sfu-answer");
        await pub.setRemoteDescription(withOpusDtx(description));
      }
      return;
    }
    if (description.type !== "offer") return;
    mark("sfu-sub-offer");
    // An offer may list only what changed: lines it does not name keep their owner (a line Janus
    // no longer uses is inactive, and skipped).
    if (list) for (const { mid, peer } of list) owners.set(mid, peer);
    await sub.setRemoteDescription(description);
    if (e2ee) for (const t of sub.getTransceivers()) e2ee.receiver(t.receiver);
    await sub.setLocalDescription(await sub.createAnswer());
    if (sub.localDescription) sendBack({ type: "SFU.SIGNAL_OUT", pc: "sub", data: { description: { type: "answer", sdp: sub.localDescription.sdp } } });
    mark("sfu-sub-answered");
    regroup();
  }

  receive((cmd) => {
    if (stopped) return;
    switch (cmd.type) {
      case "SFU.SIGNAL_IN":
        later(cmd.pc, () => apply(cmd.pc, cmd.data, cmd.streams));
        return;
      case "SFU.STREAM":
        audioSender.replaceTrack(audioOf(cmd.stream, cmd.extraAudio)).catch(() => {});
        {
          const video = cmd.stream?.getVideoTracks()[0] ?? null;
          // A screen shared or another camera: its own layer sizes.
          videoSender
            .replaceTrack(video)
            .then(tuneLayers)
            .catch(() => {});
        }
        return;
      case "SFU.VIEW":
        view = cmd.view;
        tellView();
        return;
      case "SFU.LAYERS":
        if (cmd.max === encodeUpTo) return;
        encodeUpTo = cmd.max;
        tuneLayers();
        return;
      case "SFU.GET_STATS":
        void measure();
        return;
      case "SFU.CLOSE":
        close();
        return;
    }
  });

  if (adopted && input.prepared) later("pub", () => sendPrepared(input.prepared!.offer, adopted.release));
  else later("pub", offerToPublish);

  /**
   * Each participant's media as a stats sample of its own: their inbound lines (by mid) from the
   * receiving connection, with our publishing connection's outbound and round trip.
   */
  async function measure() {
    try {
      const [got, sent] = await Promise.all([sub.getStats(), pub.getStats()]);
      const shared: [string, Record<string, unknown> & { id: string; type: string }][] = [];
      const byPeer = new Map<string, typeof shared>();
      sent.forEach((r: Record<string, unknown> & { id: string; type: string }) => {
        if (r.type !== "inbound-rtp") shared.push([r.id, r]);
      });
      got.forEach((r: Record<string, unknown> & { id: string; type: string }) => {
        if (r.type !== "inbound-rtp") return;
        const peer = typeof r.mid === "string" ? owners.get(r.mid) : undefined;
        if (!peer) return;
        const list = byPeer.get(peer) ?? [];
        list.push([r.id, r]);
        byPeer.set(peer, list);
      });
      // Codecs of the inbound lines live in the receiving connection's report.
      got.forEach((r: Record<string, unknown> & { id: string; type: string }) => {
        if (r.type === "codec") shared.push([r.id, r]);
      });
      if (stopped) return;
      for (const [peer, lines] of byPeer) sendBack({ type: "SFU.STATS", peer, sample: sampleOf(new Map([...shared, ...lines])) });
    } catch {
      // closed meanwhile
    }
  }

  function close() {
    stopped = true;
    clearInterval(downlinkTimer);
    if (typeof document !== "undefined") document.removeEventListener("visibilitychange", onVisibility);
    sub.ontrack = null;
    for (const pc of [pub, sub]) {
      pc.onicecandidate = pc.onconnectionstatechange = null;
      pc.close();
    }
    e2ee?.close();
    mix?.stop();
  }

  return close;
});
