/**
 * One audio track out of several: the media server takes one audio line from each person, so a
 * shared tab's or screen's sound goes mixed with the microphone (a direct connection sends it as a
 * line of its own). A muted microphone (track disabled) adds silence; the mix follows it.
 */
export interface AudioMix {
  track: MediaStreamTrack;
  stop(): void;
}

export function mixAudio(tracks: readonly MediaStreamTrack[]): AudioMix {
  const context = new AudioContext({ latencyHint: "interactive" });
  const out = context.createMediaStreamDestination();
  const sources = tracks.map((t) => {
    const source = context.createMediaStreamSource(new MediaStream([t]));
    source.connect(out);
    return source;
  });
  // Started by the user's own press on Share screen; a context that waits for a gesture resumes then.
  void context.resume().catch(() => undefined);
  const track = out.stream.getAudioTracks()[0]!;
  return {
    track,
    stop() {
      for (const s of sources) s.disconnect();
      track.stop();
      void context.close().catch(() => undefined);
    },
  };
}
