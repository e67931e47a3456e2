import { useSelector } from "@xstate/react";
import { useRef, useState } from "react";
import { useCallActor } from "../call-context.tsx";
import type { CallContext, CallUiEvent } from "../../machines/call/call.ts";
import "../first-minute.css";
import { phaseOf } from "../selectors.ts";
import { ChatPanel } from "./ChatPanel.tsx";
import { DrawPanel } from "./DrawControls.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";
import { Controls } from "./Controls.tsx";
import { InfoDialog } from "./InfoDialog.tsx";
import { PeoplePanel } from "./People.tsx";
import { QualityIndicator } from "./QualityIndicator.tsx";
import { SettingsNotice } from "./SettingsNotice.tsx";
import { StatsPanel } from "./StatsPanel.tsx";
import { Stage } from "./Stage.tsx";
import { StatusBar } from "./StatusBar.tsx";
import { Toasts } from "./Toasts.tsx";

export function CallView() {
  const actor = useCallActor();
  const phase = useSelector(actor, phaseOf);
  const mediaIssue = useSelector(actor, (s) => s.context.local?.issue ?? null);
  const iceError = useSelector(actor, (s) => s.context.iceError);
  const outdated = useSelector(actor, (s) => s.context.outdated);
  const stageRef = useRef<HTMLDivElement>(null);
  const [infoOpen, setInfoOpen] = useState(false);
  const [peopleOpen, setPeopleOpen] = useState(false);

  return (
    <div className="call">
      <ErrorBoundary name="The call status" className="in-flow">
        <StatusBar onInfo={() => setInfoOpen(true)} />
      </ErrorBoundary>
      <div className="stage" ref={stageRef}>
        <Stage phase={phase} />
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
