/**
 * The call stage: one tile per participant and our own self view. What is around it (bars,
 * panels, dialogs) lives in CallView.
 */
import { useSelector } from "@xstate/react";
import type { CSSProperties } from "react";
import { useCallActor } from "../call-context.tsx";
import { useSharing, useSinkId } from "../media-hooks.ts";
import { callLink, displayName, participantIds, sameIds, type Phase } from "../selectors.ts";
import { DrawOverlay } from "./DrawOverlay.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";
import { LinkPanel } from "./LinkPanel.tsx";
import { ServerlessPanel } from "./ServerlessPanel.tsx";
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

/** The participants' tiles and our self view (none once the call is over: the camera is off then). */
export function Stage({ phase }: { phase: Phase }) {
  const actor = useCallActor();
  const localStream = useSelector(actor, (s) => s.context.local?.stream ?? null);
  const camOn = useSelector(actor, (s) => s.context.camOn);
  const ids = useSelector(actor, participantIds, sameIds);
  const sharing = useSharing();
  return (
    <>
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
    </>
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
