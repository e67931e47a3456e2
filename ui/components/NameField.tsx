/** "Your name": on the pre-join screen, and in the people list for whoever started the call without one. */
import { useSelector } from "@xstate/react";
import { NAME_MAX } from "../../protocol/index.ts";
import { useCallActor } from "../call-context.tsx";

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
