import { useSelector } from "@xstate/react";
import { useCallActor } from "../call-context.tsx";
import { isEncrypted, phaseOf, statusText } from "../selectors.ts";
import { Icon } from "./Icon.tsx";
import { SECURE_TITLE } from "../quick-lobby.ts";

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
        <span className="badge secure" title={SECURE_TITLE}>
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
