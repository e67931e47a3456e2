/**
 * Settings: camera, microphone, speaker, video shape and bitrate, audio processing. Every change
 * goes to the local media machine at once (it applies mid-call and remembers it for next time).
 */
import { useSelector } from "@xstate/react";
import { useEffect, useId, useRef } from "react";
import { devicesOf } from "../../machines/devices.ts";
import { deviceIdOf } from "../../machines/media.ts";
import { BITRATES_KBPS, FRAME_RATES, RESOLUTIONS, type MediaSettings } from "../../machines/settings.ts";
import { useMediaActor, useSinkId } from "../media-hooks.ts";

const canPickSpeaker = () => typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const media = useMediaActor();
  const settings = useSelector(media, (s) => s?.context.settings);
  const devices = useSelector(media, (s) => s?.context.devices ?? []);
  const cameraInUse = useSelector(media, (s) => deviceIdOf(s?.context.camera ?? null));
  const micInUse = useSelector(media, (s) => deviceIdOf(s?.context.mic ?? null));
  const shape = useSelector(media, (s) => {
    const got = s?.context.camera?.getSettings();
    return got?.width ? `${got.width}×${got.height} at ${Math.round(got.frameRate ?? 0)} fps` : null;
  });
  const sinkId = useSinkId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  if (!settings) return null;
  const change = (c: Partial<MediaSettings>) => media?.send({ type: "MEDIA.SETTINGS", change: c });
  const cameras = devicesOf(devices, "videoinput");
  const mics = devicesOf(devices, "audioinput");
  const speakers = devicesOf(devices, "audiooutput");
  const resolution = `${settings.width}x${settings.height}`;

  return (
    <dialog ref={ref} className="info settings" aria-labelledby={`${id}-title`} onClose={onClose}>
      <h2 id={`${id}-title`}>Settings</h2>
      <div className="settings-grid">
        <label htmlFor={`${id}-cam`}>Camera</label>
        <select id={`${id}-cam`} value={cameraInUse ?? settings.cameraId ?? ""} onChange={(e) => change({ cameraId: e.target.value || null, facingMode: null })}>
          {cameras.length === 0 && <option value="">No camera</option>}
          {cameras.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-mic`}>Microphone</label>
        <select id={`${id}-mic`} value={micInUse ?? settings.micId ?? ""} onChange={(e) => change({ micId: e.target.value || null })}>
          {mics.length === 0 && <option value="">No microphone</option>}
          {mics.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
        {canPickSpeaker() && speakers.length > 0 && (
          <>
            <label htmlFor={`${id}-spk`}>Speaker</label>
            <select id={`${id}-spk`} value={sinkId} onChange={(e) => change({ speakerId: e.target.value || null })}>
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
        <label htmlFor={`${id}-res`}>Resolution</label>
        <select
          id={`${id}-res`}
          value={resolution}
          onChange={(e) => {
            const [width, height] = e.target.value.split("x").map(Number);
            change({ width, height });
          }}
        >
          {!RESOLUTIONS.some((r) => `${r.width}x${r.height}` === resolution) && <option value={resolution}>{resolution}</option>}
          {RESOLUTIONS.map((r) => (
            <option key={r.label} value={`${r.width}x${r.height}`}>
              {r.label} ({r.width}×{r.height})
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-fps`}>Frame rate</label>
        <select id={`${id}-fps`} value={settings.frameRate} onChange={(e) => change({ frameRate: Number(e.target.value) })}>
          {FRAME_RATES.map((f) => (
            <option key={f} value={f}>
              {f} fps
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-rate`}>Maximum bitrate</label>
        <select id={`${id}-rate`} value={settings.maxBitrateKbps} onChange={(e) => change({ maxBitrateKbps: Number(e.target.value) })}>
          {BITRATES_KBPS.map((b) => (
            <option key={b} value={b}>
              {b / 1000} Mbps
            </option>
          ))}
        </select>
      </div>
      {shape && <p className="hint">Your camera gives {shape}.</p>}
      <fieldset className="settings-audio">
        <legend>Sound</legend>
        {(
          [
            ["echoCancellation", "Echo cancellation"],
            ["noiseSuppression", "Noise suppression"],
            ["autoGainControl", "Automatic volume"],
          ] as const
        ).map(([key, label]) => (
          <label key={key}>
            <input type="checkbox" checked={settings[key]} onChange={(e) => change({ [key]: e.target.checked })} /> {label}
          </label>
        ))}
      </fieldset>
      <p className="hint">Changes apply at once, also during a call, and are remembered on this device.</p>
      <form method="dialog">
        <button type="submit" className="primary">
          Close
        </button>
      </form>
    </dialog>
  );
}
