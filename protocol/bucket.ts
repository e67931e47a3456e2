/**
 * A token bucket as plain data and a pure function of the time it is given: the server keeps one
 * per socket and per address, a page one per peer and data channel, and a test drives the clock.
 */
export interface Bucket {
  tokens: number;
  /** The time (ms, any monotonic clock) `tokens` was last brought up to date. */
  refilledAt: number;
}

/** A full bucket at `now`. */
export const fullBucket = (burst: number, now: number): Bucket => ({ tokens: burst, refilledAt: now });

/**
 * Refills `ratePerSecond` tokens a second since the last call, never past `burst` (however long
 * the bucket sat idle), then takes `cost` tokens if there are that many. Returns whether it took them.
 */
export function take(bucket: Bucket, now: number, ratePerSecond: number, burst: number, cost = 1): boolean {
  const elapsed = Math.max(0, now - bucket.refilledAt);
  bucket.tokens = Math.min(burst, bucket.tokens + (elapsed / 1000) * ratePerSecond);
  bucket.refilledAt = now;
  if (bucket.tokens < cost) return false;
  bucket.tokens -= cost;
  return true;
}

/** Whether the bucket would be full at `now` (nothing to remember about it any more). */
export const isFull = (bucket: Bucket, now: number, ratePerSecond: number, burst: number) =>
  bucket.tokens + (Math.max(0, now - bucket.refilledAt) / 1000) * ratePerSecond >= burst;
