import { useSelector } from "@xstate/react";
import { memo, useCallback, useEffect, useRef, useState } from "react";
import { useCallActor, watchSelected } from "../call-context.tsx";
import { awaitingPicture, PANELS_AFTER_PICTURE_MS, PICTURE_AWAITED_MS, pictureShown } from "../../machines/answer-first.ts";
import type { CallContext, CallUiEvent } from "../../machines/call/call.ts";
import "../first-minute.css";
import { type NewsFeed, useAutoHide } from "../auto-hide.ts";
import { type Phase, phaseOf, statusText } from "../selectors.ts";
import { Chat } from "./Chat.tsx";
import { DrawingTools } from "./Drawing.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";
import { Controls } from "./Controls.tsx";
import { QualityIndicator } from "./QualityIndicator.tsx";
import { SettingsNotice } from "./SettingsNotice.tsx";
import { Stage } from "./Stage.tsx";
import { StatusBar } from "./StatusBar.tsx";
import { Toasts } from "./Toasts.tsx";
import { Later, lazyPart, preloadLazyParts } from "../lazy.tsx";
import { useStatsActor } from "../media-hooks.ts";

const InfoDialog = lazyPart(() => import("./InfoDialog.tsx").then((m) => m.InfoDialog));
const PeoplePanel = lazyPart(() => import("./People.tsx").then((m) => m.PeoplePanel));
const StatsPanel = lazyPart(() => import("./StatsPanel.tsx").then((m) => m.StatsPanel));

/** The statistics panel's code is fetched when it is first opened. */
function StatsWhenOpen() {
  const open = useSelector(useStatsActor(), (s) => s?.context.open ?? false);
  return open ? (
    <Later>
      <StatsPanel />
    </Later>
  ) : null;
}

/**
 * The call: the stage and what is around it. It renders when its own selections change; a new
 * status line is heard (for the bars on phones) without rendering it, so the stage and its tiles
 * do not render again for a word in the status bar.
 */
export const CallView = memo(function CallView() {
  const actor = useCallActor();
  const phase = useSelector(actor, phaseOf);
  const mediaIssue = useSelector(actor, (s) => s.context.local?.issue ?? null);
  const iceError = useSelector(actor, (s) => s.context.iceError);
  const outdated = useSelector(actor, (s) => s.context.outdated);
  const stageRef = useRef<HTMLDivElement>(null);
  const callRef = useRef<HTMLDivElement>(null);
  const statusNews = useCallback<NewsFeed>((listener) => watchSelected(actor, statusText, listener), [actor]);
  // On phones the top bar and the controls hide together, and come back together.
  const barsHidden = useAutoHide(phase === "inCall", stageRef, callRef, statusNews);
  const [infoOpen, setInfoOpen] = useState(false);
  const [peopleOpen, setPeopleOpen] = useState(false);
  const length = useCallLength(phase);
  // After the call (or a failure) the overlay's choices are the only controls: no half-disabled bar.
  const over = phase === "ended" || phase === "failed";
  usePreloadOnceInCall(phase);

  return (
    <div className="call" ref={callRef}>
      <div className={`bar-dock top-dock${barsHidden ? " hidden" : ""}`} inert={barsHidden}>
        <ErrorBoundary name="The call status" className="in-flow">
          <StatusBar onInfo={() => setInfoOpen(true)} />
        </ErrorBoundary>
      </div>
      <div className="stage" ref={stageRef}>
        <Stage phase={phase} />
        <ErrorBoundary name="Chat" className="at-top-right">
          <Chat />
        </ErrorBoundary>
        {peopleOpen && (
          <ErrorBoundary name="People" className="at-top-right" onClose={() => setPeopleOpen(false)}>
            <Later>
              <PeoplePanel onClose={() => setPeopleOpen(false)} />
            </Later>
          </ErrorBoundary>
        )}
        <ErrorBoundary name="Drawing tools" className="at-top-left">
          <DrawingTools />
        </ErrorBoundary>
        <ErrorBoundary name="Call quality" className="at-top-right">
          <QualityIndicator />
        </ErrorBoundary>
        <ErrorBoundary name="Call statistics" className="at-top-right">
          <StatsWhenOpen />
        </ErrorBoundary>
        {/* Only when the call is not going on: its selections are not made in the call's first render. */}
        {(phase === "peerLeft" || phase === "ended" || phase === "failed") && (
          <ErrorBoundary name="The call's state" className="at-center">
            <PhaseOverlay phase={phase} length={length} />
          </ErrorBoundary>
        )}
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
      {!over && (
        <ErrorBoundary name="The call controls" className="in-flow">
          <Controls stageRef={stageRef} hidden={barsHidden} people={{ open: peopleOpen, toggle: () => setPeopleOpen((open) => !open) }} />
        </ErrorBoundary>
      )}
      {infoOpen && (
        <ErrorBoundary name="Information" className="at-center" onClose={() => setInfoOpen(false)}>
          <Later>
            <InfoDialog onClose={() => setInfoOpen(false)} />
          </Later>
        </ErrorBoundary>
      )}
    </div>
  );
});

/**
 * The panels' and dialogs' code (chat, drawing, people, settings…), fetched once the call shows
 * someone, so that they open at once when used (one opened sooner fetches its own): on either side
 * a second after the other person's first picture (machines/answer-first.ts `pictureShown`), or
 * PICTURE_AWAITED_MS into the call if none shows. Evaluating them held the joiner's main thread
 * between the connection and that picture, and the answerer's, whose own picture comes first,
 * while the joiner's way to its picture shared the machine (bench/join, wt-join6).
 */
function usePreloadOnceInCall(phase: Phase) {
  useEffect(() => {
    if (phase !== "inCall") return;
    return pictureShown.after(() => awaitingPicture.after(preloadLazyParts), PANELS_AFTER_PICTURE_MS, PICTURE_AWAITED_MS);
  }, [phase]);
}

/** How long the last call went on with someone, in ms, once it has ended; null before or if nobody came. */
function useCallLength(phase: Phase): number | null {
  const since = useRef<number | null>(null);
  const [length, setLength] = useState<number | null>(null);
  useEffect(() => {
    if (phase === "inCall" && since.current === null) since.current = Date.now();
    else if (phase === "ended") {
      setLength(since.current === null ? null : Date.now() - since.current);
      since.current = null;
    } else if (phase === "preparing") setLength(null);
  }, [phase]);
  return length;
}

/** 75 000 ms as "1:15", an hour and more as "1:02:05". */
export function formatLength(ms: number): string {
  const total = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** A button of the overlay: its events are sent in order. */
type Choice = { label: string; event: CallUiEvent | CallUiEvent[] };
interface OverlayView {
  name: string;
  text: string;
  hint?: string;
  primary: Choice;
  secondary?: Choice;
}

/** What to offer when the call is not going on: after the other person left, after hanging up, after a failure. */
function overlayFor(
  phase: Phase,
  departure: CallContext["departure"],
  error: CallContext["error"],
  length: number | null,
  serverless: boolean,
): OverlayView | null {
  switch (phase) {
    case "peerLeft":
      // Nothing carries a refreshed page back into a call without a server: say so, and offer the way back.
      if (serverless)
        return {
          name: "The other person left",
          text: `${departure?.name ?? "The other person"} ${departure?.reason === "left" ? "hung up" : "left the call"}.`,
          hint: "A call without a server cannot resume by itself. To talk again, make a new code and send it to them.",
          primary: { label: "Make a new code", event: [{ type: "EXIT" }, { type: "START_SERVERLESS", role: "offerer" }] },
        };
      return {
        name: "The other person left",
        text: `${departure?.name ?? "The other person"} ${departure?.reason === "left" ? "hung up" : "left the call"}.`,
        hint: "If they come back, the call resumes by itself. Stay to wait for them, or press Leave.",
        primary: { label: "Stay", event: { type: "WAIT" } },
      };
    case "ended":
      return {
        name: "Call ended",
        text: "You left the call.",
        hint: length === null ? undefined : `Call length ${formatLength(length)}`,
        primary: { label: "Rejoin", event: { type: "REJOIN" } },
        secondary: { label: "Home", event: { type: "EXIT" } },
      };
    case "failed":
      return {
        name: "Could not join",
        text: error?.text ?? "The call could not be joined.",
        // A page older than the server cannot join again until it is reloaded.
        primary: error?.code === "bad-version" ? { label: "Reload page", event: { type: "RELOAD" } } : { label: "Try again", event: { type: "REJOIN" } },
        secondary: { label: "Home", event: { type: "EXIT" } },
      };
    default:
      return null;
  }
}

function PhaseOverlay({ phase, length }: { phase: Phase; length: number | null }) {
  const actor = useCallActor();
  const error = useSelector(actor, (s) => s.context.error);
  const departure = useSelector(actor, (s) => s.context.departure);
  const serverless = useSelector(actor, (s) => s.context.serverless !== null);
  const view = overlayFor(phase, departure, error, length, serverless);
  if (!view) return null;
  const { secondary } = view;
  const choose = ({ event }: Choice) => {
    for (const e of Array.isArray(event) ? event : [event]) actor.send(e);
  };
  return (
    <div className="overlay" role="dialog" aria-label={view.name}>
      <p>{view.text}</p>
      {view.hint && <p className="hint">{view.hint}</p>}
      <div className="row">
        <button type="button" className="primary" onClick={() => choose(view.primary)}>
          {view.primary.label}
        </button>
        {secondary && (
          <button type="button" onClick={() => choose(secondary)}>
            {secondary.label}
          </button>
        )}
      </div>
    </div>
  );
}
