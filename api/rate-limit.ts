// Per-client rate limit: a fixed one-minute window counted in Redis (shared by every API
// process). RateLimit-Limit/-Remaining/-Reset go on every response; over the limit is 429 with
// Retry-After.
//
// Redis is not asked on every request. Each process keeps, per client and window, the count Redis
// last reported plus what it has counted itself since; the first request of a client in a window
// waits for one round trip (so a fresh process starts from the shared count), later ones count
// locally and a flush every SYNC_INTERVAL_MS adds them to Redis in one script call (INCRBY, and
// the key's expiry when it has none), taking back the shared total. So the count a request sees
// is exact for this process and at most one interval behind the others. While Redis is away each
// process counts on its own (the increments are kept and added once Redis answers again), so
// clients keep being served: a limit per process is looser, never stricter, than the shared one.
import type { Context, MiddlewareHandler } from 'hono';
import type Redis from 'ioredis';
import type { ApiDeps, AppEnv } from './deps';
import { ApiError } from './errors';
import { tryRedis } from './redis-best-effort';

const WINDOW_MS = 60_000;
const SYNC_INTERVAL_MS = 100;

// KEYS[1] the window's counter, ARGV[1] the increment, ARGV[2] the expiry (ms) set when it has
// none; answers the total. (Not PEXPIRE NX: that needs Redis 7.)
const ADD_SCRIPT = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return total`;

type RateLimitRedis = Redis & { rateLimitAdd(key: string, increment: number, expiryMs: number): Promise<number> };

function withScript(redis: Redis): RateLimitRedis {
  const r = redis as RateLimitRedis;
  // defineCommand sends EVALSHA, falling back to EVAL once when Redis does not know the script.
  if (typeof r.rateLimitAdd !== 'function') redis.defineCommand('rateLimitAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
  return r;
}

interface Counter {
  redisKey: string;
  window: number;
  /** The shared total as Redis last reported it (this process's flushed increments included). */
  shared: number;
  /** Counted here, being added to Redis right now. */
  flushing: number;
  /** Counted here, not yet sent. */
  pending: number;
  /** The first round trip of this window, while it is in flight. */
  first?: Promise<void>;
}

export function rateLimit(deps: Pick<ApiDeps, 'redis' | 'logger' | 'config'>): MiddlewareHandler<AppEnv> {
  const limit = deps.config.RATE_LIMIT_PER_MINUTE;
  const redis = withScript(deps.redis);
  const counters = new Map<string, Counter>();
  let flushTimer: NodeJS.Timeout | undefined;

  const flush = async (counter: Counter): Promise<void> => {
    if (counter.flushing > 0 || counter.pending === 0) return;
    const increment = counter.pending;
    counter.pending = 0;
    counter.flushing = increment;
    const added = await tryRedis(redis, deps.logger, 'rate limit', () => redis.rateLimitAdd(counter.redisKey, increment, WINDOW_MS * 2));
    counter.flushing = 0;
    if (added.ok) counter.shared = Number(added.value);
    else counter.pending += increment; // kept, and sent once Redis answers again
  };

  const flushAll = (): void => {
    flushTimer = undefined;
    const window = Math.floor(Date.now() / WINDOW_MS);
    const flushes: Promise<void>[] = [];
    for (const counter of counters.values()) {
      if (counter.window < window) {
        // A past window: one last attempt, then it is forgotten.
        counters.delete(counter.redisKey);
        if (counter.pending > 0) void flush(counter);
      } else if (counter.pending > 0) {
        flushes.push(flush(counter));
      }
    }
    void Promise.all(flushes).then(() => {
      for (const counter of counters.values()) if (counter.pending > 0) return scheduleFlush();
    });
  };

  const scheduleFlush = (): void => {
    if (flushTimer) return;
    flushTimer = setTimeout(flushAll, SYNC_INTERVAL_MS);
    flushTimer.unref();
  };

  return async (c, next) => {
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    const redisKey = `ratelimit:${subjectOf(c)}:${window}`;
    let counter = counters.get(redisKey);
    if (!counter) {
      counter = { redisKey, window, shared: 0, flushing: 0, pending: 1 };
      counters.set(redisKey, counter);
      const started = counter;
      started.first = flush(started).finally(() => (started.first = undefined));
      await started.first;
    } else {
      counter.pending++;
      if (counter.first) await counter.first;
    }
    if (counter.pending > 0) scheduleFlush();
    const count = counter.shared + counter.flushing + counter.pending;

    const remaining = String(Math.max(0, limit - count));
    const reset = String(resetSeconds);
    if (count > limit) {
      throw new ApiError(429, 'rate_limited', 'Too many requests', `At most ${limit} requests per minute; try again in ${resetSeconds} s.`, undefined, {
        'RateLimit-Limit': String(limit),
        'RateLimit-Remaining': remaining,
        'RateLimit-Reset': reset,
        'Retry-After': reset,
      });
    }
    // Set before the handler answers: they become part of whatever response is built, the error
    // handler's included, without rebuilding a finished response afterwards.
    c.header('RateLimit-Limit', String(limit));
    c.header('RateLimit-Remaining', remaining);
    c.header('RateLimit-Reset', reset);
    await next();
  };
}

/** The authenticated client, or the caller's socket address before there is one (token endpoint). */
function subjectOf(c: Context<AppEnv>): string {
  const principal = c.get('principal');
  if (principal) return `client:${principal.clientId}`;
  // X-Forwarded-For is not trusted: any caller could pick its own bucket.
  return `ip:${remoteAddress(c) ?? 'unknown'}`;
}

function remoteAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}
