/**
 * The camera's background, blurred or replaced: the page side of workers/segmenter.worker.ts.
 * `startBackground(camera, effect)` (background-pipeline.ts, a chunk loaded when first wanted)
 * gives a new video track carrying the processed picture, which the local media machine sends
 * instead of the camera (replaceTrack: no renegotiation), and which `setEffect` changes in place.
 */
import { fromCallback } from "xstate";
import { loadOwnImage } from "./own-background.ts";
import type { BackgroundChoice, BackgroundEffect, SegmenterStats } from "../../protocol/background.ts";

export interface BackgroundPipeline {
  track: MediaStreamTrack;
  setEffect(effect: BackgroundEffect): Promise<void>;
  stats(): Promise<SegmenterStats>;
  /** Off while the camera is off or not shown: no frame is read or segmented until it is on again. */
  setRunning(on: boolean): void;
  /** Hand tracking gets the camera frames the worker reads anyway, one per request on `port` (SegmenterApi.feedHands). */
  feedHands(port: MessagePort, maxWidth: number): void;
  stop(): void;
}

/** The pipelines running on this page by their processed track: hand tracking finds its frames here; tests and the bench read their figures. */
const running = new Map<MediaStreamTrack, BackgroundPipeline>();
/** The worker's own figures of every running pipeline (usually one); window.__onelinkCamera in ui/main.tsx. */
export const backgroundStats = (): Promise<SegmenterStats[]> => Promise.all([...running.values()].map((p) => p.stats()));
/** Whether hand tracking reads a running pipeline's frames; bench/camera turns it off to measure the other way. */
let handsShare = true;
export const shareFramesWithHands = (on: boolean) => void (handsShare = on);
/** The running pipeline whose processed track is `track` (what the call sends while an effect runs), if hand tracking may read it. */
export const pipelineOf = (track: MediaStreamTrack): BackgroundPipeline | null => (handsShare ? (running.get(track) ?? null) : null);
/** Lists `p` under its track until it stops. */
function listed(p: BackgroundPipeline): BackgroundPipeline {
  const pipeline = {
    ...p,
    stop() {
      if (running.get(p.track) === pipeline) running.delete(p.track);
      p.stop();
    },
  };
  running.set(p.track, pipeline);
  return pipeline;
}

/** The worker's effect for a stored choice; null for none, or for "own image" without one. */
export async function effectOf(choice: BackgroundChoice, ownImage: () => Blob | null = loadOwnImage): Promise<BackgroundEffect | null> {
  switch (choice) {
    case "none":
      return null;
    case "blur-light":
      return { kind: "blur", strength: "light" };
    case "blur-strong":
      return { kind: "blur", strength: "strong" };
    case "image-dusk":
      return { kind: "builtin", name: "dusk" };
    case "image-studio":
      return { kind: "builtin", name: "studio" };
    case "image-own": {
      const blob = ownImage();
      return blob ? { kind: "image", image: await createImageBitmap(blob) } : null;
    }
  }
}

export type BackgroundEvent = { type: "BACKGROUND.TRACK"; track: MediaStreamTrack; camera: MediaStreamTrack } | { type: "BACKGROUND.FAILED"; message: string };
/** `shown` false: the camera is off or a screen is sent instead, so the pipeline starts paused. */
export type BackgroundInput = { camera: MediaStreamTrack; choice: BackgroundChoice; shown: boolean };
export type BackgroundCommand = { type: "BACKGROUND.EFFECT"; choice: BackgroundChoice } | { type: "BACKGROUND.SHOWN"; on: boolean };

/**
 * The pipeline for one camera track, for as long as it is invoked: reports the processed track,
 * takes effect changes in place, and stops everything it made when it is stopped.
 */
export const backgroundActor = fromCallback<BackgroundCommand, BackgroundInput, BackgroundEvent>(({ input, sendBack, receive }) => {
  let pipeline: BackgroundPipeline | null = null;
  let stopped = false;
  type EffectCommand = Extract<BackgroundCommand, { type: "BACKGROUND.EFFECT" }>;
  let latest: EffectCommand | null = null;
  let shown = input.shown;
  receive((cmd) => {
    if (cmd.type === "BACKGROUND.SHOWN") {
      if (cmd.on !== shown) pipeline?.setRunning(cmd.on);
      shown = cmd.on;
      return;
    }
    latest = cmd;
    if (pipeline) void effectOf(cmd.choice).then((e) => e && pipeline?.setEffect(e));
  });
  void (async () => {
    try {
      const effect = await effectOf(input.choice);
      if (!effect || stopped) return;
      // The pipeline's code (and comlink) is a chunk of its own: most calls never blur (issue 21, bench/join README join26).
      const { startBackground } = await import("./background-pipeline.ts");
      if (stopped) return;
      const started = listed(await startBackground(input.camera, effect, shown));
      if (stopped) return started.stop();
      pipeline = started;
      started.setRunning(shown); // it may have changed while the worker loaded
      const pending = latest as EffectCommand | null;
      if (pending) {
        const e = await effectOf(pending.choice);
        if (e) await started.setEffect(e);
      }
      sendBack({ type: "BACKGROUND.TRACK", track: started.track, camera: input.camera });
    } catch (err) {
      if (!stopped) sendBack({ type: "BACKGROUND.FAILED", message: err instanceof Error ? err.message : String(err) });
    }
  })();
  return () => {
    stopped = true;
    pipeline?.stop();
  };
});
