import { useSelector } from "@xstate/react";
import { Activity, useEffect, useState, useSyncExternalStore } from "react";
import { CallContext, useCallActor, useHeldWhile, watchSelected } from "./call-context.tsx";
import { CallView } from "./components/CallView.tsx";
import { faceAwaited } from "./first-face.ts";
import { preJoin } from "./pre-join.ts";
import { Landing } from "./components/Landing.tsx";
import { Lobby } from "./components/Lobby.tsx";
import { NotFound } from "./components/NotFound.tsx";
import { handingOver, joinsOnePerson, showsLobby, statusText } from "./selectors.ts";
import { useShortcuts } from "./shortcuts.ts";
import { setTabTitle } from "./tab-title.ts";

/** `problem`: the address the page was opened at is a bad call link or no page at all. */
export function App({ problem: opened = null }: { problem?: "badLink" | "notFound" | null }) {
  const actor = useCallActor();
  const idle = useSelector(actor, (s) => s.matches("idle"));
  const showsTheLobby = useSelector(actor, showsLobby);
  // Joining one person, the call's view is drawn only once their face has shown (ui/first-face.ts):
  // till then the pre-join screen stays, under the face.
  const faceFirst = useSelector(actor, joinsOnePerson);
  const faceWait = useSyncExternalStore(faceAwaited.subscribe, faceAwaited.get);
  const joining = useSelector(actor, handingOver) || faceWait;
  // (A refresh's face, ui/main.tsx, is not a join's: no pre-join screen under it.)
  const lobby = showsTheLobby || (faceWait && preJoin.shown);
  const [problem, setProblem] = useState(opened);
  useShortcuts(!idle && !lobby);
  // Once a call starts, the bad address is behind us: leaving it later shows the start page.
  useEffect(() => {
    if (!idle) setProblem(null);
  }, [idle]);
  if (idle && problem) {
    const home = () => {
      history.pushState(null, "", "/");
      setProblem(null);
    };
    return (
      <>
        <TabTitle idle />
        <NotFound kind={problem} onHome={home} />
      </>
    );
  }
  if (idle)
    return (
      <>
        <TabTitle idle />
        <Landing />
      </>
    );
  // From Join until the call has something to show (the handover), joining a group or an empty
  // room, the call's view is drawn hidden behind "Joining…", at React's lowest priority and in
  // slices that let the join's messages through
  // (bench/join: its first draw, ~90-230 ms in one task, was between the answer and the first frame).
  // When the handover ends only what changed since renders, and the view is shown in place of the
  // pre-join screen. Hidden, it is out of the page (display: none): no focus, nothing read aloud,
  // its effects (listeners, the video's stream) start only once it shows.
  return (
    <>
      <TabTitle />
      {lobby && <PreJoin joining={joining} />}
      {((joining && !faceFirst) || !lobby) && (
        <Activity mode={lobby ? "hidden" : "visible"}>
          <CallView />
        </Activity>
      )}
    </>
  );
}

/**
 * How long at most the pre-join screen stays as it was at Join ("Joining…") while the call's view
 * is drawn behind it; then it shows the call's news again (a server that cannot be reached).
 */
export const PRE_JOIN_HELD_MS = 1_000;

/**
 * The pre-join screen. From Join until the call's view replaces it, it draws nothing new (its
 * button says "Joining…"; PRE_JOIN_HELD_MS at most): each render of it during the join made React
 * throw away the hidden view's unfinished drawing and start it again, so that it was never done
 * before the reveal, and all of it was drawn then, in one task between the answer and the first
 * frame (bench/join, join10).
 */
function PreJoin({ joining }: { joining: boolean }) {
  const view = useHeldWhile(useCallActor(), joining, PRE_JOIN_HELD_MS);
  return (
    <CallContext.Provider value={view}>
      <Lobby />
    </CallContext.Provider>
  );
}

/** The tab's title says how the call is going; written as the status changes, with no render (one would stop the hidden view's drawing, see PreJoin). */
function TabTitle({ idle = false }: { idle?: boolean }) {
  const actor = useCallActor();
  useEffect(() => {
    const write = () => setTabTitle(idle ? "OneLink" : `${statusText(actor.getSnapshot())} · OneLink`);
    write();
    return idle ? undefined : watchSelected(actor, statusText, write);
  }, [actor, idle]);
  return null;
}
