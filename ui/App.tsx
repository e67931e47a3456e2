import { useSelector } from "@xstate/react";
import { useCallActor } from "./call-context.tsx";
import { CallView } from "./components/CallView.tsx";
import { Landing } from "./components/Landing.tsx";

export function App() {
  const actor = useCallActor();
  const idle = useSelector(actor, (s) => s.matches("idle"));
  return idle ? <Landing /> : <CallView />;
}
