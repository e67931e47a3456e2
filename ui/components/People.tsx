/**
 * Names and the people list: the "Your name" field (pre-join screen, and the list itself for
 * whoever started the call without one), the People button and the list of everyone in the call
 * with what they have turned off and who is speaking. Names are text, rendered as text.
 */
import { useSelector } from "@xstate/react";
import { useId } from "react";
import { NAME_MAX } from "../../protocol/index.ts";
import { isTrouble, type Participant } from "../../machines/call/roster.ts";
import { useSpeaking } from "../audio-level.ts";
import { useCallActor } from "../call-context.tsx";
import { displayName, participantIds, sameIds, sameStreams } from "../selectors.ts";
import { Icon } from "./Icon.tsx";
import "../people.css";

/** "Your name": a label and its field (two cells of a settings grid). Kept on this device; others see it once they connect. */
export function NameField({ id, onEnter }: { id: string; onEnter?: () => void }) {
  const actor = useCallActor();
  const name = useSelector(actor, (s) => s.context.name);
  return (
    <>
      <label htmlFor={id}>Your name</label>
      <input
        id={id}
        type="text"
        className="name-field"
        value={name}
        maxLength={NAME_MAX}
        autoComplete="nickname"
        spellCheck={false}
        placeholder="How others see you"
        onChange={(e) => actor.send({ type: "SET_NAME", name: e.target.value })}
        onBlur={() => actor.send({ type: "NAME_DONE" })}
        onKeyDown={(e) => {
          if (e.key !== "Enter") return;
          actor.send({ type: "NAME_DONE" });
          onEnter?.();
        }}
      />
    </>
  );
}

export function PeopleButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  const count = useSelector(useCallActor(), (s) => participantIds(s).length + 1);
  return (
    <button type="button" className="compact" aria-pressed={open} title={`People (${count})`} onClick={onToggle}>
      <Icon name="people" />
      <span className="label">People</span>
    </button>
  );
}

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
  const streams = useSelector(actor, (s) => [["self", s.context.local?.stream ?? null] as const, ...Object.values(s.context.peers).map(streamOf)], sameStreams);
  const speaking = useSpeaking(streams);
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
