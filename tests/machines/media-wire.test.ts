/** Settings storage (background choice and picture included), RTP tuning (Opus, codec order), the CPU guard and the stats machine. */
import { describe, expect, test } from "bun:test";
import { createActor, createMachine, SimulatedClock, type AnyActorRef } from "xstate";
import { CpuGuard } from "../../machines/transport/cpu-guard.ts";
import { AUDIO_ORDER, orderCodecs, START_BITRATE_KBPS, tuneOpus, tuneRemoteDescription, withOpusDtx } from "../../machines/transport/rtp-tuning.ts";
import { DEFAULT_SETTINGS, loadSettings, SETTINGS_KEY } from "../../machines/media/settings.ts";
import { isOwnImage } from "../../machines/media/own-background.ts";
import { qualityOf, statsMachine, type StatsSample } from "../../machines/features/stats.ts";

describe("settings", () => {
  test("stored settings are validated field by field", () => {
    const store = {
      getItem: (k: string) => (k === SETTINGS_KEY ? JSON.stringify({ frameRate: 30, width: "big", echoCancellation: false, cameraId: 5 }) : null),
    };
    expect(loadSettings(store)).toEqual({ ...DEFAULT_SETTINGS, frameRate: 30, echoCancellation: false });
    expect(loadSettings({ getItem: () => "{not json" })).toEqual(DEFAULT_SETTINGS);
  });

  test("a stored background is one of the choices, or none", () => {
    const stored = (background: unknown) => loadSettings({ getItem: () => JSON.stringify({ background }) }).background;
    expect(stored("blur-strong")).toBe("blur-strong");
    expect(stored("image-own")).toBe("image-own");
    expect(stored("image-https://example.org/x.png")).toBe("none");
    expect(stored(3)).toBe("none");
  });

  test("your own background picture is read back only as a JPEG data: URL of bounded size", () => {
    expect(isOwnImage("data:image/jpeg;base64,/9j/4AAQSkZJRg==")).toBe(true);
    expect(isOwnImage("data:image/svg+xml;base64,PHN2Zz4=")).toBe(false);
    expect(isOwnImage("data:image/jpeg;base64,<script>")).toBe(false);
    expect(isOwnImage(`data:image/jpeg;base64,${"A".repeat(2_000_000)}`)).toBe(false);
  });
});

describe("rtp tuning", () => {
  test("Opus asks for mono with in-band FEC, keeping other parameters", () => {
    const sdp = "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:63 red/48000/2\r\n";
    expect(tuneOpus(sdp)).toBe(
      "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1;stereo=0;sprop-stereo=0\r\na=rtpmap:63 red/48000/2\r\n",
    );
    expect(tuneOpus("a=rtpmap:111 opus/48000/2\n")).toBe("a=rtpmap:111 opus/48000/2\na=fmtp:111 useinbandfec=1;stereo=0;sprop-stereo=0\n");
  });

  test("the media server's answer asks our Opus for DTX, keeping its other parameters and every other line", () => {
    const sdp = [
      "m=audio 9 UDP/TLS/RTP/SAVPF 111",
      "a=rtpmap:111 opus/48000/2",
      "a=fmtp:111 useinbandfec=1",
      "m=video 9 UDP/TLS/RTP/SAVPF 96",
      "a=rtpmap:96 VP8/90000",
      "",
    ].join("\r\n");
    const tuned = withOpusDtx({ type: "answer" as const, sdp });
    expect(tuned.sdp.split("\r\n")).toEqual([
      "m=audio 9 UDP/TLS/RTP/SAVPF 111",
      "a=rtpmap:111 opus/48000/2",
      "a=fmtp:111 useinbandfec=1;usedtx=1",
      "m=video 9 UDP/TLS/RTP/SAVPF 96",
      "a=rtpmap:96 VP8/90000",
      "",
    ]);
    expect(withOpusDtx(tuned).sdp).toBe(tuned.sdp);
    // An answer with no fmtp line for Opus gets one.
    expect(withOpusDtx({ type: "answer" as const, sdp: "a=rtpmap:111 opus/48000/2\r\n" }).sdp).toBe("a=rtpmap:111 opus/48000/2\r\na=fmtp:111 usedtx=1\r\n");
  });

  test("a received description gets a start bitrate on every video codec, and nothing else changes", () => {
    const start = `x-google-start-bitrate=${START_BITRATE_KBPS}`;
    const sdp = [
      "m=audio 9 UDP/TLS/RTP/SAVPF 111",
      "a=rtpmap:111 opus/48000/2",
      "a=fmtp:111 minptime=10;useinbandfec=1",
      "m=video 9 UDP/TLS/RTP/SAVPF 102 103 96 97 98 118 120",
      "a=rtpmap:102 H264/90000",
      "a=rtcp-fb:102 nack",
      "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
      "a=rtpmap:103 rtx/90000",
      "a=fmtp:103 apt=102",
      "a=rtpmap:96 VP8/90000",
      "a=rtpmap:97 rtx/90000",
      "a=fmtp:97 apt=96",
      "a=rtpmap:98 VP9/90000",
      "a=fmtp:98 profile-id=0",
      "a=rtpmap:118 red/90000",
      "a=rtpmap:120 ulpfec/90000",
      "",
    ].join("\r\n");
    const tuned = tuneRemoteDescription({ type: "answer" as const, sdp });
    expect(tuned.type).toBe("answer");
    expect(tuned.sdp.split("\r\n")).toEqual([
      "m=audio 9 UDP/TLS/RTP/SAVPF 111",
      "a=rtpmap:111 opus/48000/2",
      "a=fmtp:111 minptime=10;useinbandfec=1",
      "m=video 9 UDP/TLS/RTP/SAVPF 102 103 96 97 98 118 120",
      "a=rtpmap:102 H264/90000",
      "a=rtcp-fb:102 nack",
      `a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;${start}`,
      "a=rtpmap:103 rtx/90000",
      "a=fmtp:103 apt=102",
      "a=rtpmap:96 VP8/90000",
      `a=fmtp:96 ${start}`,
      "a=rtpmap:97 rtx/90000",
      "a=fmtp:97 apt=96",
      "a=rtpmap:98 VP9/90000",
      `a=fmtp:98 profile-id=0;${start}`,
      "a=rtpmap:118 red/90000",
      "a=rtpmap:120 ulpfec/90000",
      "",
    ]);
    // Applying it twice changes nothing more (a renegotiation reapplies the same description).
    expect(tuneRemoteDescription(tuned).sdp).toBe(tuned.sdp);
    const rollback: RTCSessionDescriptionInit = { type: "rollback" };
    expect(tuneRemoteDescription(rollback)).toEqual({ type: "rollback" });
  });

  test("codec order puts the preferred codecs first and keeps the rest in the browser's order", () => {
    const c = (mimeType: string) => ({ mimeType, clockRate: 90000 });
    const order = orderCodecs([c("video/VP9"), c("video/rtx"), c("video/VP8"), c("video/H264")], ["video/H264", "video/VP8"]);
    expect(order.map((x) => x.mimeType)).toEqual(["video/H264", "video/VP8", "video/VP9", "video/rtx"]);
    // Audio as Chromium lists it: Opus wrapped in RED moves to the front, plain Opus next.
    const a = (mimeType: string) => ({ mimeType, clockRate: 48000 });
    const audio = orderCodecs([a("audio/opus"), a("audio/red"), a("audio/G722"), a("audio/PCMU"), a("audio/telephone-event")], AUDIO_ORDER);
    expect(audio.map((x) => x.mimeType)).toEqual(["audio/red", "audio/opus", "audio/G722", "audio/PCMU", "audio/telephone-event"]);
  });
});

describe("cpu guard", () => {
  /** One second in which the encoder managed `fps` frames at `ms` each, the camera giving 60. */
  function feed(guard: CpuGuard, seconds: number, fps: number, ms: number, state = { at: 0, frames: 0, time: 0 }) {
    const changes: number[] = [];
    for (let i = 0; i < seconds; i++) {
      state.at += 1000;
      state.frames += fps;
      state.time += (fps * ms) / 1000;
      if (guard.observe({ at: state.at, captureFps: 60, framesEncoded: state.frames, totalEncodeTime: state.time, maxFramerate: 60 }))
        changes.push(guard.scale);
    }
    return changes;
  }

  test("steps the camera down while frames are lost to slow encoding, and back up when there is room", () => {
    const guard = new CpuGuard();
    const state = { at: 0, frames: 0, time: 0 };
    expect(feed(guard, 10, 60, 8, state)).toEqual([]); // keeping up: full size
    expect(feed(guard, 4, 35, 25, state)).toEqual([1.5]); // 3 s of lost frames at 25 ms/frame
    expect(feed(guard, 4, 45, 15, state)).toEqual([2]);
    expect(feed(guard, 9, 60, 2, state)).toEqual([]); // room, but not for long enough yet
    expect(feed(guard, 1, 60, 2, state)).toEqual([1.5]);
    expect(feed(guard, 20, 60, 5, state)).toEqual([]); // at 1.5, 1080p would take ~11 ms: stay
  });

  test("a camera that gives few frames is not mistaken for a slow encoder", () => {
    const guard = new CpuGuard();
    const state = { at: 0, frames: 0, time: 0 };
    const changes: number[] = [];
    for (let i = 0; i < 10; i++) {
      state.at += 1000;
      state.frames += 20;
      state.time += 0.2;
      if (guard.observe({ at: state.at, captureFps: 20, framesEncoded: state.frames, totalEncodeTime: state.time, maxFramerate: 60 }))
        changes.push(guard.scale);
    }
    expect(changes).toEqual([]);
  });
});

describe("stats machine", () => {
  const side = (bytes: number, frames: number, extra: Partial<StatsSample["videoIn"]> = {}) => ({
    bytes,
    packets: bytes / 1000,
    lost: 0,
    frames,
    width: 1920,
    height: 1080,
    fps: null,
    codec: "VP8",
    limit: null,
    ...extra,
  });
  const sample = (at: number, k: number): StatsSample => ({
    at,
    videoIn: side(k * 1_000_000, k * 60),
    videoOut: side(k * 500_000, k * 30),
    audioIn: side(k * 4000, 0),
    audioOut: side(k * 4000, 0),
    rttMs: 12,
    remoteLoss: 0,
    localCandidate: "host",
    remoteCandidate: "srflx",
  });

  test("polls every second and turns counters into rates and a quality", () => {
    const polls: string[] = [];
    const clock = new SimulatedClock();
    const parent = createMachine({ invoke: { id: "stats", src: statsMachine }, on: { "STATS.POLL": { actions: () => void polls.push("poll") } } });
    const actor = createActor(parent, { clock, systemId: "transport" }).start();
    const stats = actor.getSnapshot().children.stats as AnyActorRef;
    for (let i = 0; i < 3; i++) clock.increment(1_000);
    expect(polls).toHaveLength(3);
    stats.send({ type: "STATS.SAMPLE", peer: "p", sample: sample(1000, 1) });
    stats.send({ type: "STATS.SAMPLE", peer: "p", sample: sample(2000, 2) });
    const s = stats.getSnapshot().context.byPeer.p.summary;
    expect(s.received).toMatchObject({ width: 1920, height: 1080, fps: 60, videoKbps: 8000, videoCodec: "VP8", lossPct: 0 });
    expect(s.sent).toMatchObject({ fps: 30, videoKbps: 4000, audioKbps: 32 });
    expect([s.rttMs, s.localCandidate, s.remoteCandidate]).toEqual([12, "host", "srflx"]);
    expect(qualityOf(s, true)).toBe("good");
    expect(qualityOf({ ...s, rttMs: 300 }, true)).toBe("fair");
    expect(qualityOf({ ...s, received: { ...s.received, fps: 5 } }, true)).toBe("poor");
    expect(qualityOf({ ...s, received: { ...s.received, fps: 5 } }, false)).toBe("good");
  });
});
