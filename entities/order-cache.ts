// The read cache's layout in Redis, shared by the API (which reads orders through it) and the
// activities (which invalidate it after every committed change). `order:<id>` is a hash whose
// `seq` is the order's last event sequence: with `doc` (the snapshot's JSON) it is a cached
// snapshot of that sequence, without it a floor that says "nothing older than seq may be
// cached". Both writes are Lua scripts comparing `seq`, so a read-through that loaded before a
// change and writes after its invalidation can never put the older snapshot back.
import type Redis from 'ioredis';

export const orderCacheKey = (orderId: string) => `order:${orderId}`;

/** How long a floor outlives its invalidation: far longer than any read-through takes. */
export const ORDER_CACHE_FLOOR_TTL_SECONDS = 300;

// A key of another type (the plain string of older releases) is dropped first.
const HASH_ONLY = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'hash' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
local cur = tonumber(redis.call('HGET', KEYS[1], 'seq'))
local cached = redis.call('HEXISTS', KEYS[1], 'doc') == 1`;

/** ARGV: seq, doc, ttl. Writes unless the key holds a snapshot as new or newer, or a floor above seq. */
const WRITE_SNAPSHOT = `${HASH_ONLY}
local seq = tonumber(ARGV[1])
if cur and (seq < cur or (cached and seq == cur)) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'doc', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * ARGV: seq (or '' for "newer than what is cached"), ttl. Replaces a snapshot older than seq by a
 * floor at seq; a snapshot or floor at seq or above stays.
 */
const RAISE_FLOOR = `${HASH_ONLY}
local floor = tonumber(ARGV[1])
if not floor then
  if not (cur and cached) then return 0 end
  floor = cur + 1
end
if cur and cur >= floor then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'seq', floor)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

type CacheRedis = Redis & {
  orderCacheWrite(key: string, seq: number, doc: string, ttlSeconds: number): Promise<number>;
  orderCacheFloor(key: string, seq: number | '', ttlSeconds: number): Promise<number>;
};

function withScripts(redis: Redis): CacheRedis {
  const r = redis as CacheRedis;
  // defineCommand sends EVALSHA, falling back to EVAL once when Redis does not know the script.
  if (typeof r.orderCacheWrite !== 'function') {
    redis.defineCommand('orderCacheWrite', { numberOfKeys: 1, lua: WRITE_SNAPSHOT });
    redis.defineCommand('orderCacheFloor', { numberOfKeys: 1, lua: RAISE_FLOOR });
  }
  return r;
}

/** The cached snapshot's JSON, or null (nothing cached, or only a floor). */
export function readCachedOrder(redis: Redis, orderId: string): Promise<string | null> {
  return redis.hget(orderCacheKey(orderId), 'doc');
}

/** Caches a snapshot of sequence `seq` unless something newer is known; 1 when written. */
export function writeCachedOrder(redis: Redis, orderId: string, seq: number, doc: string, ttlSeconds: number): Promise<number> {
  return withScripts(redis).orderCacheWrite(orderCacheKey(orderId), seq, doc, ttlSeconds);
}

/**
 * After a change: nothing older than `seq` (the change's event sequence) may be served or cached
 * any more. Without `seq`, whatever snapshot is cached now is refused.
 */
export function invalidateCachedOrder(redis: Redis, orderId: string, seq?: number): Promise<number> {
  return withScripts(redis).orderCacheFloor(orderCacheKey(orderId), seq ?? '', ORDER_CACHE_FLOOR_TTL_SECONDS);
}
