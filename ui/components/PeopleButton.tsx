/** "People" in the call controls (under More): opens the people list (People.tsx, a lazy part). */
import { useSelector } from "@xstate/react";
import { useCallActor } from "../call-context.tsx";
import { participantIds } from "../selectors.ts";
import { Icon } from "./Icon.tsx";

export function PeopleButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  const count = useSelector(useCallActor(), (s) => participantIds(s).length + 1);
  return (
    <button type="button" className="compact" aria-pressed={open} title={`People (${count})`} onClick={onToggle}>
      <Icon name="people" />
      <span className="label">People</span>
    </button>
  );
}
