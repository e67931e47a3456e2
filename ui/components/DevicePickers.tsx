/**
 * Camera, microphone and speaker pickers, shared by the pre-join screen and Settings. A change
 * goes to the local media machine, which applies it at once (mid-call too) and remembers it.
 */
import { useSelector } from "@xstate/react";
import { devicesOf } from "../../machines/media/devices.ts";
import { deviceIdOf } from "../../machines/media/media.ts";
import type { MediaSettings } from "../../machines/media/settings.ts";
import { useMediaActor, useSinkId } from "../media-hooks.ts";

const canPickSpeaker = () => typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;

/** `only`: just the camera ("video") or just the microphone and speaker ("audio"); both by default. */
export function DevicePickers({ idPrefix, only }: { idPrefix: string; only?: "audio" | "video" }) {
  const media = useMediaActor();
  const settings = useSelector(media, (s) => s?.context.settings);
  const devices = useSelector(media, (s) => s?.context.devices ?? []);
  const cameraInUse = useSelector(media, (s) => deviceIdOf(s?.context.camera ?? null));
  const micInUse = useSelector(media, (s) => deviceIdOf(s?.context.mic ?? null));
  const sinkId = useSinkId();
  if (!settings) return null;
  const change = (c: Partial<MediaSettings>) => media?.send({ type: "MEDIA.SETTINGS", change: c });
  const cameras = devicesOf(devices, "videoinput");
  const mics = devicesOf(devices, "audioinput");
  const speakers = devicesOf(devices, "audiooutput");

  const video = only !== "audio";
  const audio = only !== "video";
  return (
    <>
      {video && <label htmlFor={`${idPrefix}-cam`}>Camera</label>}
      {video && (
        <select
          id={`${idPrefix}-cam`}
          value={cameraInUse ?? settings.cameraId ?? ""}
          onChange={(e) => change({ cameraId: e.target.value || null, facingMode: null })}
        >
          {cameras.length === 0 && <option value="">No camera</option>}
          {cameras.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      )}
      {audio && <label htmlFor={`${idPrefix}-mic`}>Microphone</label>}
      {audio && (
        <select id={`${idPrefix}-mic`} value={micInUse ?? settings.micId ?? ""} onChange={(e) => change({ micId: e.target.value || null })}>
          {mics.length === 0 && <option value="">No microphone</option>}
          {mics.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      )}
      {audio && canPickSpeaker() && speakers.length > 0 && (
        <>
          <label htmlFor={`${idPrefix}-spk`}>Speaker</label>
          <select id={`${idPrefix}-spk`} value={sinkId} onChange={(e) => change({ speakerId: e.target.value || null })}>
            <option value="">System default</option>
            {speakers
              .filter((d) => d.id !== "default")
              .map((d) => (
                <option key={d.id} value={d.id}>
                  {d.label}
                </option>
              ))}
          </select>
        </>
      )}
    </>
  );
}
