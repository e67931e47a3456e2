import { useSelector } from "@xstate/react";
import { useId, useState, type FormEvent } from "react";
import type { ServerlessView } from "../../machines/link/serverless.ts";
import { useCallActor } from "../call-context.tsx";
import { phaseOf } from "../selectors.ts";
import { Later, lazyPart } from "../lazy.tsx";

const QrCode = lazyPart(() => import("./QrCode.tsx").then((m) => m.QrCode));

/**
 * The code exchange of a serverless call, over the stage until the call first connects.
 * Offerer: their offer code to send, then a field for the answer code. Answerer: a field for the
 * offer code, then their answer code to send back.
 */
export function ServerlessPanel() {
  const actor = useCallActor();
  const view = useSelector(actor, (s) => s.context.serverless);
  const phase = useSelector(actor, phaseOf);
  const relayOnly = useSelector(actor, (s) => s.context.relayOnly);
  if (!view || view.connected || !["joining", "waiting", "connecting", "reconnecting"].includes(phase)) return null;

  const offerer = view.role === "offerer";
  return (
    <section className="panel serverless-panel" aria-label="Connection codes">
      {offerer ? (
        <>
          <CodeOut label="Offer code" view={view} step="1. Send this offer code to the other person." />
          <CodeIn label="Answer code" submit="Connect" enabled={view.stage === "awaitingAnswer"} step="2. Paste the answer code they send back." />
        </>
      ) : (
        <>
          <CodeIn label="Offer code" submit="Create answer code" enabled={view.stage === "awaitingOffer"} step="1. Paste the offer code you were sent." />
          {(view.stage === "gathering" || view.stage === "answered") && (
            <CodeOut label="Answer code" view={view} step="2. Send this answer code back. The call starts when they paste it." />
          )}
        </>
      )}
      {view.error && (
        <p className="field-error" role="alert">
          {view.error}
        </p>
      )}
      {view.stage === "unreachable" && (
        <div className="row">
          <button type="button" onClick={() => actor.send({ type: "CODE.RETRY" })}>
            Try again
          </button>
        </div>
      )}
      {relayOnly && <p className="hint">Relay only is on, but a call without a server has no relay: turn it off in Settings if the call does not connect.</p>}
    </section>
  );
}

/** Our code: read-only text, Copy, Share (where the browser can) and a QR code. */
function CodeOut({ label, view, step }: { label: string; view: ServerlessView; step: string }) {
  const actor = useCallActor();
  const id = useId();
  const canShare = typeof navigator.share === "function";
  return (
    <div className="serverless-code">
      <p className="serverless-step">{step}</p>
      <label htmlFor={id}>{label}</label>
      <div className="serverless-out">
        <div className="serverless-text">
          <textarea
            id={id}
            readOnly
            rows={4}
            spellCheck={false}
            value={view.code ?? ""}
            placeholder={view.stage === "unreachable" || view.stage === "failed" ? "No code yet (see below)" : "Preparing the code…"}
            onFocus={(e) => e.currentTarget.select()}
          />
          <div className="row">
            <button type="button" className="primary" disabled={!view.code} onClick={() => actor.send({ type: "CODE.COPY" })}>
              Copy
            </button>
            {canShare && (
              <button type="button" disabled={!view.code} onClick={() => actor.send({ type: "CODE.SHARE" })}>
                Share
              </button>
            )}
            <span className="hint" aria-live="polite">
              {view.copied ? "Copied." : view.code ? `${view.code.length} characters` : ""}
            </span>
          </div>
        </div>
        {view.code && (
          <Later>
            <QrCode text={view.code} label={`QR code of the ${label.toLowerCase()}`} />
          </Later>
        )}
      </div>
    </div>
  );
}

/** Their code: a field to paste it into and a button that hands it to the exchange. */
function CodeIn({ label, submit, enabled, step }: { label: string; submit: string; enabled: boolean; step: string }) {
  const actor = useCallActor();
  const id = useId();
  const [text, setText] = useState("");
  const send = (e: FormEvent) => {
    e.preventDefault();
    actor.send({ type: "CODE.PASTE", code: text });
  };
  return (
    <form className="serverless-code" onSubmit={send}>
      <p className="serverless-step">{step}</p>
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={3}
        spellCheck={false}
        autoComplete="off"
        readOnly={!enabled}
        value={text}
        placeholder={enabled ? `Paste the ${label.toLowerCase()} here` : ""}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="row">
        <button type="submit" className="primary" disabled={!enabled}>
          {submit}
        </button>
      </div>
    </form>
  );
}
