/**
 * The call controls: one row that fits every width from 320 px (microphone, camera, chat, share
 * screen where the browser can, More, Leave); everything else is in More.
 */
import { useSelector } from "@xstate/react";
import { type RefObject, useState } from "react";
import { useCallActor } from "../call-context.tsx";
import "../controls.css";
import "../media.css";
import { useCanFlip, useMediaActor, useSharing, useStatsActor } from "../media-hooks.ts";
import { pipSupported, usePictureInPicture } from "../picture-in-picture.ts";
import { inRoomBeforeDevices, mainPeer } from "../selectors.ts";
import { nextCorner, selfCorner, setSelfCorner } from "../self-view.ts";
import { ChatButton } from "./Chat.tsx";
import { DrawButton } from "./Drawing.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";
import { Icon } from "./Icon.tsx";
import { MoreMenu } from "./MoreMenu.tsx";
import { PeopleButton } from "./PeopleButton.tsx";
import { Later, lazyPart } from "../lazy.tsx";

const SettingsDialog = lazyPart(() => import("./SettingsDialog.tsx").then((m) => m.SettingsDialog));

const canShareScreen = () => typeof navigator !== "undefined" && typeof navigator.mediaDevices?.getDisplayMedia === "function";

export function Controls({
  stageRef,
  hidden,
  people,
}: {
  stageRef: RefObject<HTMLDivElement | null>;
  /** Stepped aside on a phone (auto-hide.ts, with the top bar). */
  hidden: boolean;
  people: { open: boolean; toggle: () => void };
}) {
  const actor = useCallActor();
  const micOn = useSelector(actor, (s) => s.context.micOn);
  const camOn = useSelector(actor, (s) => s.context.camOn);
  const starting = useSelector(actor, inRoomBeforeDevices);
  const hasMic = useSelector(actor, (s) => (s.context.local?.stream?.getAudioTracks().length ?? 0) > 0) || starting;
  const hasCam = useSelector(actor, (s) => (s.context.local?.stream?.getVideoTracks().length ?? 0) > 0) || starting;
  const inRoom = useSelector(actor, (s) => s.matches("inRoom"));
  const [settingsOpen, setSettingsOpen] = useState(false);

  return (
    <div className={`controls-dock bar-dock${hidden ? " hidden" : ""}`} inert={hidden}>
      <nav className="controls" aria-label="Call controls">
        <button
          type="button"
          aria-pressed={micOn}
          disabled={!hasMic}
          title={hasMic ? (micOn ? "Mute" : "Unmute") : "No microphone"}
          onClick={() => actor.send({ type: "TOGGLE_MIC" })}
        >
          <Icon name={micOn ? "mic" : "micOff"} />
          <span className="label">Microphone</span>
        </button>
        <button
          type="button"
          aria-pressed={camOn}
          disabled={!hasCam}
          title={hasCam ? (camOn ? "Turn camera off" : "Turn camera on") : "No camera"}
          onClick={() => actor.send({ type: "TOGGLE_CAMERA" })}
        >
          <Icon name={camOn ? "camera" : "cameraOff"} />
          <span className="label">Camera</span>
        </button>
        <ChatButton />
        {canShareScreen() && <ShareButton />}
        <ErrorBoundary name="More controls" className="at-center">
          <MoreMenu>
            <MoreControls stageRef={stageRef} people={people} openSettings={() => setSettingsOpen(true)} />
          </MoreMenu>
        </ErrorBoundary>
        <button type="button" className="danger leave" title="Leave the call" onClick={() => actor.send(inRoom ? { type: "HANG_UP" } : { type: "EXIT" })}>
          <Icon name="hangup" />
          <span className="label">Leave</span>
        </button>
      </nav>
      {settingsOpen && (
        <ErrorBoundary name="Settings" className="at-center" onClose={() => setSettingsOpen(false)}>
          <Later>
            <SettingsDialog onClose={() => setSettingsOpen(false)} />
          </Later>
        </ErrorBoundary>
      )}
    </div>
  );
}

function ShareButton() {
  const media = useMediaActor();
  const active = useSelector(media, (s) => s?.matches("active") ?? false);
  const sharing = useSharing();
  return (
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
  );
}

/** What More holds: people, drawing, the other camera, settings, statistics, full screen, picture in picture. */
function MoreControls({
  stageRef,
  people,
  openSettings,
}: {
  stageRef: RefObject<HTMLDivElement | null>;
  people: { open: boolean; toggle: () => void };
  openSettings: () => void;
}) {
  const actor = useCallActor();
  const media = useMediaActor();
  const stats = useStatsActor();
  const canFlip = useCanFlip();
  const statsOpen = useSelector(stats, (s) => s?.context.open ?? false);
  const remoteVideo = useSelector(actor, (s) => (mainPeer(s)?.stream ?? null) !== null);
  const pip = usePictureInPicture(stageRef);

  // The whole call (stage, bars and controls) goes full screen, so leaving and chatting stay at hand.
  const fullScreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void stageRef.current?.closest<HTMLElement>(".call")?.requestFullscreen?.();
  };

  return (
    <>
      <PeopleButton open={people.open} onToggle={people.toggle} />
      <DrawButton />
      {canFlip && (
        <button type="button" title="Use the other camera" onClick={() => media?.send({ type: "MEDIA.FLIP_CAMERA" })}>
          <Icon name="switchCamera" />
          <span className="label">Switch camera</span>
        </button>
      )}
      <button type="button" title="Move your own picture to the next corner" onClick={() => setSelfCorner(nextCorner(selfCorner()))}>
        <Icon name="move" />
        <span className="label">Move self view</span>
      </button>
      <button type="button" title="Camera, microphone, speaker and quality" onClick={openSettings}>
        <Icon name="settings" />
        <span className="label">Settings</span>
      </button>
      <button
        type="button"
        className="media-toggle"
        aria-pressed={statsOpen}
        disabled={!stats}
        title={statsOpen ? "Hide call statistics" : "Show call statistics"}
        onClick={() => stats?.send({ type: "STATS.TOGGLE" })}
      >
        <Icon name="stats" />
        <span className="label">Stats</span>
      </button>
      <button type="button" title="The whole call in full screen" onClick={fullScreen}>
        <Icon name="fullscreen" />
        <span className="label">Full screen</span>
      </button>
      {pipSupported() && (
        <button
          type="button"
          className="media-toggle"
          aria-pressed={pip.active}
          disabled={!pip.active && !remoteVideo}
          title={pip.active ? "Picture in picture: back from the floating window" : "Picture in picture: keep the other person in a floating window"}
          onClick={pip.toggle}
        >
          <Icon name="pip" />
          <span className="label">Picture in picture</span>
        </button>
      )}
    </>
  );
}
