/**
 * Loudness from a light WebAudio analyser (no processing, a few reads a second), without React:
 * the pre-join meter (ui/quick-lobby.ts and ui Lobby, through ui/audio-level.ts) and who is
 * speaking (ui/audio-level.ts).
 */
import { awaitingPicture } from "../machines/answer-first.ts";
import { silentAudioContext } from "../machines/media/silent-context.ts";

/** 0..1 loudness now (root mean square of the last samples, scaled so speech reaches the middle). */
function levelOf(analyser: AnalyserNode, samples: Float32Array<ArrayBuffer>): number {
  analyser.getFloatTimeDomainData(samples);
  let sum = 0;
  for (const x of samples) sum += x * x;
  return Math.min(1, Math.sqrt(sum / samples.length) * 4);
}

/**
 * Reads the loudness of each audio track every `everyMs` (over the last `window` samples) and
 * hands them to `onLevels` (by key); returns the function that stops it. Does nothing without WebAudio.
 */
export function watchLevels(
  tracks: ReadonlyArray<readonly [string, MediaStreamTrack]>,
  everyMs: number,
  onLevels: (levels: Map<string, number>) => void,
  window = 512,
) {
  if (tracks.length === 0 || typeof AudioContext === "undefined") return () => {};
  const audio = silentAudioContext();
  const meters = tracks.map(([key, track]) => {
    const analyser = audio.createAnalyser();
    analyser.fftSize = window;
    audio.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    return { key, analyser, samples: new Float32Array(analyser.fftSize) };
  });
  const timer = setInterval(() => onLevels(new Map(meters.map((m) => [m.key, levelOf(m.analyser, m.samples)]))), everyMs);
  return () => {
    clearInterval(timer);
    void audio.close();
  };
}

/** Runs `start` once the page has painted what is rendered now (a frame, then a task); returns what undoes it. */
function afterPaint(start: () => () => void): () => void {
  let stop: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = setTimeout(() => {
      stop = start();
    }, 0);
  };
  const frame = typeof requestAnimationFrame === "function" ? requestAnimationFrame(run) : (run(), 0);
  return () => {
    if (typeof cancelAnimationFrame === "function") cancelAnimationFrame(frame);
    clearTimeout(timer);
    stop?.();
  };
}

/**
 * Hands `onLevel` the 0..1 loudness of the stream's microphone a dozen times a second; returns what
 * stops it. Its `AudioContext` is made after the page has painted what is drawn now: on the
 * pre-join screen, the draw that brings the stream enables Join, which comes first (issue 21).
 */
export function watchMicLevel(stream: MediaStream | null, onLevel: (level: number) => void): () => void {
  const track = stream?.getAudioTracks()[0];
  if (!track) return () => {};
  // Still while a joiner waits for the other's picture: the meter's draws would delay reading their answer.
  return afterPaint(() => {
    let stop: (() => void) | null = null;
    let stopped = false;
    // Join pressed in the draw that enabled it (before that draw was painted): the meter would
    // start during the join, its AudioContext made while the other's answer comes. It waits, as
    // the joiner's other work does (machines/answer-first.ts), and the screen is gone by then.
    awaitingPicture.after(() => {
      if (stopped) return;
      stop = watchLevels([["mic", track]], 80, (levels) => {
        if (!awaitingPicture.held) onLevel(levels.get("mic") ?? 0);
      });
    });
    return () => {
      stopped = true;
      stop?.();
    };
  });
}
