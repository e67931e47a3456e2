/**
 * Media buttons in the call controls: Share screen (pressed while sharing), Switch camera (with
 * two cameras or a phone's front/back), Settings (the dialog) and Stats (pressed while shown).
 */
import { useSelector } from "@xstate/react";
import { useState } from "react";
import "../media.css";
import { useCanFlip, useMediaActor, useSharing, useStatsActor } from "../media-hooks.ts";
import { Icon } from "./Icon.tsx";
import { SettingsDialog } from "./SettingsDialog.tsx";

const canShareScreen = () => typeof navigator !== "undefined" && typeof navigator.mediaDevices?.getDisplayMedia === "function";

export function SettingsControls() {
  const media = useMediaActor();
  const stats = useStatsActor();
  const active = useSelector(media, (s) => s?.matches("active") ?? false);
  const sharing = useSharing();
  const canFlip = useCanFlip();
  const statsOpen = useSelector(stats, (s) => s?.context.open ?? false);
  const [settingsOpen, setSettingsOpen] = useState(false);

  return (
    <>
      {canShareScreen() && (
        <button
          type="button"
          className="media-toggle"
          aria-pressed={sharing}
          disabled={!active}
          title={sharing ? "Stop sharing your screen" : "Share your screen instead of your camera"}
          onClick={() => media?.send({ type: "MEDIA.TOGGLE_SCREEN" })}
        >
          <Icon name="screen" />
          <span className="label">Share screen</span>
        </button>
      )}
      {canFlip && (
        <button type="button" title="Use the other camera" onClick={() => media?.send({ type: "MEDIA.FLIP_CAMERA" })}>
          <Icon name="switchCamera" />
          <span className="label">Switch camera</span>
        </button>
      )}
      <button type="button" title="Camera, microphone, speaker and quality" onClick={() => setSettingsOpen(true)}>
        <Icon name="settings" />
        <span className="label">Settings</span>
      </button>
      <button
        type="button"
        className="media-toggle compact"
        aria-pressed={statsOpen}
        disabled={!stats}
        title={statsOpen ? "Hide call statistics" : "Show call statistics"}
        onClick={() => stats?.send({ type: "STATS.TOGGLE" })}
      >
        <Icon name="stats" />
        <span className="label">Stats</span>
      </button>
      {settingsOpen && <SettingsDialog onClose={() => setSettingsOpen(false)} />}
    </>
  );
}
