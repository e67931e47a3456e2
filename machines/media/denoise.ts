/**
 * Noise suppression for the microphone: AudioContext (48 kHz) → RNNoise worklet
 * (workers/denoise.worklet.ts) → MediaStreamDestination. The processed track is sent in place of
 * the raw one with replaceTrack (no renegotiation); the browser's echo cancellation still runs on
 * the raw track. Mute keeps working on the sent track's enabled flag: `setEnabled` mirrors it.
 */
import { type EventObject, fromCallback } from "xstate";
import { type AnswerFirst, awaitingPicture } from "../answer-first.ts";

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
  stop(): void;
}

export async function denoiseMic(raw: MediaStreamTrack, active = true): Promise<DenoisedMic> {
  const module = await compileWasm();
  const ctx = new AudioContext({ sampleRate: 48_000, latencyHint: "interactive" });
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
    source.connect(node).connect(dest);
    node.port.postMessage({ bypass: !active });
    if (ctx.state === "suspended") await ctx.resume().catch(() => {});
    const track = dest.stream.getAudioTracks()[0] as MediaStreamTrack;
    track.enabled = raw.enabled;
    return {
      track,
      setActive: (on) => node.port.postMessage({ bypass: !on }),
      stop: () => {
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

/** What hands the made track over: at once, or once the joiner's wait for a picture ends (answer-first.ts). */
type Gate = Pick<AnswerFirst, "after">;

/**
 * The pipeline for one microphone track while suppression is wanted; stops what it made when stopped.
 * Its track is handed over through `gate`: swapping it in (the senders' `replaceTrack` and tuning)
 * is main-thread work that a joiner's page would otherwise do while the other side's answer waits
 * to be read; the raw microphone is sent meanwhile.
 */
export function denoiseActorOf(make: (mic: MediaStreamTrack) => Promise<DenoisedMic>, gate: Gate) {
  return fromCallback<EventObject, { mic: MediaStreamTrack }, DenoiseEvent>(({ input, sendBack }) => {
    let running: DenoisedMic | null = null;
    let stopped = false;
    void make(input.mic).then(
      (d) => {
        if (stopped) return d.stop();
        running = d;
        gate.after(() => {
          if (!stopped) sendBack({ type: "DENOISE.TRACK", track: d.track, mic: input.mic });
        });
      },
      (err) => {
        if (!stopped) sendBack({ type: "DENOISE.FAILED", message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      stopped = true;
      running?.stop();
    };
  });
}

export const denoiseActor = denoiseActorOf(denoiseMic, awaitingPicture);
