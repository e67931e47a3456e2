/**
 * Local media for the whole visit: owns the camera, microphone and screen tracks, the device list
 * and the user's media settings. Invoked by the call; MEDIA.START opens the devices, MEDIA.STOP
 * closes them. Whenever what we send changes (another camera, a shared screen, a new bitrate) it
 * reports MEDIA.OUTGOING, and the call tells every peer to swap tracks or parameters in place.
 * A device that disappears (unplugged: its track ends, or devicechange drops it) is replaced by
 * another one, and `notice` says so.
 */
import { syncPicture } from "./picture.ts";
import { webStorage } from "../storage.ts";
import { assertEvent, assign, enqueueActions, not, sendParent, setup, spawnChild, type ActorRefFrom, type SnapshotFrom } from "xstate";
import {
  devicesActor,
  devicesOf,
  onDevicesChanged,
  onTrackEnded,
  type DeviceInfo,
  type DevicesEvent,
  type SourceDecision,
  type SourceState,
} from "./devices.ts";
import {
  acquireMedia,
  captureScreen,
  describe,
  deviceIdOf,
  openTrack,
  reshapeTrack,
  stopStream,
  watchTrack,
  type LocalMedia,
  type MediaIssue,
} from "./media.ts";
import {
  audioConstraints,
  DEFAULT_SETTINGS,
  loadSettings,
  sanitize,
  saveSettings,
  startShape,
  startsSmaller,
  videoConstraints,
  whatChanged,
  type MediaSettings,
} from "./settings.ts";
import { backgroundActor, type BackgroundCommand, type BackgroundEvent } from "./background.ts";
import { type DenoiseCommand, type DenoiseEvent, denoiseActor } from "./denoise.ts";
import { SOFTWARE_ORDER } from "../transport/rtp-tuning.ts";
import { codecProbe, type CodecsEvent, recallCodecs, rememberCodecs } from "./codecs.ts";

export type MediaCommand =
  | { type: "MEDIA.START" }
  | { type: "MEDIA.STOP" }
  | { type: "MEDIA.SETTINGS"; change: Partial<MediaSettings> }
  | { type: "MEDIA.TOGGLE_SCREEN" }
  | { type: "MEDIA.FLIP_CAMERA" }
  | { type: "MEDIA.DISMISS_NOTICE" }
  /** The user turned the camera on or off (the call switches the sent track's `enabled`). */
  | { type: "MEDIA.CAMERA"; on: boolean }
  /** Whether anyone may hear us (the call: not while we wait alone); the noise suppression sleeps while nobody can. */
  | { type: "MEDIA.HEARD"; on: boolean };

/** What the local media machine tells the call. */
export type MediaReport = { type: "MEDIA.READY"; local: LocalMedia } | { type: "MEDIA.OUTGOING"; local: LocalMedia };

type Source = "camera" | "mic";
/** Decided internally (settings, fallbacks), carried out by the camera or microphone region. */
type Internal =
  | DevicesEvent
  | CodecsEvent
  | { type: "TRACK.ENDED"; track: MediaStreamTrack }
  | { type: "OPEN"; source: Source; deviceId: string | null; notice: string | null; failNotice: string }
  | { type: "LOST"; source: Source; notice: string }
  | { type: "CAMERA.RESHAPE" }
  /** The call is under way: the camera goes from its start shape to the chosen one. */
  | { type: "CAMERA.FULL_SIZE" }
  | BackgroundEvent
  | DenoiseEvent;

export interface LocalMediaContext {
  settings: MediaSettings;
  devices: DeviceInfo[];
  stream: MediaStream | null;
  camera: MediaStreamTrack | null;
  /** The camera with its background blurred or replaced, sent instead of it; null: the camera as it is. */
  processed: MediaStreamTrack | null;
  mic: MediaStreamTrack | null;
  /** The microphone through RNNoise, sent instead of it; null: the microphone as it is. */
  denoised: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  screenAudio: MediaStreamTrack | null;
  /** The user's camera switch: off, nothing is shown, so the background pipeline reads no frames. */
  cameraOn: boolean;
  issue: MediaIssue | null;
  /** Said to the user until dismissed: a device was replaced, a switch failed. */
  notice: string | null;
  /** The microphone track the denoise pipeline was started on. */
  denoisedFor: MediaStreamTrack | null;
  /** Whether anyone may hear the microphone (MEDIA.HEARD: the call says so once someone's connection is up). */
  heard: boolean;
  /** The camera has its chosen shape; false while it has its start shape (settings.ts START_SHAPE), until the call is under way. */
  fullSize: boolean;
  /** The camera track the background pipeline was started on. */
  backgroundFor: MediaStreamTrack | null;
  /** Video codecs in the order we ask for: probed as the devices open (codecs.ts), until then the order kept from an earlier visit. */
  videoCodecs: string[];
  /** The pending open of each source: which device, and what to say when it works or fails. */
  plan: Record<Source, { deviceId: string | null; notice: string | null; failNotice: string } | null>;
}

const NAME: Record<Source, string> = { camera: "camera", mic: "microphone" };

/**
 * How long after someone's connection is up (MEDIA.HEARD) the camera goes from its start shape to
 * the chosen one: after the first pictures, while the bandwidth estimate is still rising (what is
 * sent is smaller than either until then).
 */
export const FULL_SIZE_AFTER_MS = 2_000;
const FULL_SIZE_TIMER = "camera-full-size";

function sourceState(c: LocalMediaContext, source: Source): SourceState {
  const track = c[source];
  return {
    kind: source === "camera" ? "videoinput" : "audioinput",
    name: NAME[source],
    inUse: deviceIdOf(track),
    hasTrack: track !== null,
    trackLabel: track?.label ?? "",
    preferred: source === "camera" ? c.settings.cameraId : c.settings.micId,
    mayOpenNew: !c.issue || c.issue.problem === "missing",
  };
}

const decided = (source: Source, d: SourceDecision): Internal => (d.type === "OPEN" ? { ...d, source } : { type: "LOST", source, notice: d.notice });

export function localOf(c: LocalMediaContext): LocalMedia {
  return {
    stream: c.stream,
    issue: c.issue,
    sharing: c.screen !== null,
    outgoing: {
      audio: sentMic(c),
      video: c.screen ?? sentCamera(c),
      extraAudio: c.screenAudio,
      videoMode: c.screen ? "screen" : "camera",
      maxBitrateKbps: c.settings.maxBitrateKbps,
      maxFramerate: c.settings.frameRate,
      videoCodecs: c.videoCodecs,
    },
  };
}

/** The camera as others see it: processed while a background effect runs on this very camera. */
const sentCamera = (c: LocalMediaContext) => (c.processed && c.camera ? c.processed : c.camera);
/** The microphone as others hear it: denoised while suppression runs on this very microphone. */
const sentMic = (c: LocalMediaContext) => (c.denoised && c.mic ? c.denoised : c.mic);

/** Whether the camera's picture is seen by anyone: on, and not replaced by a shared screen. */
const cameraShown = (c: LocalMediaContext) => c.cameraOn && c.screen === null;

/** The outgoing stream holds exactly the microphone and the screen or camera; peers and the preview follow it. */
function syncStream(c: LocalMediaContext) {
  if (!c.stream) return;
  const want = [sentMic(c), c.screen ?? sentCamera(c)].filter((t): t is MediaStreamTrack => t !== null);
  for (const t of c.stream.getTracks()) if (!want.includes(t)) c.stream.removeTrack(t);
  for (const t of want) if (!c.stream.getTracks().includes(t)) c.stream.addTrack(t);
  syncPicture(c.stream);
}

/**
 * A processed track (denoised microphone, camera with its background) goes out in place of `sent` (the raw
 * track or an earlier processed one). Mute and camera-off carry over: the call switches what the stream
 * holds. The raw track feeds the processing and must stay live, or a mute made before the processing
 * started (on the pre-join screen, say) would silence the processed track for good: unmuting enables only
 * what is sent.
 */
function takeOver(processed: MediaStreamTrack, sent: MediaStreamTrack | null, raw: MediaStreamTrack) {
  processed.enabled = sent?.enabled ?? raw.enabled;
  raw.enabled = true;
}

/** The issue once `source` works again: it drops out of what is missing. */
function issueWithout(issue: MediaIssue | null, source: Source): MediaIssue | null {
  if (!issue) return null;
  const missing = issue.missing.filter((m) => m !== NAME[source]);
  return missing.length ? { ...issue, missing, text: describe(issue.problem, missing) } : null;
}

export const localMediaMachine = setup({
  types: { context: {} as LocalMediaContext, events: {} as MediaCommand | Internal },
  actors: {
    background: backgroundActor,
    denoise: denoiseActor,
    acquire: acquireMedia,
    codecProbe,
    openTrack,
    reshapeTrack,
    captureScreen,
    watchTrack,
    devices: devicesActor,
  },
  actions: {
    /** Side effects a test can swap: where settings are kept. */
    loadSettings: assign({ settings: () => loadSettings(webStorage("local") ?? undefined) }),
    saveSettings: ({ context }) => saveSettings(webStorage("local") ?? undefined, context.settings),
    recallCodecs: assign({ videoCodecs: ({ context }) => recallCodecs() ?? context.videoCodecs }),
    /** The probe runs once a visit, beside the first opening of the devices; they do not wait for it. */
    probeCodecs: enqueueActions(({ enqueue, self }) => {
      if (!self.getSnapshot().children.codecs) enqueue(spawnChild("codecProbe", { id: "codecs" }));
    }),
    /** The probe's order replaces the one used until now; if it differs, what we send is reported again. */
    takeCodecs: enqueueActions(({ context, event, enqueue, self }) => {
      assertEvent(event, "CODECS.PROBED");
      const changed = event.order.join(",") !== context.videoCodecs.join(",");
      enqueue.assign({ videoCodecs: event.order });
      enqueue(() => rememberCodecs(event.order));
      if (changed && self.getSnapshot().matches("active"))
        enqueue.sendParent({ type: "MEDIA.OUTGOING", local: localOf({ ...context, videoCodecs: event.order }) } satisfies MediaReport);
    }),
    reportReady: sendParent(({ context }) => ({ type: "MEDIA.READY", local: localOf(context) }) satisfies MediaReport),
    reportOutgoing: sendParent(({ context }) => ({ type: "MEDIA.OUTGOING", local: localOf(context) }) satisfies MediaReport),
    syncStream: ({ context }) => syncStream(context),
    /** The noise suppression sleeps while nobody may hear us, and wakes when someone may. */
    tellHeard: enqueueActions(({ context, enqueue, self }) => {
      if (self.getSnapshot().children.denoise) enqueue.sendTo("denoise", { type: "DENOISE.HEARD", on: context.heard } satisfies DenoiseCommand);
    }),
    /**
     * Someone's connection is up and our camera still has its start shape: the chosen one a moment
     * later. Set again as the devices come (a refresh is in the call before its camera opens); only
     * `active` takes the event.
     */
    fullSizeSoon: enqueueActions(({ context, enqueue }) => {
      if (!context.heard || context.fullSize) return;
      enqueue.cancel(FULL_SIZE_TIMER);
      enqueue.raise({ type: "CAMERA.FULL_SIZE" }, { id: FULL_SIZE_TIMER, delay: FULL_SIZE_AFTER_MS });
    }),
    /** The background pipeline pauses while nobody sees the camera, and goes on when they do. */
    tellShown: enqueueActions(({ context, enqueue, self }) => {
      if (self.getSnapshot().children.background)
        enqueue.sendTo("background", { type: "BACKGROUND.SHOWN", on: cameraShown(context) } satisfies BackgroundCommand);
    }),
    stopAll: enqueueActions(({ context: c, enqueue }) => {
      for (const t of [c.camera, c.processed, c.mic, c.denoised, c.screen, c.screenAudio]) t?.stop();
      stopStream(c.stream);
      enqueue.assign({
        stream: null,
        camera: null,
        processed: null,
        mic: null,
        denoised: null,
        screen: null,
        screenAudio: null,
        notice: null,
        issue: null,
        plan: { camera: null, mic: null },
      });
    }),
    plan: assign(({ context, event }, params: { source: Source }) =>
      event.type === "OPEN"
        ? { plan: { ...context.plan, [params.source]: { deviceId: event.deviceId, notice: event.notice, failNotice: event.failNotice } } }
        : {},
    ),
    /** A newly opened device replaces the old one, which is released. */
    use: assign(({ context }, params: { source: Source; track: MediaStreamTrack }) => {
      const old = context[params.source];
      if (old && old !== params.track) old.stop();
      return {
        [params.source]: params.track,
        issue: issueWithout(context.issue, params.source),
        notice: context.plan[params.source]?.notice ?? context.notice,
      };
    }),
    lose: assign(({ context, event }, params: { source: Source }) => {
      context[params.source]?.stop();
      return { [params.source]: null, notice: event.type === "LOST" ? event.notice : context.notice };
    }),
    /** The processed track of the camera now in use replaces the previous one. */
    useProcessed: assign(({ context, event }) => {
      if (event.type !== "BACKGROUND.TRACK") return {};
      if (event.camera !== context.camera) {
        event.track.stop();
        return {};
      }
      takeOver(event.track, sentCamera(context), context.camera);
      if (context.processed && context.processed !== event.track) context.processed.stop();
      return { processed: event.track };
    }),
    useDenoised: assign(({ context, event }) => {
      if (event.type !== "DENOISE.TRACK" || !context.mic || event.mic !== context.mic) return {};
      takeOver(event.track, sentMic(context), context.mic);
      return { denoised: event.track };
    }),
    /** Back to sending the microphone as it is (the actor that made the track has stopped it). */
    dropDenoised: enqueueActions(({ context, enqueue }) => {
      if (!context.denoised) return;
      if (context.mic) context.mic.enabled = context.denoised.enabled;
      const next = { ...context, denoised: null };
      syncStream(next);
      enqueue.assign({ denoised: null });
      enqueue.sendParent({ type: "MEDIA.OUTGOING", local: localOf(next) } satisfies MediaReport);
    }),
    /** Back to sending the camera as it is. */
    dropProcessed: enqueueActions(({ context, enqueue }) => {
      if (!context.processed) return;
      if (context.camera) context.camera.enabled = context.processed.enabled;
      context.processed.stop();
      const next = { ...context, processed: null };
      syncStream(next);
      enqueue.assign({ processed: null });
      enqueue.sendParent({ type: "MEDIA.OUTGOING", local: localOf(next) } satisfies MediaReport);
    }),
    dropScreen: enqueueActions(({ context: c, enqueue }) => {
      c.screen?.stop();
      c.screenAudio?.stop();
      enqueue.assign({ screen: null, screenAudio: null });
    }),
  },
  guards: {
    isFor: ({ event }, params: { source: Source }) => (event.type === "OPEN" || event.type === "LOST") && event.source === params.source,
    isScreen: ({ context, event }) => event.type === "TRACK.ENDED" && event.track === context.screen,
    hasCamera: ({ context }) => context.camera !== null,
    wantsDenoise: ({ context }) => context.mic !== null && context.settings.denoise,
    micMoved: ({ context }) => context.denoisedFor !== context.mic,
    wantsBackground: ({ context }) => context.camera !== null && context.settings.background !== "none",
    /** The running pipeline was started for a camera that has since been replaced. */
    cameraMoved: ({ context }, params: { started: MediaStreamTrack | null }) => params.started !== context.camera,
  },
}).createMachine({
  id: "localMedia",
  context: {
    settings: DEFAULT_SETTINGS,
    devices: [],
    stream: null,
    camera: null,
    processed: null,
    backgroundFor: null,
    mic: null,
    denoised: null,
    denoisedFor: null,
    heard: false,
    fullSize: false,
    screen: null,
    screenAudio: null,
    cameraOn: true,
    issue: null,
    notice: null,
    plan: { camera: null, mic: null },
    videoCodecs: SOFTWARE_ORDER,
  },
  initial: "off",
  on: {
    // Outside a call a choice is only kept for the next one.
    "MEDIA.SETTINGS": { actions: [assign({ settings: ({ context, event }) => sanitize(context.settings, event.change) }), "saveSettings"] },
    "MEDIA.DISMISS_NOTICE": { actions: assign({ notice: null }) },
    "MEDIA.CAMERA": { actions: [assign({ cameraOn: ({ event }) => event.on }), "tellShown"] },
    "MEDIA.HEARD": { actions: [assign({ heard: ({ event }) => event.on }), "tellHeard", "fullSizeSoon"] },
    "CODECS.PROBED": { actions: "takeCodecs" },
  },
  states: {
    off: { on: { "MEDIA.START": "acquiring" } },
    acquiring: {
      // A new start begins with the camera on (the call's own switch starts on too).
      entry: ["loadSettings", "recallCodecs", "probeCodecs", assign({ cameraOn: true, fullSize: false })],
      invoke: {
        src: "acquire",
        input: ({ context }) => ({ settings: context.settings }),
        onDone: {
          target: "active",
          actions: [
            assign(({ event }) => ({
              stream: event.output.stream,
              issue: event.output.issue,
              camera: event.output.stream?.getVideoTracks()[0] ?? null,
              mic: event.output.stream?.getAudioTracks()[0] ?? null,
            })),
            "reportReady",
          ],
        },
      },
      on: { "MEDIA.STOP": "off" },
    },
    active: {
      type: "parallel",
      entry: "fullSizeSoon",
      exit: "stopAll",
      invoke: { id: "devices", src: "devices" },
      on: {
        "MEDIA.STOP": "off",
        "CAMERA.FULL_SIZE": {
          guard: ({ context }) => !context.fullSize,
          actions: enqueueActions(({ context, enqueue }) => {
            enqueue.assign({ fullSize: true });
            if (startsSmaller(context.settings)) enqueue.raise({ type: "CAMERA.RESHAPE" });
          }),
        },
        "MEDIA.SETTINGS": {
          actions: enqueueActions(({ context, event, enqueue, self }) => {
            const next = sanitize(context.settings, event.change);
            const changed = whatChanged(context.settings, next);
            enqueue.assign({ settings: next });
            // A shape chosen now is wanted now.
            if (changed.cameraShape) enqueue.assign({ fullSize: true });
            enqueue("saveSettings");
            const failNotice = (s: Source) => `Could not switch the ${NAME[s]}; still using the previous one.`;
            if (changed.cameraDevice)
              enqueue.raise({ type: "OPEN", source: "camera", deviceId: next.cameraId, notice: null, failNotice: failNotice("camera") });
            else if (changed.cameraShape) enqueue.raise({ type: "CAMERA.RESHAPE" });
            if (changed.mic) enqueue.raise({ type: "OPEN", source: "mic", deviceId: next.micId, notice: null, failNotice: failNotice("mic") });
            if (changed.sender) enqueue("reportOutgoing");
            // Said even when unchanged: "your own image" chosen again means a new picture.
            if ("background" in event.change && self.getSnapshot().children.background)
              enqueue.sendTo("background", { type: "BACKGROUND.EFFECT", choice: next.background } satisfies BackgroundCommand);
          }),
        },
        "MEDIA.FLIP_CAMERA": {
          actions: enqueueActions(({ context, enqueue }) => {
            const facing = context.camera?.getSettings().facingMode;
            const cameras = devicesOf(context.devices, "videoinput");
            let change: Partial<MediaSettings>;
            if (facing === "user" || facing === "environment") change = { facingMode: facing === "user" ? "environment" : "user", cameraId: null };
            else if (cameras.length > 1) {
              const at = cameras.findIndex((d) => d.id === deviceIdOf(context.camera));
              change = { cameraId: cameras[(at + 1) % cameras.length]!.id, facingMode: null };
            } else return;
            enqueue.raise({ type: "MEDIA.SETTINGS", change });
          }),
        },
        "TRACK.ENDED": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            for (const source of ["camera", "mic"] as const) {
              if (event.track === context[source]) enqueue.raise(decided(source, onTrackEnded(context.devices, sourceState(context, source))));
            }
          }),
        },
        "DEVICES.CHANGED": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            enqueue.assign({ devices: event.devices });
            for (const source of ["camera", "mic"] as const) {
              const decision = onDevicesChanged(context.devices, event.devices, sourceState(context, source));
              if (decision) enqueue.raise(decided(source, decision));
            }
          }),
        },
      },
      states: {
        camera: {
          initial: "live",
          states: {
            live: {
              invoke: { src: "watchTrack", input: ({ context }) => ({ track: context.camera }) },
              on: {
                OPEN: { guard: { type: "isFor", params: { source: "camera" } }, target: "opening" },
                LOST: {
                  guard: { type: "isFor", params: { source: "camera" } },
                  target: "live",
                  reenter: true,
                  actions: [{ type: "lose", params: { source: "camera" } }, "syncStream", "reportOutgoing"],
                },
                "CAMERA.RESHAPE": { guard: "hasCamera", target: "reshaping" },
              },
            },
            opening: {
              entry: { type: "plan", params: { source: "camera" } },
              invoke: {
                src: "openTrack",
                input: ({ context }) => ({
                  kind: "video",
                  constraints: videoConstraints(
                    context.fullSize ? context.settings : startShape(context.settings),
                    context.plan.camera?.deviceId ?? null,
                    true,
                  ),
                  old: context.camera,
                }),
                onDone: {
                  target: "live",
                  actions: [{ type: "use", params: ({ event }) => ({ source: "camera", track: event.output }) }, "syncStream", "reportOutgoing"],
                },
                onError: { target: "live", actions: assign({ notice: ({ context }) => context.plan.camera?.failNotice ?? null }) },
              },
              on: {
                OPEN: { guard: { type: "isFor", params: { source: "camera" } }, target: "opening", reenter: true },
                // Another size wanted while it opens (chosen, or the call's full size): it opens at that one instead.
                "CAMERA.RESHAPE": { target: "opening", reenter: true },
              },
            },
            reshaping: {
              invoke: [
                // Still watched: a camera unplugged while it changes size is replaced as in `live`.
                { src: "watchTrack", input: ({ context }) => ({ track: context.camera }) },
                {
                  src: "reshapeTrack",
                  input: ({ context }) => ({ track: context.camera, constraints: videoConstraints(context.settings, null, false) }),
                  // The same track at another size: said again, so that what sends it fits it (a group's layers, sfu.ts).
                  onDone: { target: "live", actions: "reportOutgoing" },
                  onError: { target: "live", actions: assign({ notice: "The camera cannot do that resolution or frame rate." }) },
                },
              ],
              on: {
                OPEN: { guard: { type: "isFor", params: { source: "camera" } }, target: "opening" },
                LOST: {
                  guard: { type: "isFor", params: { source: "camera" } },
                  target: "live",
                  actions: [{ type: "lose", params: { source: "camera" } }, "syncStream", "reportOutgoing"],
                },
                // Another size chosen while it changes (Settings as the call's own full size is taken): the last one asked for is the one it gets.
                "CAMERA.RESHAPE": { guard: "hasCamera", target: "reshaping", reenter: true },
              },
            },
          },
        },
        mic: {
          initial: "live",
          states: {
            live: {
              invoke: { src: "watchTrack", input: ({ context }) => ({ track: context.mic }) },
              on: {
                OPEN: { guard: { type: "isFor", params: { source: "mic" } }, target: "opening" },
                LOST: {
                  guard: { type: "isFor", params: { source: "mic" } },
                  target: "live",
                  reenter: true,
                  actions: [{ type: "lose", params: { source: "mic" } }, "syncStream", "reportOutgoing"],
                },
              },
            },
            opening: {
              entry: { type: "plan", params: { source: "mic" } },
              invoke: {
                src: "openTrack",
                input: ({ context }) => ({
                  kind: "audio",
                  constraints: audioConstraints(context.settings, context.plan.mic?.deviceId ?? null, true),
                  old: context.mic,
                }),
                onDone: {
                  target: "live",
                  actions: [{ type: "use", params: ({ event }) => ({ source: "mic", track: event.output }) }, "syncStream", "reportOutgoing"],
                },
                onError: { target: "live", actions: assign({ notice: ({ context }) => context.plan.mic?.failNotice ?? null }) },
              },
              on: { OPEN: { guard: { type: "isFor", params: { source: "mic" } }, target: "opening", reenter: true } },
            },
          },
        },
        denoise: {
          initial: "off",
          states: {
            off: { entry: "dropDenoised", always: { guard: "wantsDenoise", target: "on" } },
            on: {
              initial: "running",
              states: {
                running: {
                  entry: assign({ denoisedFor: ({ context }) => context.mic }),
                  invoke: { id: "denoise", src: "denoise", input: ({ context }) => ({ mic: context.mic as MediaStreamTrack, heard: context.heard }) },
                  on: {
                    "DENOISE.TRACK": { actions: ["useDenoised", "syncStream", "reportOutgoing"] },
                    // The microphone goes out as it is, with the browser's own noise filter; no notice, since a
                    // browser without AudioWorklet would otherwise be told on every call.
                    "DENOISE.FAILED": { target: "failed", actions: ({ event }) => console.warn("noise suppression:", event.message) },
                  },
                },
                failed: {},
              },
              always: [
                { guard: not("wantsDenoise"), target: "off" },
                { guard: "micMoved", target: ".running", reenter: true },
              ],
            },
          },
        },
        background: {
          initial: "off",
          states: {
            off: {
              entry: "dropProcessed",
              always: { guard: "wantsBackground", target: "on" },
            },
            on: {
              initial: "running",
              states: {
                running: {
                  entry: assign({ backgroundFor: ({ context }) => context.camera }),
                  invoke: {
                    id: "background",
                    src: "background",
                    input: ({ context }) => ({ camera: context.camera as MediaStreamTrack, choice: context.settings.background, shown: cameraShown(context) }),
                  },
                  on: {
                    "BACKGROUND.TRACK": { actions: ["useProcessed", "syncStream", "reportOutgoing"] },
                    // The camera goes out as it is, and the choice stays for the next try (another camera, a reload).
                    "BACKGROUND.FAILED": { target: "failed", actions: assign({ notice: "The background effect could not start." }) },
                  },
                },
                failed: {},
              },
              always: [
                { guard: not("wantsBackground"), target: "off" },
                { guard: { type: "cameraMoved", params: ({ context }) => ({ started: context.backgroundFor }) }, target: ".running", reenter: true },
              ],
            },
          },
        },
        screen: {
          initial: "off",
          states: {
            off: { on: { "MEDIA.TOGGLE_SCREEN": "starting" } },
            starting: {
              invoke: {
                src: "captureScreen",
                onDone: {
                  target: "sharing",
                  actions: [
                    assign({ screen: ({ event }) => event.output.video, screenAudio: ({ event }) => event.output.audio }),
                    "syncStream",
                    "reportOutgoing",
                    "tellShown",
                  ],
                },
                onError: {
                  target: "off",
                  actions: assign({
                    // Cancelling the browser's picker is a choice, not a problem.
                    notice: ({ context, event }) =>
                      event.error instanceof DOMException && event.error.name === "NotAllowedError" ? context.notice : "Screen sharing could not start.",
                  }),
                },
              },
              on: { "MEDIA.TOGGLE_SCREEN": "off" },
            },
            sharing: {
              invoke: { src: "watchTrack", input: ({ context }) => ({ track: context.screen }) },
              on: {
                "MEDIA.TOGGLE_SCREEN": { target: "off", actions: ["dropScreen", "syncStream", "reportOutgoing", "tellShown"] },
                // "Stop sharing" in the browser's own bar ends the track.
                "TRACK.ENDED": { guard: "isScreen", target: "off", actions: ["dropScreen", "syncStream", "reportOutgoing", "tellShown"] },
              },
            },
          },
        },
      },
    },
  },
});

export type LocalMediaActor = ActorRefFrom<typeof localMediaMachine>;
export type LocalMediaSnapshot = SnapshotFrom<typeof localMediaMachine>;
