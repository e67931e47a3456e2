import { useSelector } from "@xstate/react";
import { useEffect } from "react";
import { useCallActor } from "./call-context.tsx";
import { CallView } from "./components/CallView.tsx";
import { Landing } from "./components/Landing.tsx";
import { statusText } from "./selectors.ts";
import { useShortcuts } from "./shortcuts.ts";

export function App() {
  const actor = useCallActor();
  const idle = useSelector(actor, (s) => s.matches("idle"));
  const status = useSelector(actor, statusText);
  useShortcuts(!idle);
  useEffect(() => {
    document.title = idle ? "OneLink" : `${status} · OneLink`;
  }, [idle, status]);
  return idle ? <Landing /> : <CallView />;
}
