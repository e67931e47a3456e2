/**
 * Settings in three sections: Audio (microphone, speaker, sound processing), Video (camera,
 * background, quality in words) and Advanced (the raw numbers, relay only). Every change goes to
 * the local media machine at once (it applies mid-call and remembers it for next time).
 */
import { useSelector } from "@xstate/react";
import { useEffect, useId, useMemo, useRef } from "react";
import { BITRATES_KBPS, FRAME_RATES, presetChange, presetOf, QUALITY_PRESETS, RESOLUTIONS, type MediaSettings } from "../../machines/media/settings.ts";
import { useMicLevel } from "../audio-level.ts";
import { useCallActor } from "../call-context.tsx";
import { useMediaActor, useMeteredMic } from "../media-hooks.ts";
import { BackgroundPicker } from "./BackgroundPicker.tsx";
import { DevicePickers } from "./DevicePickers.tsx";
import { NoiseSuppressionSwitch } from "./NoiseSuppressionSwitch.tsx";
import { Video } from "./Video.tsx";

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

  const stream = useSelector(call, (s) => s.context.local?.stream ?? null);
  const micOn = useSelector(call, (s) => s.context.micOn);
  const camOn = useSelector(call, (s) => s.context.camOn);
  // While sharing the screen our video is the screen: the preview shows the camera itself.
  const sharing = useSelector(call, (s) => s.context.local?.sharing ?? false);
  const camera = useSelector(media, (s) => s?.context.camera ?? null);
  const preview = useMemo(() => (sharing ? (camera ? new MediaStream([camera]) : null) : stream), [sharing, camera, stream]);
  const hasCam = (preview?.getVideoTracks().length ?? 0) > 0;
  const level = useMicLevel(useMeteredMic());

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  if (!settings) return null;
  const change = (c: Partial<MediaSettings>) => media?.send({ type: "MEDIA.SETTINGS", change: c });
  const resolution = `${settings.width}x${settings.height}`;
  const preset = presetOf(settings);

  return (
    <dialog ref={ref} className="info settings" aria-labelledby={`${id}-title`} onClose={onClose}>
      <header className="dialog-head">
        <h2 id={`${id}-title`}>Settings</h2>
        <form method="dialog">
          <button type="submit" className="dialog-x" aria-label="Close" title="Close">
            ✕
          </button>
        </form>
      </header>
      <section aria-labelledby={`${id}-audio`}>
        <h3 id={`${id}-audio`}>Audio</h3>
        <div className="settings-grid">
          <DevicePickers idPrefix={id} only="audio" />
        </div>
        <div className="meter-row">
          <span id={`${id}-meter`}>Microphone level</span>
          <meter aria-labelledby={`${id}-meter`} min={0} max={1} low={0.1} high={0.85} optimum={0.5} value={micOn ? level : 0} />
        </div>
        {!micOn && <p className="hint">Your microphone is muted.</p>}
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
      </section>
      <section aria-labelledby={`${id}-video`}>
        <h3 id={`${id}-video`}>Video</h3>
        <div className="settings-preview">
          <Video stream={preview} label="Camera preview" self className="local-video" />
          {!hasCam ? <p className="lobby-cam-off">No camera</p> : !camOn && !sharing && <p className="lobby-cam-off">Your camera is off</p>}
        </div>
        <div className="settings-grid">
          <DevicePickers idPrefix={id} only="video" />
          <BackgroundPicker idPrefix={id} />
        </div>
        <fieldset className="settings-quality">
          <legend>Quality</legend>
          {QUALITY_PRESETS.map((p) => (
            <label key={p.id}>
              <input type="radio" name={`${id}-quality`} checked={preset?.id === p.id} onChange={() => change(presetChange(p))} />
              <span>
                {p.label}
                <small className="hint">{p.hint}</small>
              </span>
            </label>
          ))}
          {!preset && <p className="hint">Your own choice (see Advanced).</p>}
        </fieldset>
        {shape && <p className="hint">Your camera gives {shape}.</p>}
      </section>
      <section aria-labelledby={`${id}-advanced`}>
        <h3 id={`${id}-advanced`}>Advanced</h3>
        <div className="settings-grid">
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
        <fieldset className="settings-audio">
          <legend>Privacy</legend>
          <label>
            <input type="checkbox" checked={relayOnly} onChange={(e) => call.send({ type: "SET_RELAY_ONLY", on: e.target.checked })} /> Relay only
          </label>
          <p className="hint">
            Connects only through the relay server, so the other person never sees your IP address. Needs a relay (TURN) server; applies from the next
            connection.
          </p>
        </fieldset>
      </section>
      <p className="hint">Changes apply at once, also during a call, and are remembered on this device.</p>
    </dialog>
  );
}
