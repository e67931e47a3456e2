import { describe, expect, test } from "bun:test";
import { assign, createActor, createMachine, fromCallback, fromPromise, SimulatedClock, type AnyActorRef } from "xstate";
import type { DeviceInfo } from "../../machines/devices.ts";
import { localMediaMachine, type MediaReport } from "../../machines/local-media.ts";
import type { LocalMedia, OpenTrackInput } from "../../machines/media.ts";
import { CpuGuard } from "../../machines/cpu-guard.ts";
import { orderCodecs, tuneOpus } from "../../machines/rtp-tuning.ts";
import { DEFAULT_SETTINGS, loadSettings, SETTINGS_KEY, type MediaSettings } from "../../machines/settings.ts";
import { qualityOf, statsMachine, type StatsSample } from "../../machines/stats.ts";

/** Just enough of a MediaStreamTrack: an id, a device, `stop()` and an `ended` event. */
class FakeTrack extends EventTarget {
  static count = 0;
  id = `t${++FakeTrack.count}`;
  enabled = true;
  readyState: "live" | "ended" = "live";
  contentHint = "";
  constructor(
    public kind: "audio" | "video",
    public deviceId: string,
    public label = deviceId,
    public extra: Record<string, unknown> = {},
  ) {
    super();
  }
  getSettings() {
    return { deviceId: this.deviceId, ...this.extra };
  }
  stop() {
    this.readyState = "ended";
  }
  /** The device went away: the browser ends the track and says so. */
  unplug() {
    this.readyState = "ended";
    this.dispatchEvent(new Event("ended"));
  }
}

class FakeStream {
  tracks: FakeTrack[];
  constructor(tracks: FakeTrack[]) {
    this.tracks = [...tracks];
  }
  getTracks = () => [...this.tracks];
  getAudioTracks = () => this.tracks.filter((t) => t.kind === "audio");
  getVideoTracks = () => this.tracks.filter((t) => t.kind === "video");
  addTrack = (t: FakeTrack) => void this.tracks.push(t);
  removeTrack = (t: FakeTrack) => void (this.tracks = this.tracks.filter((x) => x !== t));
}

const devices: DeviceInfo[] = [
  { id: "cam1", kind: "videoinput", label: "Front" },
  { id: "cam2", kind: "videoinput", label: "USB camera" },
  { id: "mic1", kind: "audioinput", label: "Built-in mic" },
  { id: "mic2", kind: "audioinput", label: "Headset" },
];

function harness(opts: { stored?: Partial<MediaSettings>; screenError?: DOMException; failOpen?: string[] } = {}) {
  const opened: OpenTrackInput[] = [];
  const reshaped: MediaTrackConstraints[] = [];
  const saved: MediaSettings[] = [];
  const acquiredWith: MediaSettings[] = [];
  const camera = new FakeTrack("video", "cam1", "Front");
  const mic = new FakeTrack("audio", "mic1", "Built-in mic");
  const screen = { video: new FakeTrack("video", "screen:0", "screen"), audio: new FakeTrack("audio", "tab", "Tab audio") };
  const stream = new FakeStream([mic, camera]);
  const machine = localMediaMachine.provide({
    actors: {
      acquire: fromPromise<LocalMedia, { settings: MediaSettings }>(async ({ input }) => {
        acquiredWith.push(input.settings);
        return { stream: stream as unknown as MediaStream, issue: null };
      }),
      openTrack: fromPromise(async ({ input }: { input: OpenTrackInput }) => {
        opened.push(input);
        const id = String((input.constraints.deviceId as ConstrainDOMStringParameters | undefined)?.exact ?? "default");
        if (opts.failOpen?.includes(id)) throw new DOMException("gone", "NotFoundError");
        return new FakeTrack(input.kind, id, devices.find((d) => d.id === id)?.label ?? id) as unknown as MediaStreamTrack;
      }),
      reshapeTrack: fromPromise<void, { track: MediaStreamTrack | null; constraints: MediaTrackConstraints }>(async ({ input }) => {
        reshaped.push(input.constraints);
      }),
      captureScreen: fromPromise<{ video: MediaStreamTrack; audio: MediaStreamTrack | null }, void>(async () => {
        if (opts.screenError) throw opts.screenError;
        return screen as unknown as { video: MediaStreamTrack; audio: MediaStreamTrack };
      }),
      devices: fromCallback(() => {}),
    },
    actions: {
      loadSettings: assign({ settings: () => ({ ...DEFAULT_SETTINGS, ...opts.stored }) }),
      saveSettings: ({ context }) => void saved.push(context.settings),
    },
  });
  const reports: MediaReport[] = [];
  const parent = createMachine({
    invoke: { id: "media", src: machine },
    on: { "*": { actions: ({ event }) => void reports.push(event as MediaReport) } },
  });
  const actor = createActor(parent).start();
  const media = actor.getSnapshot().children.media as AnyActorRef;
  const ctx = () => media.getSnapshot().context as ReturnType<typeof localMediaMachine.getInitialSnapshot>["context"];
  const last = () => reports.at(-1)!.local;
  const outgoing = () => last().outgoing!;
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const start = async () => {
    media.send({ type: "MEDIA.START" });
    await flush();
    media.send({ type: "DEVICES.CHANGED", devices });
  };
  return { media, ctx, reports, outgoing, last, opened, reshaped, saved, acquiredWith, camera, mic, screen, stream, flush, start };
}

describe("local media machine", () => {
  test("starts with the saved devices and reports the microphone and camera as outgoing", async () => {
    const h = harness({ stored: { cameraId: "cam2", maxBitrateKbps: 5000 } });
    await h.start();
    expect(h.acquiredWith[0]!.cameraId).toBe("cam2");
    expect(h.reports[0]!.type).toBe("MEDIA.READY");
    expect(h.outgoing()).toMatchObject({ audio: h.mic, video: h.camera, extraAudio: null, videoMode: "camera", maxBitrateKbps: 5000 });
  });

  test("switching camera mid-call opens the new one, releases the old one and keeps the same stream", async () => {
    const h = harness();
    await h.start();
    h.media.send({ type: "MEDIA.SETTINGS", change: { cameraId: "cam2" } });
    await h.flush();
    expect(h.opened.at(-1)).toMatchObject({ kind: "video", constraints: { deviceId: { exact: "cam2" } } });
    const next = h.outgoing().video as unknown as FakeTrack;
    expect(next.deviceId).toBe("cam2");
    expect(h.camera.readyState).toBe("ended");
    expect(h.last().stream).toBe(h.stream as unknown as MediaStream);
    expect(h.stream.getVideoTracks()).toEqual([next]);
    expect(h.saved.at(-1)!.cameraId).toBe("cam2");
  });

  test("audio switches reopen the microphone with the new processing; resolution reshapes the camera in place", async () => {
    const h = harness();
    await h.start();
    h.media.send({ type: "MEDIA.SETTINGS", change: { echoCancellation: false } });
    await h.flush();
    expect(h.opened.at(-1)).toMatchObject({ kind: "audio", constraints: { echoCancellation: false, noiseSuppression: true } });
    expect((h.outgoing().audio as unknown as FakeTrack).readyState).toBe("live");
    expect(h.mic.readyState).toBe("ended");
    const opens = h.opened.length;
    h.media.send({ type: "MEDIA.SETTINGS", change: { width: 1280, height: 720, frameRate: 30, maxBitrateKbps: 3000 } });
    await h.flush();
    expect(h.opened.length).toBe(opens);
    expect(h.reshaped.at(-1)).toMatchObject({ width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } });
    expect(h.outgoing()).toMatchObject({ maxBitrateKbps: 3000, maxFramerate: 30 });
  });

  test("the camera in use is unplugged (its track ends): another one takes over and the user is told", async () => {
    const h = harness();
    await h.start();
    h.camera.unplug();
    await h.flush();
    expect(h.opened.at(-1)).toMatchObject({ kind: "video", constraints: { deviceId: { exact: "cam2" } } });
    expect((h.outgoing().video as unknown as FakeTrack).deviceId).toBe("cam2");
    expect(h.ctx().notice).toBe("Your camera “Front” stopped; switched to “USB camera”.");
  });

  test("a device that disappears from the list is replaced; the chosen one is used again when it returns", async () => {
    const h = harness({ stored: { micId: "mic1" } });
    await h.start();
    h.media.send({ type: "DEVICES.CHANGED", devices: devices.filter((d) => d.id !== "mic1") });
    await h.flush();
    expect((h.outgoing().audio as unknown as FakeTrack).deviceId).toBe("mic2");
    expect(h.ctx().notice).toBe("Your microphone “Built-in mic” was disconnected; switched to “Headset”.");
    h.media.send({ type: "DEVICES.CHANGED", devices });
    await h.flush();
    expect((h.outgoing().audio as unknown as FakeTrack).deviceId).toBe("mic1");
    expect(h.ctx().notice).toBe("Your microphone “Built-in mic” is back.");
  });

  test("with no other camera, the camera is dropped and the user is told", async () => {
    const h = harness();
    await h.start();
    h.media.send({ type: "DEVICES.CHANGED", devices: devices.filter((d) => d.id !== "cam2") });
    h.camera.unplug();
    await h.flush();
    expect(h.outgoing().video).toBeNull();
    expect(h.stream.getVideoTracks()).toEqual([]);
    expect(h.ctx().notice).toBe("Your camera “Front” stopped and there is no other camera.");
  });

  test("screen share replaces the camera, sends tab audio, and the camera comes back when it stops", async () => {
    const h = harness();
    await h.start();
    h.media.send({ type: "MEDIA.TOGGLE_SCREEN" });
    await h.flush();
    expect(h.outgoing()).toMatchObject({ video: h.screen.video, extraAudio: h.screen.audio, videoMode: "screen", audio: h.mic });
    expect(h.last().sharing).toBe(true);
    expect(h.stream.getVideoTracks()).toEqual([h.screen.video]);
    h.media.send({ type: "MEDIA.TOGGLE_SCREEN" });
    expect(h.outgoing()).toMatchObject({ video: h.camera, extraAudio: null, videoMode: "camera" });
    expect(h.last().sharing).toBe(false);
    expect(h.screen.video.readyState).toBe("ended");
    expect(h.screen.audio.readyState).toBe("ended");
    expect(h.camera.readyState).toBe("live");
  });

  test("stopping the share from the browser's own bar (track ended) restores the camera", async () => {
    const h = harness();
    await h.start();
    h.media.send({ type: "MEDIA.TOGGLE_SCREEN" });
    await h.flush();
    h.screen.video.unplug();
    expect(h.outgoing()).toMatchObject({ video: h.camera, videoMode: "camera", extraAudio: null });
    expect(h.stream.getVideoTracks()).toEqual([h.camera]);
    expect(h.opened).toHaveLength(0); // the camera never stopped: nothing to reopen
  });

  test("cancelling the screen picker is not an error; a camera switch while sharing keeps the screen outgoing", async () => {
    const cancelled = harness({ screenError: new DOMException("cancelled", "NotAllowedError") });
    await cancelled.start();
    cancelled.media.send({ type: "MEDIA.TOGGLE_SCREEN" });
    await cancelled.flush();
    expect(cancelled.ctx().notice).toBeNull();
    expect(cancelled.media.getSnapshot().matches({ active: { screen: "off" } })).toBe(true);

    const h = harness();
    await h.start();
    h.media.send({ type: "MEDIA.TOGGLE_SCREEN" });
    await h.flush();
    h.media.send({ type: "MEDIA.SETTINGS", change: { cameraId: "cam2" } });
    await h.flush();
    expect(h.outgoing().video).toBe(h.screen.video as unknown as MediaStreamTrack);
    h.media.send({ type: "MEDIA.TOGGLE_SCREEN" });
    expect((h.outgoing().video as unknown as FakeTrack).deviceId).toBe("cam2");
  });

  test("flip camera cycles cameras on a desktop and flips facing mode on a phone", async () => {
    const h = harness();
    await h.start();
    h.media.send({ type: "MEDIA.FLIP_CAMERA" });
    await h.flush();
    expect(h.opened.at(-1)!.constraints.deviceId).toEqual({ exact: "cam2" });
    expect(h.ctx().settings.cameraId).toBe("cam2");

    const phone = harness();
    phone.camera.extra = { facingMode: "user" };
    await phone.start();
    phone.media.send({ type: "MEDIA.FLIP_CAMERA" });
    await phone.flush();
    expect(phone.opened.at(-1)!.constraints).toMatchObject({ facingMode: { ideal: "environment" } });
    expect(phone.opened.at(-1)!.constraints.deviceId).toBeUndefined();
  });

  test("a failed switch keeps the old device and says so; MEDIA.STOP releases everything", async () => {
    const h = harness({ failOpen: ["cam2"] });
    await h.start();
    h.media.send({ type: "MEDIA.SETTINGS", change: { cameraId: "cam2" } });
    await h.flush();
    expect(h.ctx().camera).toBe(h.camera as unknown as MediaStreamTrack);
    expect(h.ctx().notice).toBe("Could not switch the camera; still using the previous one.");
    h.media.send({ type: "MEDIA.STOP" });
    expect(h.camera.readyState).toBe("ended");
    expect(h.mic.readyState).toBe("ended");
    expect(h.media.getSnapshot().value).toBe("off");
  });
});

describe("settings", () => {
  test("stored settings are validated field by field", () => {
    const store = { getItem: (k: string) => (k === SETTINGS_KEY ? JSON.stringify({ frameRate: 30, width: "big", echoCancellation: false, cameraId: 5 }) : null) };
    expect(loadSettings(store)).toEqual({ ...DEFAULT_SETTINGS, frameRate: 30, echoCancellation: false });
    expect(loadSettings({ getItem: () => "{not json" })).toEqual(DEFAULT_SETTINGS);
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

  test("codec order puts the preferred codecs first and keeps the rest in the browser's order", () => {
    const c = (mimeType: string) => ({ mimeType, clockRate: 90000 });
    const order = orderCodecs([c("video/VP9"), c("video/rtx"), c("video/VP8"), c("video/H264")], ["video/H264", "video/VP8"]);
    expect(order.map((x) => x.mimeType)).toEqual(["video/H264", "video/VP8", "video/VP9", "video/rtx"]);
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
      if (guard.observe({ at: state.at, captureFps: 60, framesEncoded: state.frames, totalEncodeTime: state.time, maxFramerate: 60 })) changes.push(guard.scale);
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
      if (guard.observe({ at: state.at, captureFps: 20, framesEncoded: state.frames, totalEncodeTime: state.time, maxFramerate: 60 })) changes.push(guard.scale);
    }
    expect(changes).toEqual([]);
  });
});

describe("stats machine", () => {
  const side = (bytes: number, frames: number, extra: Partial<StatsSample["videoIn"]> = {}) => ({
    bytes, packets: bytes / 1000, lost: 0, frames, width: 1920, height: 1080, fps: null, codec: "VP8", limit: null, ...extra,
  });
  const sample = (at: number, k: number): StatsSample => ({
    at, videoIn: side(k * 1_000_000, k * 60), videoOut: side(k * 500_000, k * 30), audioIn: side(k * 4000, 0), audioOut: side(k * 4000, 0),
    rttMs: 12, remoteLoss: 0, localCandidate: "host", remoteCandidate: "srflx",
  });

  test("polls every second and turns counters into rates and a quality", () => {
    const polls: string[] = [];
    const clock = new SimulatedClock();
    const parent = createMachine({ invoke: { id: "stats", src: statsMachine }, on: { "STATS.POLL": { actions: () => void polls.push("poll") } } });
    const actor = createActor(parent, { clock }).start();
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
