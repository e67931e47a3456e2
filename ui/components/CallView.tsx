import { useSelector } from "@xstate/react";
import { type CSSProperties, useRef, useState } from "react";
import { useCallActor } from "../call-context.tsx";
import type { CallContext, CallUiEvent } from "../../machines/call/call.ts";
import "../first-minute.css";
import { callLink, displayName, participantIds, phaseOf, sameIds, type Phase } from "../selectors.ts";
import { ChatPanel } from "./ChatPanel.tsx";
import { DrawPanel } from "./DrawControls.tsx";
import { DrawOverlay } from "./DrawOverlay.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";
import { Controls } from "./Controls.tsx";
import { InfoDialog } from "./InfoDialog.tsx";
import { LinkPanel } from "./LinkPanel.tsx";
import { PeoplePanel } from "./People.tsx";
import { useSharing, useSinkId } from "../media-hooks.ts";
import { QualityIndicator } from "./QualityIndicator.tsx";
import { SettingsNotice } from "./SettingsNotice.tsx";
import { StatsPanel } from "./StatsPanel.tsx";
import { ServerlessPanel } from "./ServerlessPanel.tsx";
import { StatusBar } from "./StatusBar.tsx";
import { Toasts } from "./Toasts.tsx";
import { Video } from "./Video.tsx";

/**
 * Columns for `n` tiles: as square a grid as fits a wide window, and fewer, taller rows' worth
 * on a tall one (a phone held upright shows one or two columns).
 */
export function gridFor(n: number): CSSProperties {
  const wide = Math.ceil(Math.sqrt(n));
  const tall = n <= 2 ? 1 : n <= 8 ? 2 : 3;
  return { "--cols-wide": wide, "--cols-tall": tall } as CSSProperties;
}

export function CallView() {
  const actor = useCallActor();
  const phase = useSelector(actor, phaseOf);
  const localStream = useSelector(actor, (s) => s.context.local?.stream ?? null);
  const mediaIssue = useSelector(actor, (s) => s.context.local?.issue ?? null);
  const iceError = useSelector(actor, (s) => s.context.iceError);
  const outdated = useSelector(actor, (s) => s.context.outdated);
  const camOn = useSelector(actor, (s) => s.context.camOn);
  const ids = useSelector(actor, participantIds, sameIds);
  const sharing = useSharing();
  const stageRef = useRef<HTMLDivElement>(null);
  const [infoOpen, setInfoOpen] = useState(false);
  const [peopleOpen, setPeopleOpen] = useState(false);

  return (
    <div className="call">
      <ErrorBoundary name="The call status" className="in-flow">
        <StatusBar onInfo={() => setInfoOpen(true)} />
      </ErrorBoundary>
      <div className="stage" ref={stageRef}>
        {/* One tile per participant, in a grid that fits the window (an empty one with the call link while nobody is here). */}
        <div className="tiles" style={gridFor(Math.max(1, ids.length))}>
          {(ids.length > 0 ? ids : [null]).map((id, i) => (
            // The first tile keeps its place (and its video element) as people come and go.
            <RemoteTile key={i === 0 ? "first" : id} id={id} first={i === 0} phase={phase} />
          ))}
        </div>
        {phase !== "ended" &&
          phase !== "failed" && ( // out of the call the camera is off: no empty self view
            <div className={`local${camOn ? "" : " off"}${sharing ? " sharing" : ""}`}>
              <ErrorBoundary name="Your video" className="at-top-left">
                <Video stream={localStream} label="Your video" self className="local-video" />
              </ErrorBoundary>
              <ErrorBoundary name="Your drawing" className="at-top-left">
                <DrawOverlay which="local" />
              </ErrorBoundary>
              {!camOn && <span className="flag">Camera off</span>}
            </div>
          )}
        <ChatPanel />
        {peopleOpen && (
          <ErrorBoundary name="People" className="at-top-right" onClose={() => setPeopleOpen(false)}>
            <PeoplePanel onClose={() => setPeopleOpen(false)} />
          </ErrorBoundary>
        )}
        <ErrorBoundary name="Drawing tools" className="at-top-left">
          <DrawPanel />
        </ErrorBoundary>
        <ErrorBoundary name="Call quality" className="at-top-right">
          <QualityIndicator />
        </ErrorBoundary>
        <ErrorBoundary name="Call statistics" className="at-top-right">
          <StatsPanel />
        </ErrorBoundary>
        <ErrorBoundary name="The call's state" className="at-center">
          <PhaseOverlay phase={phase} />
        </ErrorBoundary>
        <ErrorBoundary name="Notifications" className="at-top-left">
          <Toasts />
        </ErrorBoundary>
      </div>
      {iceError && (
        <p className="notice" role="alert">
          {iceError.text}
        </p>
      )}
      {outdated && (
        <p className="notice" role="alert">
          OneLink has been updated. Your call goes on; reload the page after it to reconnect to the server.
        </p>
      )}
      {mediaIssue && (
        <p className="notice" role="alert">
          {mediaIssue.text}
        </p>
      )}
      <ErrorBoundary name="The settings notice" className="in-flow">
        <SettingsNotice />
      </ErrorBoundary>
      <ErrorBoundary name="The call controls" className="in-flow">
        <Controls stageRef={stageRef} people={{ open: peopleOpen, toggle: () => setPeopleOpen((open) => !open) }} />
      </ErrorBoundary>
      {infoOpen && (
        <ErrorBoundary name="Information" className="at-center" onClose={() => setInfoOpen(false)}>
          <InfoDialog onClose={() => setInfoOpen(false)} />
        </ErrorBoundary>
      )}
    </div>
  );
}

/** A participant's video, their drawing and what they have turned off; the first tile also holds the call link and codes. */
function RemoteTile({ id, first, phase }: { id: string | null; first: boolean; phase: Phase }) {
  const actor = useCallActor();
  const peer = useSelector(actor, (s) => (id ? (s.context.peers[id] ?? null) : null));
  const name = useSelector(actor, (s) => (id ? displayName(s, id) : null));
  const room = useSelector(actor, (s) => s.context.room);
  const secret = useSelector(actor, (s) => s.context.secret);
  const sinkId = useSinkId();
  const remoteCamOff = peer !== null && !peer.video;
  const alone = phase === "waiting" || phase === "joining" || phase === "preparing";
  return (
    <div className={`remote${peer?.stream ? "" : " empty"}`}>
      <ErrorBoundary name="The other person's video" className="at-center">
        <Video stream={peer?.stream ?? null} label={name ? `Remote video: ${name}` : "Remote video"} className="remote-video" sinkId={sinkId} />
      </ErrorBoundary>
      <ErrorBoundary name="The drawing" className="at-top-left">
        <DrawOverlay which="remote" peer={id} />
      </ErrorBoundary>
      {peer && name && (
        <span className="name-tag" aria-hidden="true">
          {name}
        </span>
      )}
      {peer && (remoteCamOff || !peer.audio || peer.screen) && (
        <div className="remote-flags" aria-live="polite">
          {remoteCamOff && <span className="flag">Their camera is off</span>}
          {!peer.audio && <span className="flag">Their microphone is muted</span>}
          {peer.screen && <span className="flag">They are sharing their screen</span>}
        </div>
      )}
      {first && alone && room && (
        <ErrorBoundary name="The call link" className="at-center">
          <LinkPanel link={callLink(room, secret)} encrypted={secret !== null} />
        </ErrorBoundary>
      )}
      {first && (
        <ErrorBoundary name="The connection codes" className="at-center">
          <ServerlessPanel />
        </ErrorBoundary>
      )}
    </div>
  );
}

type Choice = { label: string; event: CallUiEvent };
interface OverlayView {
  name: string;
  text: string;
  hint?: string;
  primary: Choice;
  secondary: Choice;
}

/** What to offer when the call is not going on: after the other person left, after hanging up, after a failure. */
function overlayFor(phase: ReturnType<typeof phaseOf>, departure: CallContext["departure"], error: CallContext["error"]): OverlayView | null {
  switch (phase) {
    case "peerLeft":
      return {
        name: "The other person left",
        text: `${departure?.name ?? "The other person"} ${departure?.reason === "left" ? "hung up" : "left the call"}.`,
        hint: "If they come back, the call resumes by itself.",
        primary: { label: "Wait for them", event: { type: "WAIT" } },
        secondary: { label: "Leave", event: { type: "EXIT" } },
      };
    case "ended":
      return {
        name: "Call ended",
        text: "You left the call.",
        primary: { label: "Rejoin", event: { type: "REJOIN" } },
        secondary: { label: "Back to start", event: { type: "EXIT" } },
      };
    case "failed":
      return {
        name: "Could not join",
        text: error?.text ?? "The call could not be joined.",
        // A page older than the server cannot join again until it is reloaded.
        primary: error?.code === "bad-version" ? { label: "Reload page", event: { type: "RELOAD" } } : { label: "Try again", event: { type: "REJOIN" } },
        secondary: { label: "Back to start", event: { type: "EXIT" } },
      };
    default:
      return null;
  }
}

function PhaseOverlay({ phase }: { phase: ReturnType<typeof phaseOf> }) {
  const actor = useCallActor();
  const error = useSelector(actor, (s) => s.context.error);
  const departure = useSelector(actor, (s) => s.context.departure);
  const view = overlayFor(phase, departure, error);
  if (!view) return null;
  return (
    <div className="overlay" role="dialog" aria-label={view.name}>
      <p>{view.text}</p>
      {view.hint && <p className="hint">{view.hint}</p>}
      <div className="row">
        <button type="button" className="primary" onClick={() => actor.send(view.primary.event)}>
          {view.primary.label}
        </button>
        <button type="button" onClick={() => actor.send(view.secondary.event)}>
          {view.secondary.label}
        </button>
      </div>
    </div>
  );
}
