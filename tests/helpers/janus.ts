/**
 * Janus for tests: the same private Janus `npm start` runs (scripts/janus.ts), its ICE held to the
 * veth end of the network namespace scripts/netns.sh makes, so media never leaves that namespace.
 */
import { type JanusOptions, type RunningJanus, startJanus } from "../../scripts/janus.ts";

export const NETNS_MISSING = "group media tests need the network namespace made by scripts/netns.sh (npm test does this)";

/** The interface Janus may use for ICE: v0 inside scripts/netns.sh; throws outside it. */
export function netnsInterface(): string {
  const iface = process.env.ONELINK_NETNS_IFACE;
  if (!iface) throw new Error(NETNS_MISSING);
  return iface;
}

export function startTestJanus(opts: JanusOptions = {}): Promise<RunningJanus> {
  return startJanus({ iface: netnsInterface(), ...opts });
}

/** Whether a process is still there (a reaped one is not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
