/** Exponential backoff with full jitter, as one policy object instead of constants in code. */
export interface ReconnectPolicy {
  baseMs: number;
  maxMs: number;
  /** 0..1: share of the delay that is randomized. */
  jitter: number;
}

export const defaultReconnectPolicy: ReconnectPolicy = { baseMs: 250, maxMs: 8_000, jitter: 0.5 };

export function backoffDelay(policy: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp * (1 - policy.jitter) + exp * policy.jitter * random());
}
