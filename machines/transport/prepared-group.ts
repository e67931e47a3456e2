/**
 * The media-server path's connections prepared on the pre-join screen (issues 16 and 21): when the
 * room already holds two people or more, Join will put us in a group, so the page builds what the
 * path publishes with before Join: the publishing RTCPeerConnection with its audio line and its
 * video line in three simulcast layers, the end-to-end encryption worker and its frame transforms,
 * our publishing offer made and set; and the (empty) receiving connection. Nothing leaves the
 * browser for anyone before Join: the offer and the candidates gathered wait here until the path
 * (sfu.ts) adopts them, which sends them. A preparation nobody adopts is closed.
 *
 * `openSfu` is the one place both connections are made, prepared or not.
 */
import { type CandidateOut, holdCandidates } from "./candidate-hold.ts";
import type { IceServer } from "../../protocol/index.ts";
import type { KeyRing } from "../../protocol/group-keys.ts";
import { type MediaEncryption, mediaEncryption } from "./e2ee-media.ts";
import { mark } from "../timeline.ts";

/**
 * Simulcast layers: a viewer's tile gets the one that fits it. Janus reads the rids in the order
 * high, medium, low (its substream 2, 1, 0): listed the other way, a tile asking for the low
 * layer received the high one.
 */
const LAYERS: RTCRtpEncodingParameters[] = [
  { rid: "h", scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
  { rid: "m", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "l", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
];

/** The widest tile (device pixels) each layer is for, low to high: a tile asks for the smallest that covers it (ui/layout.ts). */
export const LAYER_WIDTHS = [320, 640, 1280] as const;

/**
 * How much each layer (high, medium, low) scales our video down: by 1, 2 and 4, and further for a
 * camera larger than the layer's tiles need (a 1080p camera is sent at 720p, 360p and 180p, not
 * 1080p, 540p and 270p). No tile asks for more, and every join has each publisher encode a key
 * frame on every layer for the newcomer: at 1080p that stalled everyone's picture of them (bench/join).
 * A shared screen keeps 1, 2 and 4, for legible text.
 */
export function layerScales(track: MediaStreamTrack | null): number[] {
  const base = LAYERS.map((l) => l.scaleResolutionDownBy ?? 1);
  const screen = track?.contentHint === "detail" || track?.contentHint === "text";
  const { width = 0, height = 0 } = (!screen && track?.getSettings?.()) || {};
  const side = Math.max(width, height);
  return base.map((scale, i) => Math.max(scale, side / LAYER_WIDTHS[LAYER_WIDTHS.length - 1 - i]!));
}

/**
 * The video sender's layers scaled for `track` (layerScales) and, dynacast, those above `max`
 * paused (nobody receiving us wants them: encoding them only costs our CPU), when they are not
 * already. The encodings are listed high to low, as LAYERS; the lowest is never paused.
 */
export async function fitLayers(sender: RTCRtpSender, track: MediaStreamTrack | null, max: 0 | 1 | 2 = 2): Promise<void> {
  const params = sender.getParameters();
  const scales = layerScales(track);
  const encodings = params.encodings ?? [];
  const activeAt = (i: number) => encodings.length - 1 - i <= max;
  if (!encodings.length || encodings.every((e, i) => e.scaleResolutionDownBy === scales[i] && (e.active ?? true) === activeAt(i))) return;
  encodings.forEach((e, i) => {
    e.scaleResolutionDownBy = scales[i] ?? e.scaleResolutionDownBy;
    e.active = activeAt(i);
  });
  await sender.setParameters(params);
}

/** How to reach the media server, and the call's keys (null: the media server sees our media). */
export interface SfuPlan {
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  keys: KeyRing | null;
}

/** The path's two connections, its publishing senders and its frame transforms. */
export interface SfuParts {
  pub: RTCPeerConnection;
  sub: RTCPeerConnection;
  audioSender: RTCRtpSender;
  videoSender: RTCRtpSender;
  e2ee: MediaEncryption | null;
}

/** Both connections, ready to publish `audio` and our camera (a line of each kind even without them: replaceTrack fills it later). */
export function openSfu(plan: SfuPlan, audio: MediaStreamTrack | null, stream: MediaStream | null): SfuParts {
  const e2ee = plan.keys ? mediaEncryption(plan.keys) : null;
  const config: RTCConfiguration = {
    iceServers: plan.iceServers as RTCIceServer[],
    iceTransportPolicy: plan.iceTransportPolicy,
    bundlePolicy: "max-bundle",
    ...e2ee?.rtcConfig,
  };
  const pub = new RTCPeerConnection(config);
  const sub = new RTCPeerConnection(config);
  const video = stream?.getVideoTracks()[0] ?? null;
  const streams = stream ? { streams: [stream] } : {};
  const audioSender = pub.addTransceiver(audio ?? "audio", { direction: "sendonly", ...streams }).sender;
  const scales = layerScales(video);
  const sendEncodings = LAYERS.map((l, i) => ({ ...l, scaleResolutionDownBy: scales[i] }));
  const videoSender = pub.addTransceiver(video ?? "video", { direction: "sendonly", sendEncodings, ...streams }).sender;
  e2ee?.sender(audioSender, "audio");
  e2ee?.sender(videoSender, "video");
  return { pub, sub, audioSender, videoSender, e2ee };
}

/** What the pre-join screen prepares for a group: our media as it has it, and how to reach the media server. */
export interface GroupPlan extends SfuPlan {
  group: true;
  stream: MediaStream;
}

/** What the path is started with, to which a preparation must fit. */
export type GroupWanted = { stream: MediaStream | null; iceTransportPolicy: RTCIceTransportPolicy; keys: KeyRing | null };

export const kindsOf = (stream: MediaStream | null) =>
  (stream?.getTracks() ?? [])
    .map((t) => t.kind)
    .sort()
    .join(",");

/** Made for this: the same kinds of track (a changed device is swapped in place), relay policy and keys. */
export const groupPlanFits = (plan: GroupPlan, want: GroupWanted) =>
  kindsOf(want.stream) === kindsOf(plan.stream) && want.iceTransportPolicy === plan.iceTransportPolicy && want.keys === plan.keys;

export class PreparedGroup {
  private readonly parts: SfuParts;
  /** Resolves true once our publishing offer is set as the local description (false: it could not be made). */
  readonly offer: Promise<boolean>;
  private readonly candidates: ReturnType<typeof holdCandidates>;
  private adopted = false;

  constructor(readonly plan: GroupPlan) {
    this.parts = openSfu(plan, plan.stream.getAudioTracks()[0] ?? null, plan.stream);
    const { pub } = this.parts;
    // Kept here until Join: nothing goes anywhere.
    this.candidates = holdCandidates(pub);
    this.offer = pub
      .createOffer()
      .then((offer) => pub.setLocalDescription(offer))
      .then(() => {
        mark("sfu-offer-prepared");
        return true;
      })
      .catch((err) => {
        console.warn("sfu: could not prepare an offer", err);
        return false;
      });
  }

  fits(want: GroupWanted): boolean {
    return groupPlanFits(this.plan, want);
  }

  /**
   * The connections are the caller's from now on (once). `release` hands over the candidates the
   * publishing connection gathered so far, then every later one; call it after the offer is sent.
   */
  adopt(): SfuParts & { release(onCandidate: CandidateOut): void } {
    if (this.adopted) throw new Error("PreparedGroup: adopted twice");
    this.adopted = true;
    return { ...this.parts, release: (onCandidate) => this.candidates.release(onCandidate) };
  }

  /** Closes it, unless it was adopted (its new owner closes it). */
  close() {
    if (this.adopted) return;
    this.adopted = true;
    const { pub, sub, e2ee } = this.parts;
    pub.onicecandidate = null;
    pub.close();
    sub.close();
    e2ee?.close();
  }
}
