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

/** The Redis key of a subject's counter in one window, also the key of the local counter. */
const counterKey = (subject: string, window: number) => `ratelimit:${subject}:${window}`;

/** What the RateLimit-* headers say about one counted request. */
export interface RateLimitCount {
  limit: number;
  count: number;
  resetSeconds: number;
}

export class RateLimiter {
  private readonly limit: number;
  private readonly redis: RateLimitRedis;
  private readonly counters = new Map<string, Counter>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: Pick<ApiDeps, 'redis' | 'logger' | 'config'>) {
    this.limit = deps.config.RATE_LIMIT_PER_MINUTE;
    this.redis = withScript(deps.redis);
  }

  /** Every request of the routes it guards: counted, RateLimit-* headers set, or 429. */
  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      const counted = await this.count(subjectOf(c));
      if (counted.count > counted.limit) {
        const retry = rateLimitHeaders(counted, { 'Retry-After': String(counted.resetSeconds) });
        throw new ApiError(429, 'rate_limited', 'Too many requests', `At most ${counted.limit} requests per minute; try again in ${counted.resetSeconds} s.`, undefined, retry);
      }
      // Set before the handler answers: they become part of whatever response is built, the error
      // handler's included, without rebuilding a finished response afterwards.
      const headers = rateLimitHeaders(counted);
      for (const name in headers) c.header(name, headers[name]);
      await next();
    };
  }

  /** Counts one request of `subject`, waiting for Redis only on its first request in a window. */
  async count(subject: string): Promise<RateLimitCount> {
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const redisKey = counterKey(subject, window);
    let counter = this.counters.get(redisKey);
    if (!counter) {
      counter = { redisKey, window, shared: 0, flushing: 0, pending: 1 };
      this.counters.set(redisKey, counter);
      const started = counter;
      started.first = this.flush(started).finally(() => (started.first = undefined));
      await started.first;
    } else {
      counter.pending++;
      if (counter.first) await counter.first;
    }
    return this.counted(counter, now);
  }

  /**
   * Counts one request of `subject` only if that needs no wait and stays within the limit; else
   * counts nothing and answers undefined (`count` then does the rest: the first round trip, 429).
   * For answers given without a promise (api/cached-order-read.ts).
   */
  countWithinLimit(subject: string): RateLimitCount | undefined {
    const now = Date.now();
    const counter = this.counters.get(counterKey(subject, Math.floor(now / WINDOW_MS)));
    if (!counter || counter.first || counter.shared + counter.flushing + counter.pending >= this.limit) return undefined;
    counter.pending++;
    return this.counted(counter, now);
  }

  private counted(counter: Counter, now: number): RateLimitCount {
    if (counter.pending > 0) this.scheduleFlush();
    return {
      limit: this.limit,
      count: counter.shared + counter.flushing + counter.pending,
      resetSeconds: Math.max(1, Math.ceil(((counter.window + 1) * WINDOW_MS - now) / 1000)),
    };
  }

  private async flush(counter: Counter): Promise<void> {
    if (counter.flushing > 0 || counter.pending === 0) return;
    const increment = counter.pending;
    counter.pending = 0;
    counter.flushing = increment;
    const added = await tryRedis(this.redis, this.deps.logger, 'rate limit', () => this.redis.rateLimitAdd(counter.redisKey, increment, WINDOW_MS * 2));
    counter.flushing = 0;
    if (added.ok) counter.shared = Number(added.value);
    else counter.pending += increment; // kept, and sent once Redis answers again
  }

  private readonly flushAll = (): void => {
    this.flushTimer = undefined;
    const window = Math.floor(Date.now() / WINDOW_MS);
    const flushes: Promise<void>[] = [];
    for (const counter of this.counters.values()) {
      if (counter.window < window) {
        // A past window: one last attempt, then it is forgotten.
        this.counters.delete(counter.redisKey);
        if (counter.pending > 0) void this.flush(counter);
      } else if (counter.pending > 0) {
        flushes.push(this.flush(counter));
      }
    }
    void Promise.all(flushes).then(() => {
      for (const counter of this.counters.values()) if (counter.pending > 0) return this.scheduleFlush();
    });
  };

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(this.flushAll, SYNC_INTERVAL_MS);
    this.flushTimer.unref();
  }
}

/** Sets the RateLimit-* headers of `counted` on `headers` (one by one: cheaper than a spread) and returns it. */
export function rateLimitHeaders(counted: RateLimitCount, headers: Record<string, string> = {}): Record<string, string> {
  headers['RateLimit-Limit'] = String(counted.limit);
  headers['RateLimit-Remaining'] = String(Math.max(0, counted.limit - counted.count));
  headers['RateLimit-Reset'] = String(counted.resetSeconds);
  return headers;
}

/** The rate-limit subject of an authenticated client. */
export const clientSubject = (clientId: string) => `client:${clientId}`;

/** The authenticated client, or the caller's socket address before there is one (token endpoint). */
function subjectOf(c: Context<AppEnv>): string {
  const principal = c.get('principal');
  if (principal) return clientSubject(principal.clientId);
  // X-Forwarded-For is not trusted: any caller could pick its own bucket.
  return `ip:${remoteAddress(c) ?? 'unknown'}`;
}

function remoteAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}
