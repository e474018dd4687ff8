// When a failed webhook delivery is tried again (DESIGN.md, "Events out"): 5 s, 5 min, 30 min,
// 2 h, 5 h, 10 h, 10 h after the failures before, each with jitter so a receiver that comes back
// is not hit by every queued delivery in the same second; a Retry-After later than that wins.
// After the eighth failed attempt the delivery is given up (it stays in the log; replay sends it).

export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;

/** A delivery is a failure after this long without a complete answer. */
export const WEBHOOK_TIMEOUT_MS = 15_000;

/** An endpoint failing without a single success for this long is disabled. */
export const WEBHOOK_DISABLE_AFTER_MS = 5 * 24 * 3_600_000;

/** Jitter: up to this share of the delay, either way. */
const JITTER = 0.1;

/**
 * The wait before the next attempt after `failedAttempts` failures (1 = the first attempt
 * failed), or null when the delivery is given up. `random` in [0, 1); `retryAfterMs` the
 * receiver's Retry-After.
 */
export function webhookRetryDelayMs(failedAttempts: number, random: number, retryAfterMs?: number): number | null {
  const base = WEBHOOK_RETRY_DELAYS_MS[failedAttempts - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random));
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
