import { useSelector } from "@xstate/react";
import { useEffect, useState } from "react";
import { useCallActor } from "./call-context.tsx";
import { CallView } from "./components/CallView.tsx";
import { Landing } from "./components/Landing.tsx";
import { Lobby } from "./components/Lobby.tsx";
import { NotFound } from "./components/NotFound.tsx";
import { showsLobby, statusText } from "./selectors.ts";
import { useShortcuts } from "./shortcuts.ts";

/** `problem`: the address the page was opened at is a bad call link or no page at all. */
export function App({ problem: opened = null }: { problem?: "badLink" | "notFound" | null }) {
  const actor = useCallActor();
  const idle = useSelector(actor, (s) => s.matches("idle"));
  const lobby = useSelector(actor, showsLobby);
  const status = useSelector(actor, statusText);
  const [problem, setProblem] = useState(opened);
  useShortcuts(!idle && !lobby);
  // Once a call starts, the bad address is behind us: leaving it later shows the start page.
  useEffect(() => {
    if (!idle) setProblem(null);
  }, [idle]);
  useEffect(() => {
    document.title = idle ? "OneLink" : `${status} · OneLink`;
  }, [idle, status]);
  if (idle && problem) {
    const home = () => {
      history.pushState(null, "", "/");
      setProblem(null);
    };
    return <NotFound kind={problem} onHome={home} />;
  }
  if (idle) return <Landing />;
  return lobby ? <Lobby /> : <CallView />;
}
