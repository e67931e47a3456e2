/**
 * The local media and stats actors the call runs (snapshot.children.media and .stats), and what
 * the media UI reads from them. Components send their events straight to these actors.
 */
import { useSelector } from "@xstate/react";
import { devicesOf, hasDevice } from "../machines/media/devices.ts";
import type { LocalMediaActor } from "../machines/media/local-media.ts";
import type { StatsActor } from "../machines/features/stats.ts";
import { useCallActor } from "./call-context.tsx";
import { mainPeer } from "./selectors.ts";

export function useMediaActor(): LocalMediaActor | undefined {
  return useSelector(useCallActor(), (s) => s.children.media as LocalMediaActor | undefined);
}

/** Present while in a room. */
export function useStatsActor(): StatsActor | undefined {
  return useSelector(useCallActor(), (s) => s.children.stats as StatsActor | undefined);
}

export function useSharing(): boolean {
  return useSelector(useMediaActor(), (s) => s?.matches({ active: { screen: "sharing" } }) ?? false);
}

/** The speaker chosen in Settings while it is plugged in, else the default ("" to setSinkId). */
export function useSinkId(): string {
  return useSelector(useMediaActor(), (s) => {
    const id = s?.context.settings.speakerId ?? null;
    return id && hasDevice(s!.context.devices, "audiooutput", id) ? id : "";
  });
}

/** Switch camera makes sense with two cameras, or one that says which way it faces (phones). */
export function useCanFlip(): boolean {
  return useSelector(useMediaActor(), (s) => {
    if (!s?.matches("active")) return false;
    return devicesOf(s.context.devices, "videoinput").length > 1 || s.context.camera?.getSettings().facingMode !== undefined;
  });
}

/** The latest statistics of the member on the big screen, with whether their camera is on. */
export function useMainStats() {
  const peer = useSelector(useCallActor(), mainPeer);
  const summary = useSelector(useStatsActor(), (s) => (peer ? (s?.context.byPeer[peer.id]?.summary ?? null) : null));
  return { peer, summary };
}
