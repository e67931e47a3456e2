/**
 * Which codecs a connection asks for, and in what order (rtp-tuning.ts re-exports these). On their
 * own, with no imports, so that the page's first script (machines/head-start.ts) can make a
 * connection with the same order as the app's code, without the rest of rtp-tuning.ts.
 */

/**
 * The order on software-only machines (and until a probe says otherwise): the cheapest encoders at
 * 1080p60 first (rtp-tuning.ts probeVideoCodecs).
 */
export const SOFTWARE_ORDER = ["video/H264", "video/VP8"];

export function orderCodecs(codecs: RTCRtpCodec[], order: string[]): RTCRtpCodec[] {
  const rank = (c: RTCRtpCodec) => {
    const i = order.findIndex((m) => m.toLowerCase() === c.mimeType.toLowerCase());
    return i < 0 ? order.length : i;
  };
  return codecs
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

/**
 * Audio: Opus wrapped in RED (RFC 2198) first, so every packet also carries the previous one and a
 * lost packet costs nothing audible. At 10% random loss the share of speech the listener hears as
 * concealed (made up by the decoder) drops from about 7% to under 1% for about 30 kbit/s more
 * (measured in Chromium with packets dropped on the way in). Peers without RED use plain Opus.
 */
export const AUDIO_ORDER = ["audio/red", "audio/opus"];

/**
 * What this browser can receive, asked once a page: the question is a synchronous trip to the
 * WebRTC thread, which is busy applying the offer when an answer is being made.
 */
const capabilities = new Map<"audio" | "video", RTCRtpCodec[] | undefined>();
function receivable(kind: "audio" | "video"): RTCRtpCodec[] | undefined {
  if (!capabilities.has(kind)) capabilities.set(kind, globalThis.RTCRtpReceiver?.getCapabilities?.(kind)?.codecs);
  return capabilities.get(kind);
}

/** Call after tracks are added and before an offer or answer is made; `only`: on these transceivers alone. */
export function preferCodecs(pc: RTCPeerConnection, videoOrder: string[], only: (t: RTCRtpTransceiver) => boolean = () => true) {
  for (const [kind, order] of [
    ["audio", AUDIO_ORDER],
    ["video", videoOrder],
  ] as const) {
    const codecs = receivable(kind);
    if (!codecs) continue;
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind !== kind || t.currentDirection === "stopped" || !t.setCodecPreferences || !only(t)) continue;
      try {
        t.setCodecPreferences(orderCodecs(codecs, order));
      } catch (err) {
        console.warn("rtp: codec preferences refused", err);
      }
    }
  }
}
