import { createContext, useContext } from "react";
import type { CallActor } from "../machines/call/call.ts";

export const CallContext = createContext<CallActor | null>(null);

export function useCallActor(): CallActor {
  const actor = useContext(CallContext);
  if (!actor) throw new Error("useCallActor outside CallContext");
  return actor;
}
