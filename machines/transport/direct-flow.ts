/**
 * Back to direct from the media server: a direct connection's picture replaces the media
 * server's only once it flows, never on a timer (a busy machine may take seconds to connect and
 * decode, and the picture then would go dark meanwhile).
 */

/** How often the connection's stats are read while it is watched. */
export const FLOW_POLL_MS = 100;
/** Polls at most (30 s): past that the watch gives up; the media server's path ends by itself later. */
export const FLOW_POLLS_MAX = 300;
/** Audio arriving without any video packet for this long: they send no picture (no camera); audio is enough. */
export const AUDIO_ONLY_AFTER_MS = 1_500;

type InboundLine = { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number };

/** What one read of the stats says: a video frame decoded, and packets of each kind. */
export function inboundOf(lines: Iterable<InboundLine>) {
  let framesDecoded = 0;
  let videoPackets = 0;
  let audioPackets = 0;
  for (const s of lines) {
    if (s.type !== "inbound-rtp") continue;
    if (s.kind === "video") {
      framesDecoded += s.framesDecoded ?? 0;
      videoPackets += s.packetsReceived ?? 0;
    } else if (s.kind === "audio") audioPackets += s.packetsReceived ?? 0;
  }
  return { framesDecoded, videoPackets, audioPackets };
}

/**
 * Watches what arrives until it flows: a video frame decoded; or audio with no video packet for
 * AUDIO_ONLY_AFTER_MS (or at once in a hidden tab, which may decode no video). `stats` reads the
 * connection; `flowing` is called once. Returns a function that stops the watch.
 */
export function watchFlow(stats: () => Promise<Iterable<InboundLine>>, flowing: () => void, hidden = () => false): () => void {
  let stopped = false;
  let polls = 0;
  let audioSince: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const poll = async () => {
    timer = null;
    if (stopped || polls++ >= FLOW_POLLS_MAX) return;
    try {
      const seen = inboundOf(await stats());
      if (stopped) return;
      const now = performance.now();
      if (seen.audioPackets > 0) audioSince ??= now;
      const audioOnly = audioSince !== null && seen.videoPackets === 0 && now - audioSince >= AUDIO_ONLY_AFTER_MS;
      if (seen.framesDecoded > 0 || audioOnly || (hidden() && seen.audioPackets > 0)) {
        stopped = true;
        flowing();
        return;
      }
    } catch {
      // closed meanwhile: the next poll finds it stopped, or reads again
    }
    if (!stopped) timer = setTimeout(poll, FLOW_POLL_MS);
  };
  timer = setTimeout(poll, 0);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
