/**
 * The call's feature actors as the page's components reach them (snapshot.children): there while
 * in a room, undefined outside one. Eager, tiny: the buttons and the lazy panels both use them.
 */
import { useSelector } from "@xstate/react";
import type { ChatActor } from "../machines/features/chat.ts";
import type { DrawingActor } from "../machines/features/drawing.ts";
import { useCallActor } from "./call-context.tsx";

export function useChatActor(): ChatActor | undefined {
  const call = useCallActor();
  return useSelector(call, (s) => s.children.chat as ChatActor | undefined);
}

export function useDrawingActor(): DrawingActor | undefined {
  const call = useCallActor();
  return useSelector(call, (s) => s.children.drawing as DrawingActor | undefined);
}
