/**
 * Someone's picture that froze on the page while its frames kept coming. Seen in Chromium after a
 * call's relay went away and came back (tests/e2e/turn.test.ts, about 1 run in 25 on a loaded
 * machine): the connection was up again and decoded 20 frames a second, yet no <video> was handed
 * any of them (`getVideoPlaybackQuality().totalVideoFrames` stood still, no
 * `requestVideoFrameCallback`), not even a new element given the same track, and the person stayed
 * frozen for good.
 *
 * The watch runs only while the call's stats say this person's frames are being decoded, so a
 * camera turned off or a picture that stopped on the way is left alone (there is nothing to show).
 * Stuck for two looks, the stream is bound to the element again (cheap; a new player); stuck one
 * look later, `onStuck` is told once (the call makes a new connection to them).
 */

/** How often the element's frame count is looked at. */
export const STUCK_CHECK_MS = 2_000;

/** What the watch needs of a <video> (an HTMLVideoElement; a stand-in in tests). */
export interface WatchedVideo {
  srcObject: MediaProvider | null;
  readonly paused: boolean;
  getVideoPlaybackQuality(): { totalVideoFrames: number };
  play(): Promise<void>;
}

export type StuckStep = "rebound" | "stuck" | null;

/** The check to call every STUCK_CHECK_MS while frames are decoded for `video`'s stream; it says what it did. */
export function stuckPictureWatch(video: WatchedVideo, onStuck: () => void): () => StuckStep {
  let seen = video.getVideoPlaybackQuality().totalVideoFrames;
  let still = 0;
  return () => {
    const now = video.getVideoPlaybackQuality().totalVideoFrames;
    // A paused element is handed no frames by design (and is not frozen by us).
    if (now !== seen || video.paused) {
      seen = now;
      still = 0;
      return null;
    }
    still++;
    if (still === 2 && video.srcObject) {
      const stream = video.srcObject;
      video.srcObject = null;
      video.srcObject = stream;
      video.play().catch(() => {});
      return "rebound";
    }
    if (still === 3) {
      onStuck();
      return "stuck";
    }
    return null;
  };
}
