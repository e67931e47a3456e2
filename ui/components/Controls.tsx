import { useSelector } from "@xstate/react";
import type { RefObject } from "react";
import { useCallActor } from "../call-context.tsx";
import { Icon } from "./Icon.tsx";
import { ChatButton } from "./ChatPanel.tsx";
import { DrawButton } from "./DrawControls.tsx";
import { SettingsControls } from "./SettingsControls.tsx";

export function Controls({ stageRef }: { stageRef: RefObject<HTMLDivElement | null> }) {
  const actor = useCallActor();
  const micOn = useSelector(actor, (s) => s.context.micOn);
  const camOn = useSelector(actor, (s) => s.context.camOn);
  const hasMic = useSelector(actor, (s) => (s.context.local?.stream?.getAudioTracks().length ?? 0) > 0);
  const hasCam = useSelector(actor, (s) => (s.context.local?.stream?.getVideoTracks().length ?? 0) > 0);
  const inRoom = useSelector(actor, (s) => s.matches("inRoom"));

  const fullScreen = () => {
    const remote = stageRef.current?.querySelector<HTMLElement>(".remote");
    if (document.fullscreenElement) void document.exitFullscreen();
    else void remote?.requestFullscreen?.();
  };

  return (
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
      <DrawButton />
      <SettingsControls />
      <button type="button" onClick={fullScreen}>
        <Icon name="fullscreen" />
        <span className="label">Full screen</span>
      </button>
      <button type="button" className="danger" disabled={!inRoom} onClick={() => actor.send({ type: "HANG_UP" })}>
        <Icon name="hangup" />
        <span className="label">Hang up</span>
      </button>
    </nav>
  );
}
