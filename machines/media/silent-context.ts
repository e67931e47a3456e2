/**
 * An AudioContext for audio the page works on but never plays itself: the noise suppression's
 * graph ends in a MediaStreamDestination (the track we send), the level meters in analysers. An
 * ordinary context still opens the speaker and feeds it silence all the time: an output stream
 * in the browser's audio service and a thread in the page (measured: a page alone in a call spent
 * 14-23 ms of CPU per second on that thread). Made with no output device (`sinkId: {type:
 * "none"}`, Chromium 110+), the context runs the same graph at the same pace without one. Where a
 * browser does not know the option it is ignored or refused, and the context is an ordinary one.
 */
export function silentAudioContext(options: AudioContextOptions = {}): AudioContext {
  try {
    return new AudioContext({ ...options, sinkId: { type: "none" } } as AudioContextOptions);
  } catch {
    return new AudioContext(options);
  }
}
