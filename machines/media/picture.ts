/**
 * Our own picture as the self views show it: the outgoing stream's video tracks, without its sound.
 * A <video> playing a stream that has an audio track plays that sound even when muted: Chromium
 * keeps an audio output running for it. Measured (Debian Chromium, fake devices, one page showing
 * a 1080p60 preview, 4 runs each): the audio service 41-70 ms of CPU per second with the sound in
 * the preview, 33-40 without, and the page itself ~5 ms less, for as long as the view shows (the
 * pre-join screen, then the whole call). Nothing is lost: a self view is muted anyway.
 *
 * The outgoing stream's tracks are changed in place (local-media.ts `syncStream`), which raises no
 * event, so that change brings each picture up to date (`syncPicture`).
 */
const pictures = new WeakMap<MediaStream, MediaStream>();

/** The picture-only twin of `stream` (the same one each time: a <video> keeps it bound). */
export function pictureOf(stream: MediaStream): MediaStream {
  let picture = pictures.get(stream);
  if (!picture) {
    picture = new MediaStream(stream.getVideoTracks());
    pictures.set(stream, picture);
  }
  return picture;
}

/** After `stream`'s tracks changed: its picture holds exactly its video tracks again. */
export function syncPicture(stream: MediaStream): void {
  const picture = pictures.get(stream);
  if (!picture) return;
  const want = stream.getVideoTracks();
  for (const t of picture.getTracks()) if (!want.includes(t)) picture.removeTrack(t);
  for (const t of want) if (!picture.getTracks().includes(t)) picture.addTrack(t);
}
