/** How often and how patiently a step is retried against one partner. */
export interface RetryPolicy {
  /** Attempts in all, the first included; default 8. */
  attempts: number;
  /** Delay before the second attempt; doubles each time; default 500 ms. */
  baseDelayMs: number;
  /** Ceiling of one delay; default 60 s. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 500, maxDelayMs: 60_000 };

/** Exponential backoff with full jitter (AWS architecture blog's recommendation), in ms. */
export function backoffDelay(policy: RetryPolicy, attemptsMade: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
