// Redis is a helper of the API, never a dependency of an answer: every call made while serving a
// request goes through here, fails fast (no offline queue, a short deadline) and reports "away"
// instead of throwing, so the caller can fall back (PostgreSQL, the derived order id, a local
// counter).
import type Redis from 'ioredis';
import type { Logger } from '../runtime/logger';

export const REDIS_CALL_TIMEOUT_MS = 250;

export type RedisOutcome<T> = { ok: true; value: T } | { ok: false };

let lastWarning = 0;

export async function tryRedis<T>(redis: Redis, logger: Logger, what: string, call: (redis: Redis) => Promise<T>): Promise<RedisOutcome<T>> {
  // Not connected (and no offline queue): skip the round trip entirely.
  if (redis.status !== 'ready') {
    warn(logger, what, `redis is ${redis.status}`);
    return { ok: false };
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      call(redis),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_CALL_TIMEOUT_MS} ms`)), REDIS_CALL_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, value };
  } catch (err) {
    warn(logger, what, (err as Error).message);
    return { ok: false };
  } finally {
    clearTimeout(timer);
  }
}

// One line per second at most: an outage must not flood the logs.
function warn(logger: Logger, what: string, reason: string): void {
  const now = Date.now();
  if (now - lastWarning < 1000) return;
  lastWarning = now;
  logger.warn({ what, reason }, 'redis unavailable; continuing without it');
}
