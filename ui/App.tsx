import { useSelector } from "@xstate/react";
import { useEffect } from "react";
import { useCallActor } from "./call-context.tsx";
import { CallView } from "./components/CallView.tsx";
import { Landing } from "./components/Landing.tsx";
import { Lobby } from "./components/Lobby.tsx";
import { statusText } from "./selectors.ts";
import { useShortcuts } from "./shortcuts.ts";

export function App() {
  const actor = useCallActor();
  const idle = useSelector(actor, (s) => s.matches("idle"));
  const lobby = useSelector(actor, (s) => s.matches("lobby"));
  const status = useSelector(actor, statusText);
  useShortcuts(!idle && !lobby);
  useEffect(() => {
    document.title = idle ? "OneLink" : `${status} · OneLink`;
  }, [idle, status]);
  if (idle) return <Landing />;
  return lobby ? <Lobby /> : <CallView />;
}
