/**
 * Our own picture as the self views show it: a clone of each of the outgoing stream's video tracks,
 * without its sound, at no more than SELF_VIEW_FPS.
 *
 * Without the sound: a <video> playing a stream that has an audio track plays that sound even when
 * muted, and Chromium keeps an audio output running for it. Measured (Debian Chromium, fake devices,
 * one page showing a 1080p60 preview, 4 runs each): the audio service 41-70 ms of CPU per second with
 * the sound in the preview, 33-40 without, and the page itself ~5 ms less, for as long as the view
 * shows (the pre-join screen, then the whole call). Nothing is lost: a self view is muted anyway.
 *
 * A clone at a lower frame rate: every frame the view shows costs the page, the compositor and the
 * browser the same whatever its size (bench/idle/README.md: one 20 fps self view ~150 ms of CPU per
 * second in all, ~40 of it in the GPU process; at 10 fps about half; at 180p instead of 1080p the
 * same). The camera is asked for 60 fps so that the call can send that; a self view does not need
 * it, so its clone is held to SELF_VIEW_FPS (Chromium drops the extra frames for that track only).
 * What is sent is the original track, untouched.
 *
 * A clone lives on its own: its `enabled` must be set with the original's (camera off blanks the
 * view and lets the camera rest), and it must be stopped with it, or it keeps the camera open (the
 * camera light stays on). The outgoing stream's tracks are changed in place (local-media.ts
 * `syncStream`), its tracks switched on and off (call/setup.ts
 * `applyTrackSwitches`) and stopped (local-media.ts `stopAll`), none of which raises an event, so
 * each of those brings the picture up to date (`syncPicture`).
 */
export const SELF_VIEW_FPS = 30;

interface Picture {
  stream: MediaStream;
  /** Each outgoing video track and the clone the views play in its place. */
  clones: Map<MediaStreamTrack, MediaStreamTrack>;
}
const pictures = new WeakMap<MediaStream, Picture>();

/** The self views' twin of `stream` (the same one each time: a <video> keeps it bound). */
export function pictureOf(stream: MediaStream): MediaStream {
  let picture = pictures.get(stream);
  if (!picture) {
    picture = { stream: new MediaStream(), clones: new Map() };
    pictures.set(stream, picture);
    syncPicture(stream);
  }
  return picture.stream;
}

/**
 * After `stream`'s tracks changed, were switched on or off, or were stopped: its picture holds a
 * clone of each of its live video tracks, each on or off as its original is; the rest are stopped.
 */
export function syncPicture(stream: MediaStream | null): void {
  const picture = stream && pictures.get(stream);
  if (!picture) return;
  const want = stream.getVideoTracks().filter((t) => t.readyState === "live");
  for (const [original, clone] of picture.clones)
    if (!want.includes(original)) {
      picture.stream.removeTrack(clone);
      clone.stop();
      picture.clones.delete(original);
    }
  for (const original of want) {
    let clone = picture.clones.get(original);
    if (!clone) {
      clone = original.clone();
      // A source that cannot drop frames (some generated tracks) is shown at its own rate.
      clone.applyConstraints({ frameRate: { max: SELF_VIEW_FPS } }).catch(() => {});
      picture.clones.set(original, clone);
      picture.stream.addTrack(clone);
    }
    clone.enabled = original.enabled;
  }
}
