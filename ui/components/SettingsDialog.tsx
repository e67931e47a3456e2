/**
 * Settings: camera, microphone, speaker, video shape and bitrate, audio processing. Every change
 * goes to the local media machine at once (it applies mid-call and remembers it for next time).
 */
import { useSelector } from "@xstate/react";
import { useEffect, useId, useRef } from "react";
import { BITRATES_KBPS, FRAME_RATES, RESOLUTIONS, type MediaSettings } from "../../machines/media/settings.ts";
import { useCallActor } from "../call-context.tsx";
import { useMediaActor } from "../media-hooks.ts";
import { BackgroundPicker } from "./BackgroundPicker.tsx";
import { DevicePickers } from "./DevicePickers.tsx";
import { DialogClose } from "./DialogClose.tsx";
import { NoiseSuppressionSwitch } from "./NoiseSuppressionSwitch.tsx";

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const media = useMediaActor();
  const call = useCallActor();
  const relayOnly = useSelector(call, (s) => s.context.relayOnly);
  const settings = useSelector(media, (s) => s?.context.settings);
  const shape = useSelector(media, (s) => {
    const got = s?.context.camera?.getSettings();
    return got?.width ? `${got.width}×${got.height} at ${Math.round(got.frameRate ?? 0)} fps` : null;
  });

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  if (!settings) return null;
  const change = (c: Partial<MediaSettings>) => media?.send({ type: "MEDIA.SETTINGS", change: c });
  const resolution = `${settings.width}x${settings.height}`;

  return (
    <dialog ref={ref} className="info settings" aria-labelledby={`${id}-title`} onClose={onClose}>
      <h2 id={`${id}-title`}>Settings</h2>
      <div className="settings-grid">
        <DevicePickers idPrefix={id} />
        <BackgroundPicker idPrefix={id} />
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
            ["noiseSuppression", "Browser noise filter"],
            ["autoGainControl", "Automatic volume"],
          ] as const
        ).map(([key, label]) => (
          <label key={key}>
            <input type="checkbox" checked={settings[key]} onChange={(e) => change({ [key]: e.target.checked })} /> {label}
          </label>
        ))}
        <NoiseSuppressionSwitch on={settings.denoise} onChange={(denoise) => change({ denoise })} />
      </fieldset>
      <fieldset className="settings-audio">
        <legend>Privacy</legend>
        <label>
          <input type="checkbox" checked={relayOnly} onChange={(e) => call.send({ type: "SET_RELAY_ONLY", on: e.target.checked })} /> Relay only
        </label>
        <p className="hint">
          Connects only through the relay server, so the other person never sees your IP address. Needs a relay (TURN) server; applies from the next connection.
        </p>
      </fieldset>
      <p className="hint">Changes apply at once, also during a call, and are remembered on this device.</p>
      <DialogClose />
    </dialog>
  );
}
