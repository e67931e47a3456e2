/**
 * How loud a microphone or a participant is, from a light WebAudio analyser (no processing, a
 * few reads a second): the pre-join level meter and who is speaking in the people list.
 */
import { useEffect, useState } from "react";
import { noSpeaker, speakerStep } from "./layout.ts";
import { watchLevels, watchMicLevel } from "./mic-level.ts";

/**
 * 0..1 loudness of the stream's microphone, sampled a dozen times a second (watchMicLevel): the
 * pre-join screen's meter.
 */
export function useMicLevel(stream: MediaStream | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => watchMicLevel(stream, setLevel), [stream]);
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
