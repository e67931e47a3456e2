/**
 * Noise suppression for the microphone: AudioContext (48 kHz) → RNNoise worklet
 * (workers/denoise.worklet.ts) → MediaStreamDestination. The processed track is sent in place of
 * the raw one with replaceTrack (no renegotiation); the browser's echo cancellation still runs on
 * the raw track. Mute keeps working on the sent track's enabled flag: `setEnabled` mirrors it.
 */
import { fromCallback } from "xstate";
import { type AnswerFirst, awaitingPicture } from "../answer-first.ts";
import { silentAudioContext } from "./silent-context.ts";

export const DENOISE_WASM_URL = "/rnnoise/rnnoise.wasm";
export const DENOISE_WORKLET_URL = "/rnnoise/denoise.worklet.js";

let compiled: Promise<WebAssembly.Module> | null = null;
/** Compiled once per page (CSP: 'wasm-unsafe-eval'), handed to every worklet. */
function compileWasm(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compileStreaming(fetch(DENOISE_WASM_URL)).catch((e) => {
    compiled = null;
    throw e;
  });
  return compiled;
}

export interface DenoisedMic {
  /** What to send. */
  track: MediaStreamTrack;
  /** Turns suppression on or off without a new track (the worklet passes audio through). */
  setActive(on: boolean): void;
  /**
   * Whether anyone may hear the track. While nobody can (alone in the call), the pipeline sleeps:
   * its AudioContext is suspended, so neither RNNoise nor the context's own render thread runs
   * (bench/idle: ~40 + ~25 ms of CPU per second), and the track carries silence until it wakes.
   */
  setHeard(on: boolean): void;
  stop(): void;
}

/**
 * A pipeline made while nobody hears it still runs this long, then sleeps. V8 optimizes RNNoise's
 * hot functions in their first second of running (a compile job on a worker thread, ~55-65 ms of
 * CPU; bench/join, a trace of the person waiting): that belongs to the wait alone, not to the
 * first second of the call, when the other person's first picture needs the cores. Meanwhile the
 * worklet's output is not connected to the track, which stays silent as while it sleeps.
 */
export const DENOISE_WARM_MS = 2_000;

/**
 * `ready`: awaited between the wasm's compile and the AudioContext, so that a wait that began
 * while it compiled (a joiner's Join, answer-first.ts) also holds the context and its worklet.
 * `warmMs`: how long a pipeline made unheard runs before it sleeps (DENOISE_WARM_MS).
 */
export async function denoiseMic(
  raw: MediaStreamTrack,
  active = true,
  heard = true,
  ready: () => Promise<void> = async () => {},
  warmMs = DENOISE_WARM_MS,
): Promise<DenoisedMic> {
  const module = await compileWasm();
  await ready();
  const ctx = silentAudioContext({ sampleRate: 48_000, latencyHint: "interactive" });
  try {
    await ctx.audioWorklet.addModule(DENOISE_WORKLET_URL);
    const source = ctx.createMediaStreamSource(new MediaStream([raw]));
    const node = new AudioWorkletNode(ctx, "onelink-denoise", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { module },
    });
    const dest = ctx.createMediaStreamDestination();
    source.connect(node);
    let linked = false;
    const link = () => {
      if (linked) return;
      linked = true;
      node.connect(dest);
    };
    node.port.postMessage({ bypass: !active });
    // The latest wish wins: a suspend and a resume asked in turn run in turn.
    let wanted = heard;
    let warming = !heard;
    if (heard) link();
    const follow = () => (wanted || warming ? ctx.resume() : ctx.suspend()).catch(() => {});
    const warmed = warming
      ? setTimeout(() => {
          warming = false;
          link();
          void follow();
        }, warmMs)
      : null;
    await follow();
    const track = dest.stream.getAudioTracks()[0] as MediaStreamTrack;
    track.enabled = raw.enabled;
    return {
      track,
      setActive: (on) => node.port.postMessage({ bypass: !on }),
      setHeard: (on) => {
        if (on === wanted) return;
        wanted = on;
        if (on) link();
        void follow();
      },
      stop: () => {
        if (warmed) clearTimeout(warmed);
        track.stop();
        source.disconnect();
        node.disconnect();
        void ctx.close().catch(() => {});
      },
    };
  } catch (e) {
    void ctx.close().catch(() => {});
    throw e;
  }
}

export type DenoiseEvent = { type: "DENOISE.TRACK"; track: MediaStreamTrack; mic: MediaStreamTrack } | { type: "DENOISE.FAILED"; message: string };
/** Whether anyone may hear the microphone now (DenoisedMic `setHeard`). */
export type DenoiseCommand = { type: "DENOISE.HEARD"; on: boolean };

/** What hands the made track over: at once, or once the joiner's wait for a picture ends (answer-first.ts). */
type Gate = Pick<AnswerFirst, "after">;

/**
 * The pipeline is made this long after the microphone is there, not at once. Made at once, a
 * joiner who presses Join as soon as it can (bench/join) has its making (the wasm's compile, an
 * AudioContext and its worklet, ~50-60 ms of CPU, bench/join/README.md wt-join6) and its running
 * land between Join and the other's first picture, on cores the connection needs; so the pipeline
 * is made then only once the picture shows (`gate`), while a person who looks at the preview for
 * longer than this has it made before Join, as before. The raw microphone is sent meanwhile.
 */
export const DENOISE_START_MS = 300;

/**
 * The pipeline for one microphone track while suppression is wanted; stops what it made when stopped.
 * It is made DENOISE_START_MS after the actor starts, and its track handed over, through `gate`:
 * swapping it in (the senders' `replaceTrack` and tuning) is main-thread work that a joiner's page
 * would otherwise do while the other side's answer waits to be read.
 */
export function denoiseActorOf(
  make: (mic: MediaStreamTrack, heard: boolean, ready: () => Promise<void>) => Promise<DenoisedMic>,
  gate: Gate,
  startMs = DENOISE_START_MS,
) {
  return fromCallback<DenoiseCommand, { mic: MediaStreamTrack; heard: boolean }, DenoiseEvent>(({ input, sendBack, receive }) => {
    let running: DenoisedMic | null = null;
    let stopped = false;
    let heard = input.heard;
    receive((cmd) => {
      heard = cmd.on;
      running?.setHeard(heard);
    });
    // Begun before a wait for the picture, its making goes on (the compile) but stops at `ready` till the wait ends.
    const ready = () => new Promise<void>((resolve) => gate.after(resolve));
    const start = () =>
      make(input.mic, heard, ready).then(
        (d) => {
          if (stopped) return d.stop();
          running = d;
          d.setHeard(heard);
          gate.after(() => {
            if (!stopped) sendBack({ type: "DENOISE.TRACK", track: d.track, mic: input.mic });
          });
        },
        (err) => {
          if (!stopped) sendBack({ type: "DENOISE.FAILED", message: err instanceof Error ? err.message : String(err) });
        },
      );
    const timer = setTimeout(
      () =>
        gate.after(() => {
          if (!stopped) void start();
        }),
      startMs,
    );
    return () => {
      stopped = true;
      clearTimeout(timer);
      running?.stop();
    };
  });
}

export const denoiseActor = denoiseActorOf((mic, heard, ready) => denoiseMic(mic, true, heard, ready), awaitingPicture);
