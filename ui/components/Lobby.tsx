/**
 * Pre-join: someone opening a call link sees themselves, checks their microphone and devices,
 * then joins. (A refresh mid-call skips this: the seat is taken back automatically.)
 */
import { useSelector } from "@xstate/react";
import { useEffect, useId, useState } from "react";
import { useCallActor } from "../call-context.tsx";
import { DevicePickers } from "./DevicePickers.tsx";
import { StatusBar } from "./StatusBar.tsx";
import { Video } from "./Video.tsx";
import { InfoDialog } from "./InfoDialog.tsx";
import { isEncrypted } from "../selectors.ts";
import { NoKeyNotice } from "./NoKeyNotice.tsx";

/** 0..1 loudness of the stream's microphone, sampled a dozen times a second. */
function useMicLevel(stream: MediaStream | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    const track = stream?.getAudioTracks()[0];
    if (!track || typeof AudioContext === "undefined") return;
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 512;
    audio.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const x of samples) sum += x * x;
      setLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
    }, 80);
    return () => {
      clearInterval(timer);
      void audio.close();
    };
  }, [stream]);
  return level;
}

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
            <DevicePickers idPrefix={`${id}-lobby`} />
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
