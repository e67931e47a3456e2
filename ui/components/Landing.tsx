import { useState, type FormEvent } from "react";
import { roomIdProblem } from "../../protocol/index.ts";
import { newSecret } from "../../protocol/e2ee.ts";
import { useCallActor } from "../call-context.tsx";
import { ServerlessStart } from "./ServerlessStart.tsx";

export function Landing() {
  const actor = useCallActor();
  const [roomId, setRoomId] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const join = (e: FormEvent) => {
    e.preventDefault();
    const id = roomId.trim();
    const issue = roomIdProblem(id);
    setProblem(issue);
    if (!issue) actor.send({ type: "START", room: id });
  };

  return (
    <main className="landing">
      <h1>OneLink</h1>
      <p className="tagline">Face-to-face video from one link. Peer to peer, encrypted, no account, no install.</p>
      <button type="button" className="primary big" onClick={() => actor.send({ type: "START", room: crypto.randomUUID(), secret: newSecret() })}>
        New call
      </button>
      <form className="join-form" onSubmit={join} noValidate>
        <label htmlFor="room-id">Room ID</label>
        <div className="row">
          <input
            id="room-id"
            name="room"
            autoComplete="off"
            spellCheck={false}
            value={roomId}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? "room-id-problem" : undefined}
            onChange={(e) => setRoomId(e.target.value)}
            placeholder="e.g. team-standup"
          />
          <button type="submit">Join</button>
        </div>
        {problem && (
          <p id="room-id-problem" className="field-error" role="alert">
            {problem}
          </p>
        )}
      </form>
      <ServerlessStart />
    </main>
  );
}
