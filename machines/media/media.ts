/**
 * Local media: ask for camera and microphone tuned for a call, and fall back to whatever the
 * browser can give (audio only, video only, nothing: receive-only), saying what is missing and why.
 * Also the actors the local media machine (local-media.ts) uses to open, reshape and watch tracks
 * and to capture the screen: every getUserMedia/getDisplayMedia call lives here.
 */
import { fromCallback, fromPromise } from "xstate";
import type { Outgoing } from "../transport/rtp-tuning.ts";
import { adoptMedia, firstConstraints } from "../head-start.ts";
import { audioConstraints, DEFAULT_SETTINGS, startShape, videoConstraints, type MediaSettings } from "./settings.ts";

export type MediaProblem = "denied" | "missing" | "busy" | "unsupported";

export interface MediaIssue {
  problem: MediaProblem;
  /** What could not be had. */
  missing: Array<"camera" | "microphone">;
  /** Words for the user: what happened and how to fix it. */
  text: string;
}

export interface LocalMedia {
  /** Outgoing media: the microphone and the camera (or the screen while sharing). Kept as one object for the whole visit. */
  stream: MediaStream | null;
  issue: MediaIssue | null;
  sharing?: boolean;
  /** What each peer connection should send, set by the local media machine. */
  outgoing?: Outgoing;
}

/** Video up to 1080p60, favouring frame rate; audio tuned for speech (settings.ts builds them from the user's choices). */
export const defaultConstraints: MediaStreamConstraints = {
  video: videoConstraints(DEFAULT_SETTINGS, null, false),
  audio: audioConstraints(DEFAULT_SETTINGS, null, false),
};

function problemOf(err: unknown): MediaProblem {
  const name = err instanceof DOMException ? err.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "missing";
  if (name === "NotReadableError" || name === "AbortError") return "busy";
  return "unsupported";
}

export function describe(problem: MediaProblem, missing: MediaIssue["missing"]): string {
  const what = missing.length === 2 ? "camera and microphone" : missing[0];
  switch (problem) {
    case "denied":
      return `Your ${what} ${missing.length === 2 ? "are" : "is"} blocked. Allow access from the camera icon in the address bar, then reload. You can still see and hear the other person.`;
    case "missing":
      return `No ${what} found. You can still see and hear the other person.`;
    case "busy":
      return `Your ${what} ${missing.length === 2 ? "are" : "is"} in use by another app. Close it and reload to send ${missing.length === 2 ? "them" : "it"}.`;
    case "unsupported":
      return "This browser cannot capture media here (a secure https page is needed). You can still watch and listen.";
  }
}

async function tryGet(constraints: MediaStreamConstraints): Promise<MediaStream | { error: unknown }> {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (error) {
    return { error };
  }
}

export async function getLocalMedia(constraints: MediaStreamConstraints = defaultConstraints): Promise<LocalMedia> {
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, issue: { problem: "unsupported", missing: ["camera", "microphone"], text: describe("unsupported", ["camera", "microphone"]) } };
  }
  // The page's first script may have asked already (head-start.ts).
  const both = await (adoptMedia(constraints) ?? tryGet(constraints));
  if (both instanceof MediaStream) return { stream: both, issue: null };
  const problem = problemOf(both.error);
  // One device may still work on its own (no camera, or only the microphone denied).
  const audioOnly = await tryGet({ audio: constraints.audio });
  if (audioOnly instanceof MediaStream)
    return { stream: audioOnly, issue: { problem, missing: ["camera"], text: describe(problemOf(both.error), ["camera"]) } };
  const videoOnly = await tryGet({ video: constraints.video });
  if (videoOnly instanceof MediaStream)
    return {
      stream: videoOnly,
      issue: { problem: problemOf(audioOnly.error), missing: ["microphone"], text: describe(problemOf(audioOnly.error), ["microphone"]) },
    };
  return { stream: null, issue: { problem, missing: ["camera", "microphone"], text: describe(problem, ["camera", "microphone"]) } };
}

/** The device a track comes from, as enumerateDevices names it. */
export const deviceIdOf = (track: MediaStreamTrack | null): string | null => track?.getSettings().deviceId ?? null;

function hint(track: MediaStreamTrack | undefined, contentHint: string) {
  if (track && "contentHint" in track) track.contentHint = contentHint;
}

/** The first camera and microphone, with the saved settings; never fails (it says what is missing). */
export const acquireMedia = fromPromise<LocalMedia, { settings: MediaSettings }>(async ({ input, signal }) => {
  const s = input.settings;
  // The saved devices exactly ("ideal" loses to a closer resolution match on another camera)...
  let got = await getLocalMedia(firstConstraints(s));
  if (got.issue && (s.cameraId || s.micId)) {
    // ...and if one is gone, whichever works.
    const any = await getLocalMedia({ video: videoConstraints(startShape(s), null, false), audio: audioConstraints(s, null, false) });
    const better = (any.issue?.missing.length ?? 0) < got.issue.missing.length;
    stopStream(better ? got.stream : any.stream);
    if (better) got = any;
  }
  if (signal.aborted) stopStream(got.stream);
  hint(got.stream?.getVideoTracks()[0], "motion");
  hint(got.stream?.getAudioTracks()[0], "speech");
  // One stream object for the whole visit, even empty: devices plugged in later join it.
  return { ...got, stream: got.stream ?? (typeof MediaStream === "function" ? new MediaStream() : null) };
});

export interface OpenTrackInput {
  kind: "audio" | "video";
  constraints: MediaTrackConstraints;
  /** The track being replaced: stopped first only if the device cannot be opened twice (phones). */
  old: MediaStreamTrack | null;
}

async function openOnce({ kind, constraints }: OpenTrackInput): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
  const track = kind === "video" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
  if (!track) throw new DOMException(`no ${kind} track`, "NotFoundError");
  hint(track, kind === "video" ? "motion" : "speech");
  return track;
}

export const openTrack = fromPromise<MediaStreamTrack, OpenTrackInput>(async ({ input, signal }) => {
  let track: MediaStreamTrack;
  try {
    track = await openOnce(input);
  } catch (err) {
    const name = err instanceof DOMException ? err.name : "";
    if (!input.old || (name !== "NotReadableError" && name !== "AbortError")) throw err;
    input.old.stop();
    track = await openOnce(input);
  }
  if (signal.aborted) track.stop();
  return track;
});

export const reshapeTrack = fromPromise<void, { track: MediaStreamTrack | null; constraints: MediaTrackConstraints }>(async ({ input }) => {
  await input.track?.applyConstraints(input.constraints);
});

/** A screen, window or tab, with its audio when the browser offers it. */
export const captureScreen = fromPromise<{ video: MediaStreamTrack; audio: MediaStreamTrack | null }, void>(async ({ signal }) => {
  const stream = await navigator.mediaDevices.getDisplayMedia({
    video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { ideal: 30, max: 30 } },
    audio: true,
  });
  const video = stream.getVideoTracks()[0];
  if (!video) throw new DOMException("no screen track", "NotFoundError");
  hint(video, "detail");
  if (signal.aborted) stopStream(stream);
  return { video, audio: stream.getAudioTracks()[0] ?? null };
});

/** Says when a track ends by itself: device unplugged, permission revoked, "Stop sharing" in the browser's bar. */
export const watchTrack = fromCallback<{ type: "NONE" }, { track: MediaStreamTrack | null }, { type: "TRACK.ENDED"; track: MediaStreamTrack }>(
  ({ input, sendBack }) => {
    const track = input.track;
    if (!track) return;
    const ended = () => sendBack({ type: "TRACK.ENDED", track });
    track.addEventListener("ended", ended);
    if (track.readyState === "ended") queueMicrotask(ended);
    return () => track.removeEventListener("ended", ended);
  },
);

export function stopStream(stream: MediaStream | null) {
  stream?.getTracks().forEach((t) => t.stop());
}
