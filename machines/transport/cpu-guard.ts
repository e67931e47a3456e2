/**
 * Keeps camera video fluid when the CPU cannot encode every frame. Chromium's own CPU adaptation
 * did not engage in our measurements (bench/media/): with `maintain-framerate` a software VP8
 * encoder on a busy 2-core machine kept 1080p and dropped to 15-40 fps, reporting no limitation.
 * So we watch encode time per frame ourselves and step the sent resolution down
 * (scaleResolutionDownBy) while frames are lost for lack of CPU, and back up when there is room.
 */

/** Resolution steps: 1080p, 720p, 540p, 360p for a 1080p camera. */
export const SCALES = [1, 1.5, 2, 3] as const;

export interface EncoderSample {
  /** ms, of the stats report. */
  at: number;
  /** Frames per second the camera delivers to the sender (media-source). */
  captureFps: number | null;
  framesEncoded: number;
  /** Seconds spent encoding, cumulative (outbound-rtp totalEncodeTime). */
  totalEncodeTime: number;
  maxFramerate: number;
}

export class CpuGuard {
  private step = 0;
  private prev: EncoderSample | null = null;
  /** The last seconds: was the encoder short of CPU? */
  private recent: boolean[] = [];
  private relaxed = 0;

  get scale(): number {
    return SCALES[this.step]!;
  }

  reset() {
    this.step = this.relaxed = 0;
    this.recent = [];
    this.prev = null;
  }

  /** One sample a second; true when the scale changed. */
  observe(s: EncoderSample): boolean {
    const p = this.prev;
    this.prev = s;
    if (!p || s.at <= p.at || s.framesEncoded < p.framesEncoded) return false;
    const frames = s.framesEncoded - p.framesEncoded;
    const seconds = (s.at - p.at) / 1000;
    if (frames <= 0) return false;
    const encodedFps = frames / seconds;
    const encodeMs = (1000 * (s.totalEncodeTime - p.totalEncodeTime)) / frames;
    const target = Math.max(1, Math.min(s.maxFramerate, s.captureFps ?? s.maxFramerate));
    const budget = 1000 / target;
    // Frames go missing and encoding one takes about as long as the camera gives us between two,
    // in 3 of the last 5 seconds (a busy machine is bursty).
    const overloaded = encodedFps < 0.85 * target && encodeMs > 0.8 * budget;
    this.recent = [...this.recent.slice(-4), overloaded];
    if (this.recent.filter(Boolean).length >= 3 && this.step < SCALES.length - 1) {
      this.step++;
      this.recent = [];
      this.relaxed = 0;
      return true;
    }
    if (overloaded) {
      this.relaxed = 0;
      return false;
    }
    // Back up only if one step larger (about (a/b)^2 more pixels) would still leave room, for a while.
    const next = SCALES[this.step - 1];
    if (next !== undefined && encodeMs * (this.scale / next) ** 2 < 0.6 * budget && encodedFps >= 0.9 * target) {
      if (++this.relaxed >= 10) {
        this.step--;
        this.relaxed = 0;
        return true;
      }
    } else this.relaxed = 0;
    return false;
  }
}

/** The numbers CpuGuard needs out of a getStats() report: the main outgoing video. */
export function encoderSampleOf(report: RTCStatsReport, sender: RTCRtpSender | null, maxFramerate: number): EncoderSample | null {
  let out: Record<string, unknown> | null = null;
  let source: Record<string, unknown> | null = null;
  const trackId = sender?.track?.id;
  report.forEach((s: Record<string, unknown>) => {
    if (s.type === "outbound-rtp" && s.kind === "video" && (!out || Number(s.bytesSent) > Number(out.bytesSent))) out = s;
    if (s.type === "media-source" && s.kind === "video" && (!trackId || s.trackIdentifier === trackId)) source = s;
  });
  const o = out as Record<string, unknown> | null;
  const m = source as Record<string, unknown> | null;
  if (!o || typeof o.framesEncoded !== "number" || typeof o.totalEncodeTime !== "number") return null;
  return {
    at: Number(o.timestamp),
    captureFps: typeof m?.framesPerSecond === "number" ? m.framesPerSecond : null,
    framesEncoded: o.framesEncoded,
    totalEncodeTime: o.totalEncodeTime,
    maxFramerate,
  };
}
