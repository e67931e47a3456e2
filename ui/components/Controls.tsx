import { useSelector } from "@xstate/react";
import { useRef, type RefObject } from "react";
import { useAutoHide } from "../auto-hide.ts";
import { useCallActor } from "../call-context.tsx";
import { pipSupported, usePictureInPicture } from "../picture-in-picture.ts";
import { mainPeer, phaseOf } from "../selectors.ts";
import { Icon } from "./Icon.tsx";
import { ChatButton } from "./ChatPanel.tsx";
import { DrawButton } from "./DrawControls.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";
import { PeopleButton } from "./People.tsx";
import { SettingsControls } from "./SettingsControls.tsx";

export function Controls({ stageRef, people }: { stageRef: RefObject<HTMLDivElement | null>; people: { open: boolean; toggle: () => void } }) {
  const actor = useCallActor();
  const micOn = useSelector(actor, (s) => s.context.micOn);
  const camOn = useSelector(actor, (s) => s.context.camOn);
  const hasMic = useSelector(actor, (s) => (s.context.local?.stream?.getAudioTracks().length ?? 0) > 0);
  const hasCam = useSelector(actor, (s) => (s.context.local?.stream?.getVideoTracks().length ?? 0) > 0);
  const inRoom = useSelector(actor, (s) => s.matches("inRoom"));
  const inCall = useSelector(actor, (s) => phaseOf(s) === "inCall");
  const remoteVideo = useSelector(actor, (s) => (mainPeer(s)?.stream ?? null) !== null);
  const dockRef = useRef<HTMLDivElement>(null);
  const hidden = useAutoHide(inCall, stageRef, dockRef);
  const pip = usePictureInPicture(stageRef);

  const fullScreen = () => {
    const remote = stageRef.current?.querySelector<HTMLElement>(".remote");
    if (document.fullscreenElement) void document.exitFullscreen();
    else void remote?.requestFullscreen?.();
  };

  return (
    <div className={`controls-dock${hidden ? " hidden" : ""}`} ref={dockRef} inert={hidden}>
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
        <PeopleButton open={people.open} onToggle={people.toggle} />
        <DrawButton />
        <ErrorBoundary name="Settings" className="at-center">
          <SettingsControls />
        </ErrorBoundary>
        <button type="button" className="compact" title="Full screen" onClick={fullScreen}>
          <Icon name="fullscreen" />
          <span className="label">Full screen</span>
        </button>
        {pipSupported() && (
          <button
            type="button"
            className="media-toggle compact"
            aria-pressed={pip.active}
            disabled={!pip.active && !remoteVideo}
            title={pip.active ? "Picture in picture: back from the floating window" : "Picture in picture: keep the other person in a floating window"}
            onClick={pip.toggle}
          >
            <Icon name="pip" />
            <span className="label">Picture in picture</span>
          </button>
        )}
        <button type="button" className="danger" disabled={!inRoom} onClick={() => actor.send({ type: "HANG_UP" })}>
          <Icon name="hangup" />
          <span className="label">Hang up</span>
        </button>
      </nav>
    </div>
  );
}
