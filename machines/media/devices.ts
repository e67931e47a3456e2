/**
 * Cameras, microphones and speakers: a callback actor that lists them and lists them again on
 * every `devicechange` (plugged, unplugged), and pure helpers to pick a replacement.
 */
import { fromCallback } from "xstate";

export type DeviceKind = "videoinput" | "audioinput" | "audiooutput";

export interface DeviceInfo {
  id: string;
  kind: DeviceKind;
  label: string;
}

export type DevicesEvent = { type: "DEVICES.CHANGED"; devices: DeviceInfo[] };

export const devicesActor = fromCallback<{ type: "DEVICES.REFRESH" }, void, DevicesEvent>(({ sendBack, receive }) => {
  const media = globalThis.navigator?.mediaDevices;
  if (!media?.enumerateDevices) return;
  let stopped = false;
  const refresh = () => {
    media
      .enumerateDevices()
      .then((list) => {
        if (stopped) return;
        const devices: DeviceInfo[] = [];
        let unnamed = 0;
        for (const d of list) {
          if (d.kind !== "videoinput" && d.kind !== "audioinput" && d.kind !== "audiooutput") continue;
          // Without permission ids are empty: nothing to choose from yet.
          if (!d.deviceId) continue;
          devices.push({ id: d.deviceId, kind: d.kind, label: d.label || `${kindName(d.kind)} ${++unnamed}` });
        }
        sendBack({ type: "DEVICES.CHANGED", devices });
      })
      .catch(() => {});
  };
  media.addEventListener("devicechange", refresh);
  receive(refresh);
  refresh();
  return () => {
    stopped = true;
    media.removeEventListener("devicechange", refresh);
  };
});

export function kindName(kind: DeviceKind): string {
  return kind === "videoinput" ? "Camera" : kind === "audioinput" ? "Microphone" : "Speaker";
}

export const devicesOf = (devices: DeviceInfo[], kind: DeviceKind) => devices.filter((d) => d.kind === kind);

export const hasDevice = (devices: DeviceInfo[], kind: DeviceKind, id: string | null) => id !== null && devices.some((d) => d.kind === kind && d.id === id);

export function labelOf(devices: DeviceInfo[], kind: DeviceKind, id: string | null): string | null {
  return devices.find((d) => d.kind === kind && d.id === id)?.label ?? null;
}

/**
 * Another device of the same kind to fall back to when `goneId` disappeared: the preferred one if
 * present, else the first real one (Chromium's "default"/"communications" aliases go last).
 */
export function pickFallback(devices: DeviceInfo[], kind: DeviceKind, goneId: string | null, preferred: string | null): DeviceInfo | null {
  const left = devicesOf(devices, kind).filter((d) => d.id !== goneId);
  const alias = (d: DeviceInfo) => d.id === "default" || d.id === "communications";
  return left.find((d) => d.id === preferred) ?? left.find((d) => !alias(d)) ?? left[0] ?? null;
}

/** What to do about one source (camera or microphone) when devices change or its track ends. */
export type SourceDecision = { type: "OPEN"; deviceId: string; notice: string; failNotice: string } | { type: "LOST"; notice: string };

export interface SourceState {
  kind: "videoinput" | "audioinput";
  /** "camera" or "microphone", for the notices. */
  name: string;
  /** The device of the track in use, null without one. */
  inUse: string | null;
  hasTrack: boolean;
  trackLabel: string;
  /** The device the user chose in Settings. */
  preferred: string | null;
  /** Nothing opened at the start because none was there (not because access was refused). */
  mayOpenNew: boolean;
}

const quote = (label: string | null | undefined) => (label ? ` “${label}”` : "");

function replace(devices: DeviceInfo[], s: SourceState, what: string): SourceDecision {
  const next = pickFallback(devices, s.kind, s.inUse, s.preferred);
  if (!next) return { type: "LOST", notice: `${what} and there is no other ${s.name}.` };
  return { type: "OPEN", deviceId: next.id, notice: `${what}; switched to${quote(next.label)}.`, failNotice: `${what} and no other ${s.name} works.` };
}

/** The track in use ended by itself (unplugged, revoked): open another device. */
export function onTrackEnded(devices: DeviceInfo[], s: SourceState): SourceDecision {
  return replace(devices, s, `Your ${s.name}${quote(labelOf(devices, s.kind, s.inUse) ?? s.trackLabel)} stopped`);
}

/** The device list changed: the device in use is gone, the chosen one is back, or one arrived where there was none. */
export function onDevicesChanged(before: DeviceInfo[], now: DeviceInfo[], s: SourceState): SourceDecision | null {
  if (!before.length) return null; // the first listing: nothing changed
  const arrived = devicesOf(now, s.kind).filter((d) => !hasDevice(before, s.kind, d.id));
  if (s.hasTrack && s.inUse && !hasDevice(now, s.kind, s.inUse)) {
    return replace(now, s, `Your ${s.name}${quote(labelOf(before, s.kind, s.inUse))} was disconnected`);
  }
  if (s.preferred && s.preferred !== s.inUse && arrived.some((d) => d.id === s.preferred)) {
    return {
      type: "OPEN",
      deviceId: s.preferred,
      notice: `Your ${s.name}${quote(labelOf(now, s.kind, s.preferred))} is back.`,
      failNotice: `Your ${s.name} is back but could not be started.`,
    };
  }
  if (!s.hasTrack && s.mayOpenNew && arrived.length) {
    const pick = arrived.find((d) => d.id === s.preferred) ?? arrived[0]!;
    return {
      type: "OPEN",
      deviceId: pick.id,
      notice: `Now using the ${s.name}${quote(pick.label)}.`,
      failNotice: `A ${s.name} was plugged in but could not be started.`,
    };
  }
  return null;
}
