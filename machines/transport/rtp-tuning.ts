import { preferCodecs, SOFTWARE_ORDER } from "./codec-order.ts";
import { CpuGuard, encoderSampleOf } from "./cpu-guard.ts";

// The codec order lives on its own (the page's first script makes a connection with it, head-start.ts).
export { AUDIO_ORDER, orderCodecs, preferCodecs, SOFTWARE_ORDER } from "./codec-order.ts";

/**
 * How our media goes on the wire, for peer-connection.ts: which tracks the senders carry
 * (replaceTrack, so no renegotiation), sender parameters that keep camera video fluid and shared
 * screens sharp, the video codec order, and Opus tuned for speech in the descriptions we send.
 */

/** What every peer connection should send; the call hands it to each peer. */
export interface Outgoing {
  /** The microphone. */
  audio: MediaStreamTrack | null;
  /** The camera, or the screen while sharing. */
  video: MediaStreamTrack | null;
  /** Tab or system audio offered with a shared screen: an additional audio sender. */
  extraAudio: MediaStreamTrack | null;
  videoMode: "camera" | "screen";
  maxBitrateKbps: number;
  maxFramerate: number;
  /** Video codecs in the order we ask for (probeVideoCodecs, run by local media). */
  videoCodecs: string[];
}

export const DEFAULT_MAX_BITRATE_KBPS = 8000;

/** The codecs probeVideoCodecs asks about, in the order it puts those that are fast; SOFTWARE_ORDER follows them. */
export const PROBED_CODECS = ["video/H264", "video/VP9", "video/AV1"];

/**
 * Hardware encoders (power efficient at 1080p60) go first. Then H264, then VP8: in Chromium with
 * software codecs only, OpenH264 encodes a 1080p camera frame in about 7 ms where libvpx VP8 needs
 * about 17 ms (and VP9 or AV1 more), which is what decides whether 60 fps holds on a small
 * machine; decoding H264 is also about half the cost of VP8 (bench/media/bench.ts). Browsers
 * without H264 simply skip it.
 */
export async function probeVideoCodecs(): Promise<string[]> {
  const caps = globalThis.navigator?.mediaCapabilities;
  if (!caps?.encodingInfo) return SOFTWARE_ORDER;
  // Asked all at once: each answer comes from the browser's media process, and one after another they added up.
  const fast = await Promise.all(
    PROBED_CODECS.map(async (mime) => {
      try {
        const info = await caps.encodingInfo({
          type: "webrtc",
          video: { contentType: mime, width: 1920, height: 1080, bitrate: 6_000_000, framerate: 60 },
        } as MediaEncodingConfiguration);
        return info.supported && info.powerEfficient && info.smooth ? mime : null;
      } catch {
        return null; // Unknown to this browser: skip it.
      }
    }),
  ).then((found) => found.filter((m): m is string => m !== null));
  return [...fast, ...SOFTWARE_ORDER.filter((m) => !fast.includes(m))];
}

/**
 * Sets fmtp parameters of the payload types whose rtpmap matches `codec` (adding an fmtp line
 * where a payload type has none), keeping every other parameter and line as it was.
 */
function setFmtp(sdp: string, codec: RegExp, set: Record<string, string>): string {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const lines = sdp.split(eol);
  const rtpmapOf = (l: string) => {
    const m = /^a=rtpmap:(\d+) ([^/\s]+)\//.exec(l);
    return m && codec.test(m[2]!) ? m[1]! : null;
  };
  const pts = new Set(lines.map(rtpmapOf).filter((pt): pt is string => pt !== null));
  if (!pts.size) return sdp;
  const render = (params: Map<string, string>) => [...params].map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join(";");
  const out: string[] = [];
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp && pts.has(fmtp[1]!)) {
      const params = new Map<string, string>();
      for (const part of fmtp[2]!.split(";")) {
        const [k, v = ""] = part.split("=");
        if (k?.trim()) params.set(k.trim(), v.trim());
      }
      for (const [k, v] of Object.entries(set)) params.set(k, v);
      out.push(`a=fmtp:${fmtp[1]} ${render(params)}`);
      continue;
    }
    out.push(line);
    const pt = rtpmapOf(line);
    if (pt && !lines.some((l) => l.startsWith(`a=fmtp:${pt} `))) out.push(`a=fmtp:${pt} ${render(new Map(Object.entries(set)))}`);
  }
  return out.join(eol);
}

/**
 * Opus for speech in a description we send: mono, in-band FEC. Opus fmtp parameters state what the
 * side that wrote them wants to receive, so this tunes what the other side sends us.
 */
const OPUS_SPEECH: Record<string, string> = { useinbandfec: "1", stereo: "0", "sprop-stereo": "0" };

export const tuneOpus = (sdp: string) => setFmtp(sdp, /^opus$/i, OPUS_SPEECH);

export function tuneDescription<T extends { sdp?: string }>(d: T): T {
  return d.sdp ? { ...d, sdp: tuneOpus(d.sdp) } : d;
}

/**
 * For the media server's answer to what we publish in a group call, before it is applied: Opus's
 * discontinuous transmission (DTX). Chromium takes a send codec's parameters from the remote
 * description, so `usedtx=1` there makes our microphone, while it hears nothing, send a packet
 * every 400 ms instead of 50 a second (Janus 1.1's own `opus_dtx` room option did not put it in its
 * answers). In a group most people are silent most of the time, and every listener receives,
 * decrypts and decodes every packet of everyone: 18 silent streams at 50 packets/s each were a
 * listener's largest cost in bench/group. Speech is sent as before.
 */
export function withOpusDtx<T extends { sdp?: string }>(d: T): T {
  return d.sdp ? { ...d, sdp: setFmtp(d.sdp, /^opus$/i, { usedtx: "1" }) } : d;
}

/**
 * Where our video's bandwidth estimate starts (kbps). Chromium starts at 300 kbps, so the first
 * 1080p keyframe crawls through its pacer: the first remote frame came ~190 ms after the
 * connection was up, ~60 ms from this start (bench/call/join.bench.ts). The estimate still
 * follows the network down within a second or two where it has less.
 */
export const START_BITRATE_KBPS = 1500;

/**
 * For a description we received, before it is applied: Chromium takes a send codec's
 * x-google-start-bitrate from the remote description, so this sets where our senders start
 * without changing anything on the wire (or in a serverless connection code).
 */
export function tuneRemoteDescription<T extends { sdp?: string }>(d: T): T {
  return d.sdp ? { ...d, sdp: setFmtp(d.sdp, /^(VP8|VP9|H264|H265|AV1)$/i, { "x-google-start-bitrate": String(START_BITRATE_KBPS) }) } : d;
}

/**
 * A camera starts out sent at about this height (360p), and goes to its full size once frames have
 * flowed for START_MS (by the stats samples, one a second). A 1080p keyframe
 * at the start bitrate took 300-500 ms longer to arrive than a 480p one (bench/join): the first
 * picture is what the person waits for, the sharpness can follow a moment later.
 */
export const START_HEIGHT = 360;
const START_MS = 1_000;

/** How much to scale a camera track down while starting: its height to about START_HEIGHT (1 for small cameras). */
export function startScale(track: MediaStreamTrack | null | undefined): number {
  const height = track?.getSettings?.().height ?? 0;
  return height > START_HEIGHT * 1.2 ? height / START_HEIGHT : 1;
}

/** The transceiver that carries our main track of a kind: the first one of that kind not used for extra audio. */
export function mainTransceiver(pc: RTCPeerConnection, kind: "audio" | "video", extra: RTCRtpSender | null) {
  return pc.getTransceivers().find((t) => t.currentDirection !== "stopped" && t.receiver.track.kind === kind && t.sender !== extra) ?? null;
}

/**
 * Senders whose line was made with its stream before it had a track (prepared.ts, a refresh whose
 * devices were still starting): the track slots in alone, as setStreams would renegotiate.
 */
const streamsKept = new WeakSet<RTCRtpSender>();
export const keepStreams = (sender: RTCRtpSender) => void streamsKept.add(sender);

/** Put `track` on the main sender of its kind; a receive-only one starts sending (that renegotiates). */
export async function placeTrack(
  pc: RTCPeerConnection,
  kind: "audio" | "video",
  track: MediaStreamTrack | null,
  stream: MediaStream | null,
  extra: RTCRtpSender | null,
) {
  const t = mainTransceiver(pc, kind, extra);
  if (!t) {
    if (track) pc.addTrack(track, ...(stream ? [stream] : []));
    return;
  }
  if (t.sender.track === track) return;
  await t.sender.replaceTrack(track);
  if (track && stream && !streamsKept.has(t.sender)) t.sender.setStreams?.(stream);
  if (track && (t.direction === "recvonly" || t.direction === "inactive")) t.direction = t.direction === "recvonly" ? "sendrecv" : "sendonly";
}

/** Sender parameters: fluid camera video, sharp screens, audio first in the queue. Needs a negotiated sender. */
type SenderParams = Pick<Outgoing, "videoMode" | "maxBitrateKbps" | "maxFramerate"> & { scale?: number; starting?: boolean };

export async function tuneSender(sender: RTCRtpSender, out: SenderParams) {
  try {
    await tuneOnce(sender, out);
  } catch (err) {
    // A negotiation between getParameters and setParameters voids them: read them again, once.
    if (!(err instanceof DOMException && err.name === "InvalidModificationError")) throw err;
    await tuneOnce(sender, out);
  }
}

async function tuneOnce(sender: RTCRtpSender, out: SenderParams) {
  const kind = sender.track?.kind;
  if (!kind) return;
  const p = sender.getParameters();
  if (!p.encodings?.length) return;
  if (kind === "video") {
    const screen = out.videoMode === "screen";
    // While a camera starts (START_MS of frames), its size is kept: allowed to scale, the encoder
    // dropped its first frames to come down to a size it thought the start bitrate fits (427x240 of
    // 640x360 asked, "bandwidth"), and the first picture came later and smaller. Then fluid video first.
    p.degradationPreference = screen || out.starting ? "maintain-resolution" : "maintain-framerate";
    for (const e of p.encodings) {
      e.maxBitrate = out.maxBitrateKbps * 1000;
      e.maxFramerate = screen ? Math.min(30, out.maxFramerate) : out.maxFramerate;
      // A shared screen keeps its resolution; the camera's comes down when the CPU cannot keep up.
      e.scaleResolutionDownBy = screen ? 1 : (out.scale ?? 1);
    }
  } else {
    for (const e of p.encodings) {
      e.priority = "high";
      e.networkPriority = "high";
    }
  }
  await sender.setParameters(p);
}

/**
 * Keeps one connection's senders in line with what the call wants sent: tracks swapped in place,
 * tab audio as an additional sender (that one renegotiates), parameters tuned after every
 * negotiation. Steps run one at a time, in order.
 */
export function senderSync(pc: RTCPeerConnection, stream: MediaStream | null, videoOrder: string[]) {
  let outgoing: Outgoing | null = null;
  let extra: RTCRtpSender | null = null;
  let ready = false;
  /** Until frames flow, the camera goes out small (START_HEIGHT). */
  let starting = true;
  /** When the first stats sample showed frames encoded (the stats clock). */
  let sendingSince: number | null = null;
  let chain: Promise<void> = Promise.resolve();
  const cpu = new CpuGuard();

  async function sync() {
    if (!ready || pc.signalingState === "closed") return;
    if (outgoing) {
      await placeTrack(pc, "audio", outgoing.audio, stream, extra);
      await placeTrack(pc, "video", outgoing.video, stream, extra);
      const want = outgoing.extraAudio;
      if (extra && extra.track !== want) {
        if (want) await extra.replaceTrack(want);
        else {
          pc.removeTrack(extra);
          extra = null;
        }
      } else if (!extra && want) {
        extra = pc.addTrack(want, ...(stream ? [stream] : []));
        preferCodecs(pc, videoOrder); // before the renegotiation this starts: tab audio gets RED too
      }
    }
    for (const sender of pc.getSenders()) {
      if (!sender.track) continue;
      const screen = sender.track.contentHint === "detail" || sender.track.contentHint === "text";
      const params = outgoing ?? { videoMode: screen ? ("screen" as const) : ("camera" as const), maxBitrateKbps: DEFAULT_MAX_BITRATE_KBPS, maxFramerate: 60 };
      const scale = starting ? Math.max(cpu.scale, startScale(sender.track)) : cpu.scale;
      await tuneSender(sender, { ...params, scale, starting }).catch((err) => console.warn("rtp: sender parameters refused", err));
    }
  }
  const run = () => {
    chain = chain.then(sync).catch((err) => console.warn("rtp: could not update what we send", err));
  };
  return {
    /**
     * Our tracks are on the connection: set the codec order before the offer or answer (`codecs`:
     * on every transceiver, on those we only receive on, for a connection made ahead whose senders
     * have it, or none), and tune the senders. With `tune: false` they are tuned by `tune()` or at
     * the negotiation's end (`negotiated`): an answer, or an offer made ahead, goes out first, and
     * reading a sender's parameters waits for the WebRTC thread that is applying the description.
     */
    tracksAdded({ codecs = "all", tune = true }: { codecs?: "all" | "receiveOnly" | "none"; tune?: boolean } = {}) {
      ready = true;
      if (codecs !== "none") preferCodecs(pc, videoOrder, codecs === "all" ? undefined : (t) => !t.sender.track);
      if (tune) run();
    },
    /** Tunes the senders (after `tracksAdded` without it). */
    tune: run,
    set(next: Outgoing) {
      // Another camera or resolution: its cost is unknown, start again from full size.
      if (next.video !== outgoing?.video || next.maxFramerate !== outgoing?.maxFramerate) cpu.reset();
      outgoing = next;
      run();
    },
    /** How much the CPU guard scales the camera down now (1: not at all). */
    get cpuScale() {
      return outgoing?.videoMode === "screen" ? 1 : cpu.scale;
    },
    /** Each stats report (about one a second): step the camera's resolution down or up with the CPU. */
    observe(report: RTCStatsReport) {
      if (!ready || outgoing?.videoMode === "screen") return;
      const video = pc.getSenders().find((s) => s.track?.kind === "video") ?? null;
      const sample = encoderSampleOf(report, video, outgoing?.maxFramerate ?? 60);
      if (starting && sample && sample.framesEncoded > 0) {
        sendingSince ??= sample.at;
        if (sample.at - sendingSince >= START_MS) {
          starting = false;
          run();
        }
      }
      if (sample && cpu.observe(sample)) run();
    },
    /** A negotiation finished: senders now have encodings to tune. */
    negotiated: run,
  };
}
