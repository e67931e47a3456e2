/**
 * The people list: everyone in the call with what they have turned off and who is speaking, and
 * "Your name" for whoever started the call without one. A lazy part (ui/lazy.tsx), fetched when
 * People first opens; its styles (people.css) are imported by Stage.tsx. Names are text, rendered
 * as text.
 */
import { useSelector } from "@xstate/react";
import { useId } from "react";
import { isTrouble, type Participant } from "../../machines/call/roster.ts";
import { useSpeaking } from "../audio-level.ts";
import { useCallActor } from "../call-context.tsx";
import { useMeteredMic } from "../media-hooks.ts";
import { displayName, participantIds, sameIds, sameStreams } from "../selectors.ts";
import { NameField } from "./NameField.tsx";

/** What a person has turned off, and whether they are speaking, in words. */
function PersonFlags({ audio, video, speaking, trouble }: { audio: boolean; video: boolean; speaking: boolean; trouble?: boolean }) {
  return (
    <span className="person-flags">
      {speaking && <span className="flag speaking">Speaking</span>}
      {!audio && <span className="flag">Muted</span>}
      {!video && <span className="flag">Camera off</span>}
      {trouble && <span className="flag">Reconnecting</span>}
    </span>
  );
}

function PersonItem({ id, speaking }: { id: string; speaking: boolean }) {
  const actor = useCallActor();
  const peer = useSelector(actor, (s) => s.context.peers[id] ?? null);
  const name = useSelector(actor, (s) => displayName(s, id));
  if (!peer) return null;
  return (
    <li className="person">
      <span className="person-name">{name}</span>
      <PersonFlags audio={peer.audio} video={peer.video} speaking={speaking} trouble={isTrouble(peer)} />
    </li>
  );
}

/** Everyone in the call, ourselves first, while the People button is pressed. */
export function PeoplePanel({ onClose }: { onClose: () => void }) {
  const actor = useCallActor();
  const id = useId();
  const ids = useSelector(actor, participantIds, sameIds);
  const self = useSelector(actor, (s) => ({ name: s.context.name.trim(), audio: s.context.micOn, video: s.context.camOn }), sameSelf);
  const mine = useMeteredMic();
  const theirs = useSelector(actor, (s) => Object.values(s.context.peers).map(streamOf), sameStreams);
  const speaking = useSpeaking([["self", mine] as const, ...theirs]);
  return (
    <section className="people-panel" aria-labelledby={`${id}-title`}>
      <header className="people-head">
        <h2 id={`${id}-title`}>People</h2>
        <button type="button" className="people-close" aria-label="Close people" onClick={onClose}>
          ×
        </button>
      </header>
      <ul className="people-list" aria-label="People in this call">
        <li className="person">
          <span className="person-name">{self.name ? `${self.name} (you)` : "You"}</span>
          <PersonFlags audio={self.audio} video={self.video} speaking={speaking.has("self")} />
        </li>
        {ids.map((peer) => (
          <PersonItem key={peer} id={peer} speaking={speaking.has(peer)} />
        ))}
      </ul>
      <div className="settings-grid">
        <NameField id={`${id}-name`} />
      </div>
    </section>
  );
}

const streamOf = (p: Participant) => [p.id, p.stream] as const;
const sameSelf = (a: { name: string; audio: boolean; video: boolean }, b: typeof a) => a.name === b.name && a.audio === b.audio && a.video === b.video;
