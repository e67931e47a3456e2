/**
 * Pre-join: someone opening a call link sees themselves, checks their microphone and devices,
 * then joins. (A refresh mid-call skips this: the seat is taken back automatically.) Its first
 * moments on a call link are drawn without React, with the same markup (ui/quick-lobby.ts).
 */
import { useSelector } from "@xstate/react";
import { useId, useState } from "react";
import { useMicLevel } from "../audio-level.ts";
import { preJoin } from "../pre-join.ts";
import { useCallActor } from "../call-context.tsx";
import { useMeteredMic } from "../media-hooks.ts";
import { BackgroundPicker } from "./BackgroundPicker.tsx";
import { DevicePickers } from "./DevicePickers.tsx";
import { StatusBar } from "./StatusBar.tsx";
import { Icon } from "./Icon.tsx";
import { Video } from "./Video.tsx";
import { Later, lazyPart } from "../lazy.tsx";
import { devicesStarting, isEncrypted } from "../selectors.ts";
import { NoKeyNotice } from "./NoKeyNotice.tsx";
import { isFull, lobbyHeading, occupancyText } from "../occupancy.ts";
import { pressJoin } from "../quick-lobby.ts";

import { NameField } from "./NameField.tsx";

const InfoDialog = lazyPart(() => import("./InfoDialog.tsx").then((m) => m.InfoDialog));

export function Lobby() {
  preJoin.shown = true;
  const actor = useCallActor();
  const id = useId();
  const stream = useSelector(actor, (s) => s.context.local?.stream ?? null);
  const issue = useSelector(actor, (s) => s.context.local?.issue ?? null);
  const encrypted = useSelector(actor, isEncrypted);
  // Join pressed: the screen stays until the server says we are in.
  const joining = useSelector(actor, (s) => s.matches("inRoom"));
  // Still once Join is pressed: its renders, every 80 ms, would stop the drawing of the call's view behind this screen (ui/App.tsx PreJoin).
  const metered = useMeteredMic();
  const level = useMicLevel(joining ? null : metered);
  const micOn = useSelector(actor, (s) => s.context.micOn);
  const camOn = useSelector(actor, (s) => s.context.camOn);
  const hasMic = (stream?.getAudioTracks().length ?? 0) > 0;
  const hasCam = (stream?.getVideoTracks().length ?? 0) > 0;
  const occupancy = useSelector(actor, (s) => s.context.occupancy);
  const full = isFull(occupancy);
  // The screen shows while the camera and microphone start (ui/selectors.ts showsLobby); Join pressed meanwhile
  // goes in at once, and they follow (machines/call preparing).
  const starting = useSelector(actor, devicesStarting);
  const join = () => pressJoin(actor, actor.getSnapshot());
  const [infoOpen, setInfoOpen] = useState(false);

  return (
    <div className="call lobby">
      <StatusBar onInfo={() => setInfoOpen(true)} />
      <main className="lobby-body">
        <div className="lobby-media">
          <div className="lobby-preview">
            <Video stream={stream} label="Your video" self className="local-video" still={joining} />
            {/* Not a black box: no camera (none, or access refused) is said where the picture would be. */}
            {!hasCam && !starting && <p className="lobby-cam-off">No camera</p>}
            {hasCam && !camOn && <p className="lobby-cam-off">Your camera is off</p>}
            {/* Joining muted or with the camera off: the choice carries into the call. */}
            <div className="lobby-toggles">
              <button
                type="button"
                aria-pressed={micOn}
                disabled={!hasMic}
                title={hasMic ? (micOn ? "Join muted" : "Unmute") : starting ? "Your microphone is starting…" : "No microphone"}
                onClick={() => actor.send({ type: "TOGGLE_MIC" })}
              >
                <Icon name={micOn ? "mic" : "micOff"} />
                <span className="visually-hidden">Microphone</span>
              </button>
              <button
                type="button"
                aria-pressed={camOn}
                disabled={!hasCam}
                title={hasCam ? (camOn ? "Join with the camera off" : "Turn camera on") : starting ? "Your camera is starting…" : "No camera"}
                onClick={() => actor.send({ type: "TOGGLE_CAMERA" })}
              >
                <Icon name={camOn ? "camera" : "cameraOff"} />
                <span className="visually-hidden">Camera</span>
              </button>
            </div>
          </div>
          <div className="meter-row">
            <span id={`${id}-meter`}>Microphone level</span>
            <meter aria-labelledby={`${id}-meter`} min={0} max={1} low={0.1} high={0.85} optimum={0.5} value={micOn ? level : 0} />
          </div>
        </div>
        <section className="lobby-side" aria-label="Before you join">
          {/* A full call is not one to be ready for: Join comes back by itself once a seat frees up. */}
          <h1>{lobbyHeading(full)}</h1>
          <p className={`lobby-occupancy${full ? " full" : ""}`} role="status">
            {occupancy && occupancyText(occupancy.people, occupancy.capacity, occupancy.names)}
          </p>
          {issue && (
            <p className="notice" role="alert">
              {issue.text}
            </p>
          )}
          {!encrypted && <NoKeyNotice />}
          <div className="settings-grid">
            <NameField id={`${id}-name`} onEnter={join} />
            {/* Join right after the name, so that it is in view on a phone; devices are there to check, below. */}
            <div className="row lobby-join">
              <button type="button" className="primary big" disabled={full || joining} onClick={join}>
                {joining ? "Joining…" : "Join"}
              </button>
            </div>
            <DevicePickers idPrefix={`${id}-lobby`} />
            <BackgroundPicker idPrefix={`${id}-lobby`} />
          </div>
        </section>
      </main>
      {infoOpen && (
        <Later>
          <InfoDialog onClose={() => setInfoOpen(false)} />
        </Later>
      )}
    </div>
  );
}
