import { newSecret } from "../../protocol/e2ee.ts";
import { useCallActor } from "../call-context.tsx";

const TEXT = {
  badLink: {
    title: "This link is not a valid call link",
    body: "Check that the whole link was copied, or ask for a new one. You can also start a new call.",
  },
  notFound: {
    title: "Page not found",
    body: "There is nothing at this address. Start a new call or go to the start page.",
  },
} as const;

/** A bad call link or an unknown address: say so, and offer the way out. */
export function NotFound({ kind, onHome }: { kind: keyof typeof TEXT; onHome: () => void }) {
  const actor = useCallActor();
  const { title, body } = TEXT[kind];
  return (
    <main className="landing not-found" aria-labelledby="not-found-title">
      <p className="brand">OneLink</p>
      <h1 id="not-found-title">{title}</h1>
      <p className="tagline">{body}</p>
      <div className="row">
        <button type="button" className="primary big" onClick={() => actor.send({ type: "START", room: crypto.randomUUID(), secret: newSecret() })}>
          New call
        </button>
        <button type="button" className="big" onClick={onHome}>
          Home
        </button>
      </div>
    </main>
  );
}
