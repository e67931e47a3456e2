/**
 * Pre-join: someone opening a call link sees themselves, checks their microphone and devices,
 * then joins. (A refresh mid-call skips this: the seat is taken back automatically.)
 */
import { useSelector } from "@xstate/react";
import { useId, useState } from "react";
import { useMicLevel } from "../audio-level.ts";
import { useCallActor } from "../call-context.tsx";
import { BackgroundPicker } from "./BackgroundPicker.tsx";
import { DevicePickers } from "./DevicePickers.tsx";
import { StatusBar } from "./StatusBar.tsx";
import { Video } from "./Video.tsx";
import { InfoDialog } from "./InfoDialog.tsx";
import { isEncrypted } from "../selectors.ts";
import { NoKeyNotice } from "./NoKeyNotice.tsx";

import { NameField } from "./People.tsx";

export function Lobby() {
  const actor = useCallActor();
  const id = useId();
  const stream = useSelector(actor, (s) => s.context.local?.stream ?? null);
  const issue = useSelector(actor, (s) => s.context.local?.issue ?? null);
  const encrypted = useSelector(actor, isEncrypted);
  const level = useMicLevel(stream);
  const [infoOpen, setInfoOpen] = useState(false);

  return (
    <div className="call lobby">
      <StatusBar onInfo={() => setInfoOpen(true)} />
      <main className="lobby-body">
        <div className="lobby-preview">
          <Video stream={stream} label="Your video" self className="local-video" />
        </div>
        <section className="lobby-side" aria-label="Before you join">
          <h1>Ready to join?</h1>
          {issue && (
            <p className="notice" role="alert">
              {issue.text}
            </p>
          )}
          {!encrypted && <NoKeyNotice />}
          <div className="meter-row">
            <span id={`${id}-meter`}>Microphone level</span>
            <meter aria-labelledby={`${id}-meter`} min={0} max={1} low={0.1} high={0.85} optimum={0.5} value={level} />
          </div>
          <div className="settings-grid">
            <NameField id={`${id}-name`} onEnter={() => actor.send({ type: "JOIN" })} />
            <DevicePickers idPrefix={`${id}-lobby`} />
            <BackgroundPicker idPrefix={`${id}-lobby`} />
          </div>
          <div className="row">
            <button type="button" className="primary big" onClick={() => actor.send({ type: "JOIN" })}>
              Join
            </button>
          </div>
        </section>
      </main>
      {infoOpen && <InfoDialog onClose={() => setInfoOpen(false)} />}
    </div>
  );
}
