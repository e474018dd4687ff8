import { WEBHOOK_RETRY_DELAYS_MS, parseRetryAfter, webhookRetryDelayMs } from './webhook-retries';

describe('webhook retry schedule', () => {
  it('waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', () => {
    expect(WEBHOOK_RETRY_DELAYS_MS.map((_, i) => webhookRetryDelayMs(i + 1, 0.5))).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(webhookRetryDelayMs(8, 0.5)).toBeNull();
  });

  it('jitters each delay by at most 10 % either way', () => {
    expect(webhookRetryDelayMs(2, 0)).toBe(270_000);
    expect(webhookRetryDelayMs(2, 0.999999)).toBeLessThanOrEqual(330_000);
  });

  it('honours a Retry-After later than the schedule, never an earlier one', () => {
    expect(webhookRetryDelayMs(1, 0.5, 60_000)).toBe(60_000);
    expect(webhookRetryDelayMs(2, 0.5, 1_000)).toBe(300_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-03T08:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 08:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
