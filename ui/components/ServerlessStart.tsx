import { useState } from "react";
import { useCallActor } from "../call-context.tsx";
import "../serverless.css";

/** The landing page's way into a call with no server: who makes the first code. */
export function ServerlessStart() {
  const actor = useCallActor();
  const [open, setOpen] = useState(false);
  return (
    <section className="serverless-start" aria-label="Serverless call">
      <button type="button" aria-expanded={open} aria-controls="serverless-choice" onClick={() => setOpen(!open)}>
        Serverless
      </button>
      {open && (
        <div id="serverless-choice" className="serverless-choice">
          <p className="hint">
            No server at all: the two of you swap two codes (copy, share or scan them). One of you makes an offer code, the other answers it. It keeps working
            even if this site goes offline once the page is open.
          </p>
          <div className="row">
            <button type="button" className="primary" onClick={() => actor.send({ type: "START_SERVERLESS", role: "offerer" })}>
              Create an offer code
            </button>
            <button type="button" onClick={() => actor.send({ type: "START_SERVERLESS", role: "answerer" })}>
              I have an offer code
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
