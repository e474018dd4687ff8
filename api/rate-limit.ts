// Per-client rate limit: a fixed one-minute window counted in Redis (shared by every API
// process). RateLimit-Limit/-Remaining/-Reset go on every response; over the limit is 429 with
// Retry-After. While Redis is away each process counts on its own, so clients keep being served
// (a limit per process is looser, never stricter, than the shared one).
import type { Context, MiddlewareHandler } from 'hono';
import type { ApiDeps, AppEnv } from './deps';
import { ApiError } from './errors';
import { tryRedis } from './redis-best-effort';

const WINDOW_MS = 60_000;

export function rateLimit(deps: Pick<ApiDeps, 'redis' | 'logger' | 'config'>): MiddlewareHandler<AppEnv> {
  const limit = deps.config.RATE_LIMIT_PER_MINUTE;
  const local = new Map<string, number>();
  let localWindow = 0;

  const countLocally = (key: string, window: number): number => {
    if (window !== localWindow) {
      local.clear();
      localWindow = window;
    }
    const count = (local.get(key) ?? 0) + 1;
    local.set(key, count);
    return count;
  };

  return async (c, next) => {
    const key = subjectOf(c);
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    const redisKey = `ratelimit:${key}:${window}`;
    const counted = await tryRedis(deps.redis, deps.logger, 'rate limit', async (redis) => {
      const results = await redis.multi().incr(redisKey).pexpire(redisKey, WINDOW_MS * 2).exec();
      const count = results?.[0]?.[1];
      if (typeof count !== 'number') throw new Error('INCR gave no count');
      return count;
    });
    const count = counted.ok ? counted.value : countLocally(key, window);
    const headers = {
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(Math.max(0, limit - count)),
      'RateLimit-Reset': String(resetSeconds),
    };
    if (count > limit) {
      throw new ApiError(429, 'rate_limited', 'Too many requests', `At most ${limit} requests per minute; try again in ${resetSeconds} s.`, undefined, {
        ...headers,
        'Retry-After': String(resetSeconds),
      });
    }
    try {
      await next();
    } finally {
      // Also on error responses: onError builds a new response, so set them on whatever is final.
      for (const [k, v] of Object.entries(headers)) c.header(k, v);
    }
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
