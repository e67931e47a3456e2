/**
 * How loud a microphone or a participant is, from a light WebAudio analyser (no processing, a
 * few reads a second): the pre-join level meter and who is speaking in the people list.
 */
import { useEffect, useState } from "react";
import { awaitingPicture } from "../machines/answer-first.ts";
import { silentAudioContext } from "../machines/media/silent-context.ts";
import { noSpeaker, speakerStep } from "./layout.ts";

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
 * 0..1 loudness of the stream's microphone, sampled a dozen times a second. Its `AudioContext` is
 * made after the page has painted the render that brought the stream: on the pre-join screen, that
 * render enables Join, which comes first (issue 21).
 */
export function useMicLevel(stream: MediaStream | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    const track = stream?.getAudioTracks()[0];
    if (!track) return;
    // Still while a joiner waits for the other's picture: the meter's renders would delay reading their answer.
    return afterPaint(() => {
      let stop: (() => void) | null = null;
      let stopped = false;
      // Join pressed in the render that enabled it (before that render was painted): the meter would
      // start during the join, its AudioContext made while the other's answer comes. It waits, as
      // the joiner's other work does (machines/answer-first.ts), and the screen is gone by then.
      awaitingPicture.after(() => {
        if (stopped) return;
        stop = watchLevels([["mic", track]], 80, (levels) => {
          if (!awaitingPicture.held) setLevel(levels.get("mic") ?? 0);
        });
      });
      return () => {
        stopped = true;
        stop?.();
      };
    });
  }, [stream]);
  return level;
}

/** Loudness above which someone counts as speaking (a quiet room stays well under it). */
const SPEAKING_LEVEL = 0.08;
/** Samples looked at each time (about 170 ms at 48 kHz: nothing said between two looks is missed). */
const SPEAKING_WINDOW = 8192;
/** Still "speaking" this long after the last loud moment, so the flag does not flicker between words. */
const SPEAKING_HOLD_MS = 800;
const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((k) => b.has(k));

/** Who is speaking now among these streams (by key), looked at several times a second while mounted. */
export function useSpeaking(streams: ReadonlyArray<readonly [string, MediaStream | null]>): ReadonlySet<string> {
  const [speaking, setSpeaking] = useState<ReadonlySet<string>>(() => new Set());
  const tracks = streams.flatMap(([key, stream]) => {
    const track = stream?.getAudioTracks()[0];
    return track ? [[key, track] as const] : [];
  });
  // A new analyser only when the tracks themselves change, not on every render.
  const identity = tracks.map(([key, track]) => `${key}:${track.id}`).join(",");
  useEffect(() => {
    const loud = new Map<string, number>();
    const stop = watchLevels(
      tracks,
      150,
      (levels) => {
        const at = performance.now();
        for (const [key, level] of levels) if (level >= SPEAKING_LEVEL) loud.set(key, at);
        const now = new Set([...loud].filter(([, when]) => at - when < SPEAKING_HOLD_MS).map(([key]) => key));
        setSpeaking((before) => (sameSet(before, now) ? before : now));
      },
      SPEAKING_WINDOW,
    );
    return () => {
      stop();
      setSpeaking(new Set());
    };
  }, [identity]);
  return speaking;
}

/**
 * Who the active speaker is among these streams (by key), with hysteresis (layout.ts speakerStep):
 * another person takes over only after being the loudest for a while. Listens only while `on`.
 */
export function useActiveSpeaker(streams: ReadonlyArray<readonly [string, MediaStream | null]>, on: boolean): string | null {
  const [speaker, setSpeaker] = useState<string | null>(null);
  const tracks = on
    ? streams.flatMap(([key, stream]) => {
        const track = stream?.getAudioTracks()[0];
        return track ? [[key, track] as const] : [];
      })
    : [];
  const identity = tracks.map(([key, track]) => `${key}:${track.id}`).join(",");
  useEffect(() => {
    let state = noSpeaker;
    return watchLevels(
      tracks,
      150,
      (levels) => {
        state = speakerStep(state, levels, performance.now());
        setSpeaker(state.current);
      },
      SPEAKING_WINDOW,
    );
  }, [identity]);
  return speaker;
}
