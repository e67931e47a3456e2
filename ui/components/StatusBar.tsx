import { useSelector } from "@xstate/react";
import { useCallActor } from "../call-context.tsx";
import { isEncrypted, phaseOf, statusText } from "../selectors.ts";
import { Icon } from "./Icon.tsx";

export function StatusBar({ onInfo }: { onInfo: () => void }) {
  const actor = useCallActor();
  const status = useSelector(actor, statusText);
  const phase = useSelector(actor, phaseOf);
  const encrypted = useSelector(actor, isEncrypted);
  const offline = useSelector(actor, (s) => s.matches("inRoom") && !s.context.signalingOnline && phase !== "joining");

  return (
    <header className="topbar">
      <span className={`dot ${phase}`} aria-hidden="true" />
      <p role="status" className="status">
        {status}
      </p>
      {encrypted && (
        <span
          className="badge secure"
          title="Video, sound and messages can be read only by the people with this call's link, also in a group call through the media server."
        >
          <Icon name="lock" />
          <span className="badge-text">End-to-end encrypted</span>
        </span>
      )}
      {offline && <span className="badge warn">Signaling offline: your call continues</span>}
      <span className="spacer" />
      <button type="button" onClick={onInfo}>
        Info
      </button>
    </header>
  );
}
