import { describe, expect, test } from "bun:test";
import { assign, createActor, createMachine, fromCallback, fromPromise, SimulatedClock, type AnyActorRef, type EventObject } from "xstate";
import type { DeviceInfo } from "../../machines/media/devices.ts";
import type { BackgroundCommand, BackgroundEvent, BackgroundInput } from "../../machines/media/background.ts";
import type { DenoiseCommand, DenoiseEvent } from "../../machines/media/denoise.ts";
import type { CodecsEvent } from "../../machines/media/codecs.ts";
import { FULL_SIZE_AFTER_MS, localMediaMachine, type MediaReport } from "../../machines/media/local-media.ts";
import { firstConstraints } from "../../machines/head-start.ts";
import type { LocalMedia, OpenTrackInput } from "../../machines/media/media.ts";
import { DEFAULT_SETTINGS, type MediaSettings } from "../../machines/media/settings.ts";

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

function harness(
  opts: {
    stored?: Partial<MediaSettings>;
    screenError?: DOMException;
    failOpen?: string[];
    recalledCodecs?: string[];
    clock?: SimulatedClock;
    reshapeHangs?: boolean;
  } = {},
) {
  const opened: OpenTrackInput[] = [];
  const reshaped: MediaTrackConstraints[] = [];
  const saved: MediaSettings[] = [];
  const acquiredWith: MediaSettings[] = [];
  const camera = new FakeTrack("video", "cam1", "Front");
  const mic = new FakeTrack("audio", "mic1", "Built-in mic");
  const screen = { video: new FakeTrack("video", "screen:0", "screen"), audio: new FakeTrack("audio", "tab", "Tab audio") };
  const stream = new FakeStream([mic, camera]);
  /** What the background pipeline was told: started shown or not, then each BACKGROUND.SHOWN. */
  const shown: boolean[] = [];
  /** The running noise suppressor's way to hand back its track (set while one runs). */
  /** `heard`: what each pipeline was started with, then told (DENOISE.HEARD). */
  const denoiser: { give: ((track: FakeTrack, mic: FakeTrack) => void) | null; heard: boolean[] } = { give: null, heard: [] };
  /** The codec probe's answer, given when a test says (the probe runs from the first MEDIA.START). */
  const probe: { answer: ((order: string[]) => void) | null; started: number } = { answer: null, started: 0 };
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
        if (opts.reshapeHangs) await new Promise(() => {});
      }),
      captureScreen: fromPromise<{ video: MediaStreamTrack; audio: MediaStreamTrack | null }, void>(async () => {
        if (opts.screenError) throw opts.screenError;
        return screen as unknown as { video: MediaStreamTrack; audio: MediaStreamTrack };
      }),
      devices: fromCallback(() => {}),
      codecProbe: fromCallback<EventObject, void, CodecsEvent>(({ sendBack }) => {
        probe.started++;
        probe.answer = (order) => sendBack({ type: "CODECS.PROBED", order });
      }),
      denoise: fromCallback<DenoiseCommand, { mic: MediaStreamTrack; heard: boolean }, DenoiseEvent>(({ input, sendBack, receive }) => {
        denoiser.heard.push(input.heard);
        receive((cmd) => void denoiser.heard.push(cmd.on));
        denoiser.give = (track, mic) => sendBack({ type: "DENOISE.TRACK", track, mic });
        return () => void (denoiser.give = null);
      }),
      background: fromCallback<BackgroundCommand, BackgroundInput, BackgroundEvent>(({ input, receive }) => {
        shown.push(input.shown);
        receive((cmd) => void (cmd.type === "BACKGROUND.SHOWN" && shown.push(cmd.on)));
      }),
    },
    actions: {
      loadSettings: assign({ settings: () => ({ ...DEFAULT_SETTINGS, ...opts.stored }) }),
      saveSettings: ({ context }) => void saved.push(context.settings),
      recallCodecs: assign({ videoCodecs: ({ context }) => opts.recalledCodecs ?? context.videoCodecs }),
    },
  });
  const reports: MediaReport[] = [];
  const parent = createMachine({
    invoke: { id: "media", src: machine },
    on: { "*": { actions: ({ event }) => void reports.push(event as MediaReport) } },
  });
  const actor = createActor(parent, opts.clock ? { clock: opts.clock } : {}).start();
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
  return { media, ctx, reports, outgoing, last, opened, reshaped, saved, acquiredWith, camera, mic, screen, stream, flush, start, shown, denoiser, probe };
}

describe("local media machine", () => {
  test("starts with the saved devices and reports the microphone and camera as outgoing", async () => {
    const h = harness({ stored: { cameraId: "cam2", maxBitrateKbps: 5000 } });
    await h.start();
    expect(h.acquiredWith[0]!.cameraId).toBe("cam2");
    expect(h.reports[0]!.type).toBe("MEDIA.READY");
    expect(h.outgoing()).toMatchObject({ audio: h.mic, video: h.camera, extraAudio: null, videoMode: "camera", maxBitrateKbps: 5000 });
  });

  test("the devices are ready before the codec probe answers, with the order kept from an earlier visit", async () => {
    const h = harness({ recalledCodecs: ["video/VP9", "video/H264", "video/VP8"] });
    await h.start();
    expect(h.probe.started).toBe(1);
    expect(h.reports.map((r) => r.type)).toEqual(["MEDIA.READY"]);
    expect(h.outgoing().videoCodecs).toEqual(["video/VP9", "video/H264", "video/VP8"]);
    // The probe agrees: nothing more to say.
    h.probe.answer!(["video/VP9", "video/H264", "video/VP8"]);
    await h.flush();
    expect(h.reports.length).toBe(1);
  });

  test("a probed order unlike the one in use is reported as outgoing; a later start does not probe again", async () => {
    const h = harness();
    await h.start();
    expect(h.outgoing().videoCodecs).toEqual(["video/H264", "video/VP8"]);
    h.probe.answer!(["video/AV1", "video/H264", "video/VP8"]);
    await h.flush();
    expect(h.reports.at(-1)!.type).toBe("MEDIA.OUTGOING");
    expect(h.outgoing().videoCodecs).toEqual(["video/AV1", "video/H264", "video/VP8"]);
    h.media.send({ type: "MEDIA.STOP" });
    h.media.send({ type: "MEDIA.START" });
    await h.flush();
    expect(h.probe.started).toBe(1);
    const ready = h.reports.filter((r) => r.type === "MEDIA.READY");
    expect(ready.length).toBe(2);
    expect(ready[1]!.local.outgoing!.videoCodecs).toEqual(["video/AV1", "video/H264", "video/VP8"]);
  });

  test("a probe answering while the devices still open is in the first report", async () => {
    const h = harness();
    h.media.send({ type: "MEDIA.START" });
    h.probe.answer!(["video/VP9", "video/H264", "video/VP8"]);
    await h.flush();
    expect(h.reports.map((r) => r.type)).toEqual(["MEDIA.READY"]);
    expect(h.outgoing().videoCodecs).toEqual(["video/VP9", "video/H264", "video/VP8"]);
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

  test("the camera opens at 720p30 at most, and takes the chosen 1080p60 in place FULL_SIZE_AFTER_MS after someone's connection is up, once", async () => {
    const clock = new SimulatedClock();
    const h = harness({ clock });
    await h.start();
    // What the head start and the first getUserMedia ask for.
    expect(firstConstraints(h.acquiredWith[0]!).video).toMatchObject({ width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } });
    // Alone (nobody may hear or see us yet), it stays so.
    clock.increment(60_000);
    await h.flush();
    expect(h.reshaped).toEqual([]);
    h.media.send({ type: "MEDIA.HEARD", on: true });
    clock.increment(FULL_SIZE_AFTER_MS - 1);
    await h.flush();
    expect(h.reshaped).toEqual([]);
    const reported = h.reports.length;
    clock.increment(1);
    await h.flush();
    expect(h.reshaped).toEqual([{ width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 60 } }]);
    // Said again once reshaped: a group's layers are sized for the track (sfu.ts).
    expect(h.reports.slice(reported).map((r) => r.type)).toEqual(["MEDIA.OUTGOING"]);
    // Alone again, then in a call again: it keeps its size.
    h.media.send({ type: "MEDIA.HEARD", on: false });
    h.media.send({ type: "MEDIA.HEARD", on: true });
    clock.increment(FULL_SIZE_AFTER_MS * 3);
    await h.flush();
    expect(h.reshaped).toHaveLength(1);
    // Another camera now opens at the chosen size.
    h.media.send({ type: "MEDIA.SETTINGS", change: { cameraId: "cam2" } });
    await h.flush();
    expect(h.opened.at(-1)).toMatchObject({ kind: "video", constraints: { width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 60 } } });
  });

  test("before the call is under way another camera opens at the start shape; a shape at most the start one is never changed; one chosen is taken at once", async () => {
    const clock = new SimulatedClock();
    const h = harness({ clock });
    await h.start();
    h.media.send({ type: "MEDIA.SETTINGS", change: { cameraId: "cam2" } });
    await h.flush();
    expect(h.opened.at(-1)).toMatchObject({ kind: "video", constraints: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } } });
    h.media.send({ type: "MEDIA.SETTINGS", change: { width: 960, height: 540, frameRate: 60 } });
    await h.flush();
    expect(h.reshaped).toEqual([{ width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 60 } }]);
    h.media.send({ type: "MEDIA.HEARD", on: true });
    clock.increment(FULL_SIZE_AFTER_MS * 2);
    await h.flush();
    expect(h.reshaped).toHaveLength(1);

    const small = harness({ clock, stored: { width: 640, height: 360, frameRate: 15 } });
    await small.start();
    expect(firstConstraints(small.acquiredWith[0]!).video).toMatchObject({ width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } });
    small.media.send({ type: "MEDIA.HEARD", on: true });
    clock.increment(FULL_SIZE_AFTER_MS * 2);
    await small.flush();
    expect(small.reshaped).toEqual([]);
  });

  /** Someone's connection came up FULL_SIZE_AFTER_MS ago: the camera is taking its full size, and that does not end. */
  const takingFullSize = async () => {
    const clock = new SimulatedClock();
    const h = harness({ clock, reshapeHangs: true });
    await h.start();
    h.media.send({ type: "MEDIA.HEARD", on: true });
    clock.increment(FULL_SIZE_AFTER_MS);
    await h.flush();
    return h;
  };

  test("a size chosen in Settings while the camera takes its full size is the one it ends with", async () => {
    const h = await takingFullSize();
    expect(h.reshaped).toEqual([{ width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 60 } }]);
    h.media.send({ type: "MEDIA.SETTINGS", change: { width: 640, height: 360, frameRate: 30 } });
    await h.flush();
    expect(h.reshaped.at(-1)).toEqual({ width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 30 } });
    expect(h.reshaped).toHaveLength(2);
  });

  test("a size wanted while another camera opens (chosen, or the call's full size) is the one it opens at", async () => {
    const clock = new SimulatedClock();
    const h = harness({ clock });
    await h.start();
    h.media.send({ type: "MEDIA.SETTINGS", change: { cameraId: "cam2" } });
    h.media.send({ type: "MEDIA.SETTINGS", change: { width: 640, height: 360, frameRate: 30 } });
    await h.flush();
    expect(h.opened.at(-1)).toMatchObject({ kind: "video", constraints: { deviceId: { exact: "cam2" }, width: { ideal: 640 }, height: { ideal: 360 } } });
    expect((h.outgoing().video as unknown as FakeTrack).deviceId).toBe("cam2");

    const full = harness({ clock });
    await full.start();
    full.media.send({ type: "MEDIA.HEARD", on: true });
    clock.increment(FULL_SIZE_AFTER_MS - 1);
    full.media.send({ type: "MEDIA.SETTINGS", change: { cameraId: "cam2" } });
    clock.increment(1);
    await full.flush();
    expect(full.opened.at(-1)).toMatchObject({ kind: "video", constraints: { deviceId: { exact: "cam2" }, width: { ideal: 1920 }, height: { ideal: 1080 } } });
  });

  test("a refresh is in the call before its camera opens: the camera still takes its chosen size FULL_SIZE_AFTER_MS after it does", async () => {
    const clock = new SimulatedClock();
    const h = harness({ clock });
    h.media.send({ type: "MEDIA.HEARD", on: true });
    clock.increment(FULL_SIZE_AFTER_MS * 2);
    await h.start();
    expect(h.reshaped).toEqual([]);
    clock.increment(FULL_SIZE_AFTER_MS);
    await h.flush();
    expect(h.reshaped).toEqual([{ width: { ideal: 1920 }, height: { ideal: 1080 }, frameRate: { ideal: 60 } }]);
  });

  test("with a background saved the camera opens at its chosen size (its pipeline's clone would keep it from growing later)", () => {
    expect(firstConstraints({ ...DEFAULT_SETTINGS, background: "blur-light" }).video).toMatchObject({
      width: { ideal: 1920 },
      height: { ideal: 1080 },
      frameRate: { ideal: 60 },
    });
    expect(firstConstraints(DEFAULT_SETTINGS).video).toMatchObject({ width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } });
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

  test("the camera unplugged while it changes size is replaced all the same", async () => {
    const h = await takingFullSize();
    expect(h.reshaped).toHaveLength(1);
    h.camera.unplug();
    await h.flush();
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

  test("the background pipeline pauses while the camera is off or a screen is shown instead, and goes on after", async () => {
    const h = harness({ stored: { background: "blur-light" } });
    h.media.send({ type: "MEDIA.CAMERA", on: false }); // switched off before the devices open: a new start is on again
    await h.start();
    expect(h.shown).toEqual([true]);
    h.media.send({ type: "MEDIA.CAMERA", on: false });
    expect(h.shown).toEqual([true, false]);
    h.media.send({ type: "MEDIA.CAMERA", on: true });
    h.media.send({ type: "MEDIA.TOGGLE_SCREEN" });
    await h.flush();
    expect(h.shown).toEqual([true, false, true, false]);
    h.media.send({ type: "MEDIA.TOGGLE_SCREEN" });
    expect(h.shown.at(-1)).toBe(true);
    // A pipeline started while the camera is off starts paused.
    h.media.send({ type: "MEDIA.CAMERA", on: false });
    h.media.send({ type: "MEDIA.SETTINGS", change: { background: "none" } });
    h.media.send({ type: "MEDIA.SETTINGS", change: { background: "blur-strong" } });
    expect(h.shown.at(-1)).toBe(false);
    expect(h.ctx().cameraOn).toBe(false);
  });

  test("a mute made before noise suppression starts carries to the denoised track, and unmuting is heard", async () => {
    const h = harness();
    await h.start();
    // Muted on the pre-join screen while the suppressor is still loading: the call disables what is sent, the raw mic.
    h.mic.enabled = false;
    const denoised = new FakeTrack("audio", "mic1", "denoised");
    h.denoiser.give?.(denoised, h.mic);
    expect(h.stream.getAudioTracks()).toEqual([denoised]);
    expect(denoised.enabled).toBe(false);
    // The raw microphone feeds the suppressor: it stays live, so enabling the sent track is enough to be heard.
    expect(h.mic.enabled).toBe(true);
    // Suppression switched off while muted: the raw microphone goes out again, still muted.
    h.media.send({ type: "MEDIA.SETTINGS", change: { denoise: false } });
    expect(h.stream.getAudioTracks()).toEqual([h.mic]);
    expect(h.mic.enabled).toBe(false);
  });

  test("noise suppression sleeps until someone may hear us, and while nobody may; a pipeline made meanwhile starts asleep", async () => {
    const h = harness();
    await h.start();
    expect(h.denoiser.heard).toEqual([false]); // the pre-join screen: nobody hears yet
    h.media.send({ type: "MEDIA.HEARD", on: true });
    h.media.send({ type: "MEDIA.HEARD", on: false });
    expect(h.denoiser.heard).toEqual([false, true, false]);
    // Switched off and on again while alone: the new pipeline is told at once that nobody hears.
    h.media.send({ type: "MEDIA.SETTINGS", change: { denoise: false } });
    h.media.send({ type: "MEDIA.SETTINGS", change: { denoise: true } });
    expect(h.denoiser.heard).toEqual([false, true, false, false]);
    h.media.send({ type: "MEDIA.HEARD", on: true });
    expect(h.denoiser.heard.at(-1)).toBe(true);
  });

  test("camera off before the background starts carries to the processed track; the raw camera stays live", async () => {
    const h = harness({ stored: { background: "blur-light" } });
    await h.start();
    h.camera.enabled = false;
    const processed = new FakeTrack("video", "cam1", "processed");
    h.media.send({ type: "BACKGROUND.TRACK", track: processed as unknown as MediaStreamTrack, camera: h.camera as unknown as MediaStreamTrack });
    expect(h.stream.getVideoTracks()).toEqual([processed]);
    expect(processed.enabled).toBe(false);
    expect(h.camera.enabled).toBe(true);
    h.media.send({ type: "MEDIA.SETTINGS", change: { background: "none" } });
    expect(h.stream.getVideoTracks()).toEqual([h.camera]);
    expect(h.camera.enabled).toBe(false);
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
