/**
 * Our own picture over the stage, in one of its corners: dragged by pointer (mouse, finger or pen)
 * it follows, kept inside the stage, and snaps to the nearest corner on release; with focus, the
 * arrow keys move it; "Move self view" in More moves it too (self-view.ts keeps the corner).
 * With the camera off: our initials and "Camera off".
 */
import { useSelector } from "@xstate/react";
import { type KeyboardEvent, type PointerEvent, useRef, useState } from "react";
import { roomView } from "../../machines/call/roster.ts";
import { useSelfHeldOnRejoin } from "../after-picture.ts";
import { useCallActor } from "../call-context.tsx";
import { useSharing } from "../media-hooks.ts";
import { clampDrag, cornerAfterKey, nearestCorner, setSelfCorner, useSelfCorner } from "../self-view.ts";
import { Avatar } from "./Avatar.tsx";
import { DrawingLayer } from "./Drawing.tsx";
import { ErrorBoundary } from "./ErrorBoundary.tsx";
import { Video } from "./Video.tsx";

/** A press that moves less than this is a tap, not a drag. */
const DRAG_SLOP_PX = 6;
/** How close to the stage's edges a dragged view may come. */
const EDGE_PX = 4;

interface Drag {
  pointer: number;
  x: number;
  y: number;
  moved: boolean;
  view: DOMRect;
  stage: DOMRect;
}

export function SelfView() {
  const actor = useCallActor();
  const localStream = useSelector(actor, (s) => s.context.local?.stream ?? null);
  const camOn = useSelector(actor, (s) => s.context.camOn);
  const micOn = useSelector(actor, (s) => s.context.micOn);
  const name = useSelector(actor, (s) => s.context.name);
  // In the call before the camera and microphone have opened (Join pressed while they started, or a refresh back in its seat).
  const starting = useSelector(actor, (s) => s.matches("inRoom") && s.context.local === null);
  // Alone once the server has answered our join (before it, the room's people are not known yet).
  const alone = useSelector(actor, (s) => s.matches("inRoom") && s.context.self !== null && roomView(s.context.peers, s.context.departure) === "waiting");
  const held = useSelfHeldOnRejoin(actor.getSnapshot().context.token !== null, alone);
  const sharing = useSharing();
  const corner = useSelfCorner();
  const ref = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);
  const [offset, setOffset] = useState<{ dx: number; dy: number } | null>(null);

  const start = (e: PointerEvent<HTMLDivElement>) => {
    const stage = e.currentTarget.parentElement;
    // Drawing on our own picture is not a drag.
    if (!e.isPrimary || e.button !== 0 || !stage || (e.target as Element).closest(".drawing-on")) return;
    drag.current = {
      pointer: e.pointerId,
      x: e.clientX,
      y: e.clientY,
      moved: false,
      view: e.currentTarget.getBoundingClientRect(),
      stage: stage.getBoundingClientRect(),
    };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const move = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || d.pointer !== e.pointerId) return;
    const [dx, dy] = [e.clientX - d.x, e.clientY - d.y];
    if (!d.moved && Math.hypot(dx, dy) < DRAG_SLOP_PX) return;
    d.moved = true;
    setOffset(clampDrag(dx, dy, d.view, d.stage, EDGE_PX));
  };
  const end = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || d.pointer !== e.pointerId) return;
    drag.current = null;
    if (d.moved && e.type === "pointerup") {
      const r = e.currentTarget.getBoundingClientRect();
      setSelfCorner(nearestCorner(r.left + r.width / 2 - d.stage.left, r.top + r.height / 2 - d.stage.top, d.stage.width, d.stage.height));
    }
    setOffset(null);
  };
  const key = (e: KeyboardEvent<HTMLDivElement>) => {
    const next = e.target === e.currentTarget ? cornerAfterKey(corner, e.key) : null;
    if (!next) return;
    e.preventDefault();
    setSelfCorner(next);
  };

  return (
    <div
      ref={ref}
      className={`local${camOn ? "" : " off"}${sharing ? " sharing" : ""}${offset ? " dragging" : ""}`}
      data-corner={corner}
      role="group"
      aria-label="Self view (arrow keys move it to another corner)"
      tabIndex={0}
      style={offset ? { transform: `translate(${offset.dx}px, ${offset.dy}px)` } : undefined}
      onPointerDown={start}
      onPointerMove={move}
      onPointerUp={end}
      onPointerCancel={end}
      onKeyDown={key}
    >
      <ErrorBoundary name="Your video" className="at-top-left">
        <Video stream={localStream} label="Your video" self className="local-video" still={held} />
      </ErrorBoundary>
      <ErrorBoundary name="Your drawing" className="at-top-left">
        <DrawingLayer which="local" />
      </ErrorBoundary>
      {(!camOn || starting) && (
        <Avatar name={name || null} colourKey={name || "self"} micOff={!micOn}>
          <span className="flag">{camOn ? "Camera starting…" : "Camera off"}</span>
        </Avatar>
      )}
    </div>
  );
}
