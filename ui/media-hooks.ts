/**
 * The local media and stats actors the call runs (snapshot.children.media and .stats), and what
 * the media UI reads from them. Components send their events straight to these actors.
 */
import { useSelector } from "@xstate/react";
import { useMemo } from "react";
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

/**
 * Our microphone as the meters read it (the pre-join screen, Settings, who is speaking): what is sent,
 * except while nobody may hear us (the pre-join screen, waiting alone), when the noise suppression
 * sleeps and what it sends is silence; then the microphone itself, and nothing while we are muted.
 */
export function useMeteredMic(): MediaStream | null {
  const call = useCallActor();
  const media = useMediaActor();
  const sent = useSelector(call, (s) => s.context.local?.stream ?? null);
  const micOn = useSelector(call, (s) => s.context.micOn);
  const asleep = useSelector(media, (s) => (s ? !s.context.heard && s.context.denoised !== null : false));
  const raw = useSelector(media, (s) => s?.context.mic ?? null);
  return useMemo(() => (asleep ? (micOn && raw ? new MediaStream([raw]) : null) : sent), [asleep, micOn, raw, sent]);
}
