/**
 * Local media: ask for camera and microphone tuned for a call, and fall back to whatever the
 * browser can give (audio only, video only, nothing: receive-only), saying what is missing and why.
 */
import { fromPromise } from "xstate";

export type MediaProblem = "denied" | "missing" | "busy" | "unsupported";

export interface MediaIssue {
  problem: MediaProblem;
  /** What could not be had. */
  missing: Array<"camera" | "microphone">;
  /** Words for the user: what happened and how to fix it. */
  text: string;
}

export interface LocalMedia {
  stream: MediaStream | null;
  issue: MediaIssue | null;
}

/** Video up to 1080p60, favouring frame rate; audio tuned for speech. */
export const defaultConstraints: MediaStreamConstraints = {
  video: { width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 60 } },
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: { ideal: 1 } },
};

function problemOf(err: unknown): MediaProblem {
  const name = err instanceof DOMException ? err.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "missing";
  if (name === "NotReadableError" || name === "AbortError") return "busy";
  return "unsupported";
}

function describe(problem: MediaProblem, missing: MediaIssue["missing"]): string {
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
  const both = await tryGet(constraints);
  if (both instanceof MediaStream) return { stream: both, issue: null };
  const problem = problemOf(both.error);
  // One device may still work on its own (no camera, or only the microphone denied).
  const audioOnly = await tryGet({ audio: constraints.audio });
  if (audioOnly instanceof MediaStream) return { stream: audioOnly, issue: { problem, missing: ["camera"], text: describe(problemOf(both.error), ["camera"]) } };
  const videoOnly = await tryGet({ video: constraints.video });
  if (videoOnly instanceof MediaStream) return { stream: videoOnly, issue: { problem: problemOf(audioOnly.error), missing: ["microphone"], text: describe(problemOf(audioOnly.error), ["microphone"]) } };
  return { stream: null, issue: { problem, missing: ["camera", "microphone"], text: describe(problem, ["camera", "microphone"]) } };
}

export const localMediaActor = fromPromise<LocalMedia, { constraints?: MediaStreamConstraints }>(({ input }) => getLocalMedia(input.constraints));

export function stopStream(stream: MediaStream | null) {
  stream?.getTracks().forEach((t) => t.stop());
}
