/**
 * Media settings the user chooses in the Settings dialog: which devices, the video shape and
 * bitrate, and the audio processing switches. Pure data and constraint builders; where they are
 * kept (localStorage) is passed in, so tests and the machine decide.
 */
import { isBackgroundChoice, type BackgroundChoice } from "../../protocol/background.ts";

export interface MediaSettings {
  /** Preferred devices; null: the browser's default. */
  cameraId: string | null;
  micId: string | null;
  speakerId: string | null;
  /** Phones: which camera faces the user. null: whatever cameraId gives. */
  facingMode: "user" | "environment" | null;
  width: number;
  height: number;
  frameRate: number;
  maxBitrateKbps: number;
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
  /** RNNoise on the microphone (machines/media/denoise.ts), on top of the browser's own processing. */
  denoise: boolean;
  /** What the camera's background becomes (machines/media/background.ts). */
  background: BackgroundChoice;
}

export const DEFAULT_SETTINGS: MediaSettings = {
  cameraId: null,
  micId: null,
  speakerId: null,
  facingMode: null,
  width: 1920,
  height: 1080,
  frameRate: 60,
  maxBitrateKbps: 8000,
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
  denoise: true,
  background: "none",
};

export const RESOLUTIONS = [
  { label: "1080p", width: 1920, height: 1080 },
  { label: "720p", width: 1280, height: 720 },
  { label: "540p", width: 960, height: 540 },
  { label: "360p", width: 640, height: 360 },
] as const;
export const FRAME_RATES = [60, 30, 24, 15] as const;
export const BITRATES_KBPS = [1500, 3000, 5000, 8000, 12000] as const;

/**
 * Video quality in words a person understands, each a set of the raw settings (which stay under
 * Advanced). Best quality is what a new device starts with.
 */
export const QUALITY_PRESETS = [
  { id: "best", label: "Best quality", hint: "Sharpest picture; needs a fast connection", width: 1920, height: 1080, frameRate: 60, maxBitrateKbps: 8000 },
  { id: "balanced", label: "Balanced", hint: "Clear picture, half the data", width: 1280, height: 720, frameRate: 30, maxBitrateKbps: 3000 },
  { id: "save", label: "Save data", hint: "For mobile data or a slow connection", width: 640, height: 360, frameRate: 15, maxBitrateKbps: 1500 },
] as const;

export type QualityPreset = (typeof QUALITY_PRESETS)[number];

/** The preset these settings are exactly, or null (someone chose the numbers under Advanced). */
export function presetOf(settings: Pick<MediaSettings, "width" | "height" | "frameRate" | "maxBitrateKbps">): QualityPreset | null {
  return (
    QUALITY_PRESETS.find(
      (p) => p.width === settings.width && p.height === settings.height && p.frameRate === settings.frameRate && p.maxBitrateKbps === settings.maxBitrateKbps,
    ) ?? null
  );
}

/** The settings change a preset makes. */
export function presetChange(preset: QualityPreset): Pick<MediaSettings, "width" | "height" | "frameRate" | "maxBitrateKbps"> {
  const { width, height, frameRate, maxBitrateKbps } = preset;
  return { width, height, frameRate, maxBitrateKbps };
}

export const SETTINGS_KEY = "onelink.media";

type Reader = Pick<Storage, "getItem"> | undefined;
type Writer = Pick<Storage, "setItem"> | undefined;

const isIdOrNull = (v: unknown) => v === null || (typeof v === "string" && v.length > 0 && v.length < 512);
const inRange = (v: unknown, lo: number, hi: number) => typeof v === "number" && Number.isFinite(v) && v >= lo && v <= hi;

/** Only well-formed fields of a stored or proposed change survive; the rest keep their value. */
export function sanitize(base: MediaSettings, raw: unknown): MediaSettings {
  if (!raw || typeof raw !== "object") return base;
  const x = raw as Record<string, unknown>;
  const next = { ...base };
  for (const key of ["cameraId", "micId", "speakerId"] as const) if (key in x && isIdOrNull(x[key])) next[key] = x[key] as string | null;
  if ("facingMode" in x && (x.facingMode === null || x.facingMode === "user" || x.facingMode === "environment")) next.facingMode = x.facingMode;
  if (inRange(x.width, 160, 3840)) next.width = x.width as number;
  if (inRange(x.height, 90, 2160)) next.height = x.height as number;
  if (inRange(x.frameRate, 5, 120)) next.frameRate = x.frameRate as number;
  if (inRange(x.maxBitrateKbps, 100, 50_000)) next.maxBitrateKbps = x.maxBitrateKbps as number;
  for (const key of ["echoCancellation", "noiseSuppression", "autoGainControl", "denoise"] as const)
    if (typeof x[key] === "boolean") next[key] = x[key] as boolean;
  if (isBackgroundChoice(x.background)) next.background = x.background;
  return next;
}

export function loadSettings(storage: Reader): MediaSettings {
  try {
    const text = storage?.getItem(SETTINGS_KEY);
    return text ? sanitize(DEFAULT_SETTINGS, JSON.parse(text)) : DEFAULT_SETTINGS;
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export function saveSettings(storage: Writer, settings: MediaSettings) {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Private mode or a full quota: the choice still holds for this visit.
  }
}

/**
 * The camera opens at most this size (720p at 30 fps) and goes to the chosen one once the call is
 * under way (local-media.ts `FULL_SIZE_AFTER_MS`): on the way to the other's first picture the
 * capture, its preview and the call's start share the machine, and the first frames go out small
 * anyway (rtp-tuning.ts START_HEIGHT). bench/join join28: started so on both sides, the joiner's
 * first remote frame came 46 ms sooner (15 of 20 pairs). A camera another page also holds (a
 * second tab, or both test pages in one browser) keeps its size: the device is shared.
 */
export const START_SHAPE = { width: 1280, height: 720, frameRate: 30 } as const;

/**
 * `s` with the camera's size and frame rate at most START_SHAPE (the same when already smaller).
 * Not with a background: its pipeline holds a clone of the camera, and a camera with two tracks
 * cannot change its capture size in place (Chromium), so it would stay small.
 */
export function startShape(s: MediaSettings): MediaSettings {
  if (s.background !== "none") return s;
  return {
    ...s,
    width: Math.min(s.width, START_SHAPE.width),
    height: Math.min(s.height, START_SHAPE.height),
    frameRate: Math.min(s.frameRate, START_SHAPE.frameRate),
  };
}

/** Whether the camera's chosen shape is bigger than the one it starts with. */
export const startsSmaller = (s: MediaSettings) => {
  const start = startShape(s);
  return start.width !== s.width || start.height !== s.height || start.frameRate !== s.frameRate;
};

/**
 * Camera constraints: the shape is always "ideal" so any camera gives its best. A device id is
 * "exact" when switching on purpose (fail rather than silently pick another) and "ideal" when
 * starting (a saved camera that is gone must not keep the call from starting).
 */
export function videoConstraints(s: MediaSettings, deviceId: string | null, strict: boolean): MediaTrackConstraints {
  const c: MediaTrackConstraints = { width: { ideal: s.width }, height: { ideal: s.height }, frameRate: { ideal: s.frameRate } };
  if (deviceId) c.deviceId = strict ? { exact: deviceId } : { ideal: deviceId };
  else if (s.facingMode) c.facingMode = { ideal: s.facingMode };
  return c;
}

export function audioConstraints(s: MediaSettings, deviceId: string | null, strict: boolean): MediaTrackConstraints {
  const c: MediaTrackConstraints = {
    echoCancellation: s.echoCancellation,
    noiseSuppression: s.noiseSuppression,
    autoGainControl: s.autoGainControl,
    channelCount: { ideal: 1 },
  };
  if (deviceId) c.deviceId = strict ? { exact: deviceId } : { ideal: deviceId };
  return c;
}

/** What a settings change needs: a new camera or microphone track, new constraints, new sender parameters. */
export function whatChanged(prev: MediaSettings, next: MediaSettings) {
  return {
    cameraDevice: prev.cameraId !== next.cameraId || prev.facingMode !== next.facingMode,
    cameraShape: prev.width !== next.width || prev.height !== next.height || prev.frameRate !== next.frameRate,
    mic:
      prev.micId !== next.micId ||
      prev.echoCancellation !== next.echoCancellation ||
      prev.noiseSuppression !== next.noiseSuppression ||
      prev.autoGainControl !== next.autoGainControl,
    background: prev.background !== next.background,
    sender: prev.maxBitrateKbps !== next.maxBitrateKbps || prev.frameRate !== next.frameRate,
  };
}
