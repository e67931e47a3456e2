import { useSelector } from "@xstate/react";
import { useRef, useState } from "react";
import { useCallActor } from "../call-context.tsx";
import "../first-minute.css";
import { callLink, mainPeer, phaseOf } from "../selectors.ts";
import { ChatPanel } from "./ChatPanel.tsx";
import { DrawPanel } from "./DrawControls.tsx";
import { DrawOverlay } from "./DrawOverlay.tsx";
import { Controls } from "./Controls.tsx";
import { InfoDialog } from "./InfoDialog.tsx";
import { LinkPanel } from "./LinkPanel.tsx";
import { useSharing, useSinkId } from "../media-hooks.ts";
import { QualityIndicator } from "./QualityIndicator.tsx";
import { SettingsNotice } from "./SettingsNotice.tsx";
import { StatsPanel } from "./StatsPanel.tsx";
import { ServerlessPanel } from "./ServerlessPanel.tsx";
import { StatusBar } from "./StatusBar.tsx";
import { Toasts } from "./Toasts.tsx";
import { Video } from "./Video.tsx";

export function CallView() {
  const actor = useCallActor();
  const phase = useSelector(actor, phaseOf);
  const localStream = useSelector(actor, (s) => s.context.local?.stream ?? null);
  const mediaIssue = useSelector(actor, (s) => s.context.local?.issue ?? null);
  const iceError = useSelector(actor, (s) => s.context.iceError);
  const camOn = useSelector(actor, (s) => s.context.camOn);
  const room = useSelector(actor, (s) => s.context.room);
  const peer = useSelector(actor, mainPeer);
  const sharing = useSharing();
  const sinkId = useSinkId();
  const stageRef = useRef<HTMLDivElement>(null);
  const [infoOpen, setInfoOpen] = useState(false);

  const remoteCamOff = peer !== null && !peer.video;
  const alone = phase === "waiting" || phase === "joining" || phase === "preparing";

  return (
    <div className="call">
      <StatusBar onInfo={() => setInfoOpen(true)} />
      <div className="stage" ref={stageRef}>
        <div className={`remote${peer?.stream ? "" : " empty"}`}>
          <Video stream={peer?.stream ?? null} label="Remote video" className="remote-video" sinkId={sinkId} />
          <DrawOverlay which="remote" />
          {peer && (remoteCamOff || !peer.audio || peer.screen) && (
            <div className="remote-flags" aria-live="polite">
              {remoteCamOff && <span className="flag">Their camera is off</span>}
              {!peer.audio && <span className="flag">Their microphone is muted</span>}
              {peer.screen && <span className="flag">They are sharing their screen</span>}
            </div>
          )}
          {alone && room && <LinkPanel link={callLink(room)} />}
          <ServerlessPanel />
        </div>
        <div className={`local${camOn ? "" : " off"}${sharing ? " sharing" : ""}`}>
          <Video stream={localStream} label="Your video" self className="local-video" />
          <DrawOverlay which="local" />
          {!camOn && <span className="flag">Camera off</span>}
        </div>
        <ChatPanel />
        <DrawPanel />
        <QualityIndicator />
        <StatsPanel />
        <PhaseOverlay phase={phase} />
        <Toasts />
      </div>
      {iceError && (
        <p className="notice" role="alert">
          {iceError.text}
        </p>
      )}
      {mediaIssue && (
        <p className="notice" role="alert">
          {mediaIssue.text}
        </p>
      )}
      <SettingsNotice />
      <Controls stageRef={stageRef} />
      {infoOpen && <InfoDialog onClose={() => setInfoOpen(false)} />}
    </div>
  );
}

function PhaseOverlay({ phase }: { phase: ReturnType<typeof phaseOf> }) {
  const actor = useCallActor();
  const error = useSelector(actor, (s) => s.context.error);
  const departure = useSelector(actor, (s) => s.context.departure);
  if (phase === "peerLeft") {
    return (
      <div className="overlay" role="dialog" aria-label="The other person left">
        <p>{departure?.reason === "left" ? "The other person hung up." : "The other person left the call."}</p>
        <p className="hint">If they come back, the call resumes by itself.</p>
        <div className="row">
          <button type="button" className="primary" onClick={() => actor.send({ type: "WAIT" })}>
            Wait for them
          </button>
          <button type="button" onClick={() => actor.send({ type: "EXIT" })}>
            Leave
          </button>
        </div>
      </div>
    );
  }
  if (phase === "ended") {
    return (
      <div className="overlay" role="dialog" aria-label="Call ended">
        <p>You left the call.</p>
        <div className="row">
          <button type="button" className="primary" onClick={() => actor.send({ type: "REJOIN" })}>
            Rejoin
          </button>
          <button type="button" onClick={() => actor.send({ type: "EXIT" })}>
            Back to start
          </button>
        </div>
      </div>
    );
  }
  if (phase === "failed") {
    return (
      <div className="overlay" role="dialog" aria-label="Could not join">
        <p>{error?.text ?? "The call could not be joined."}</p>
        <div className="row">
          <button type="button" className="primary" onClick={() => actor.send({ type: "REJOIN" })}>
            Try again
          </button>
          <button type="button" onClick={() => actor.send({ type: "EXIT" })}>
            Back to start
          </button>
        </div>
      </div>
    );
  }
  return null;
}
