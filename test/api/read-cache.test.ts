// The read cache never goes back in time: a read-through that loaded an order before a change and
// writes after the change's invalidation must not put the older snapshot back, in Redis or in the
// in-process layer. Each race is made deterministic by holding the read-through between its load
// (real PostgreSQL) and its write (real Redis) while the order advances through the activities.
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { OrderCache } from '../../api/cache';
import { OrderEventsHub } from '../../api/order-events-hub';
import { loadOrder, type OrderSnapshot } from '../../api/order-projection';
import { readCachedOrder } from '../../entities/order-cache';
import { apiSchema, parseConfig } from '../../runtime/config';
import { type Kit, buildKit, placedOrder } from '../activities/fixtures';
import { openTestDataSource } from '../support/db';
import { apiRedis, readyRedis, silent } from '../support/api';
import { eventually } from '../support/temporal';

let dataSource: DataSource;
let kit: Kit;
const clients: Redis[] = [];

function redisClient(): Redis {
  const redis = apiRedis();
  clients.push(redis);
  return redis;
}

beforeAll(async () => {
  dataSource = await openTestDataSource();
  const activityRedis = redisClient();
  await readyRedis(activityRedis);
  kit = buildKit(dataSource, { redis: activityRedis });
});
afterAll(async () => {
  for (const redis of clients) redis.disconnect();
  await dataSource.destroy();
});

/** An API process's cache: its own Redis connections, `localTtlMs` 0 turns the in-process layer off. */
async function apiCache(localTtlMs: number): Promise<{ cache: OrderCache; hub: OrderEventsHub; redis: Redis; subscriber: Redis }> {
  const redis = redisClient();
  const subscriber = redisClient();
  await Promise.all([readyRedis(redis), readyRedis(subscriber)]);
  const config = parseConfig(apiSchema, { NODE_ENV: 'test', CACHE_TTL_SECONDS: '60', LOCAL_CACHE_TTL_MS: String(localTtlMs) });
  const hub = new OrderEventsHub(subscriber, silent);
  const cache = new OrderCache({ redis, logger: silent, config }, hub);
  if (localTtlMs > 0) await eventually(async () => hub.live, 'the order events subscription');
  return { cache, hub, redis, subscriber };
}

const load = (orderId: string) => () => loadOrder({ dataSource }, orderId);

/** A read-through whose load has read PostgreSQL and now waits for `release` before the cache writes. */
function heldRead(cache: OrderCache, orderId: string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let loaded!: (snapshot: OrderSnapshot | null) => void;
  const snapshot = new Promise<OrderSnapshot | null>((resolve) => (loaded = resolve));
  const result = cache.get(orderId, async () => {
    const order = await loadOrder({ dataSource }, orderId);
    loaded(order);
    await gate;
    return order;
  });
  return { snapshot, release, result };
}

/** The order moves on: one more event, committed and published (the floor raised) by the activity. */
async function advance(orderId: string, n: number): Promise<void> {
  await kit.activities.recordOrderEvent({ orderId, type: 'order.updated', dedupeKey: `updated:${n}`, changes: { trackingNumber: `1ZRACE${n}` } });
}

const noLoad = async (): Promise<OrderSnapshot | null> => {
  throw new Error('expected a cache hit');
};

describe('the Redis layer', () => {
  it('refuses a read-through write that lands after a concurrent invalidation', async () => {
    const { cache } = await apiCache(0);
    const { orderId } = await placedOrder(kit);
    const read = heldRead(cache, orderId);
    expect((await read.snapshot)?.eventSeq).toBe(1);

    await advance(orderId, 1); // commits seq 2, then raises the floor to 2
    read.release();
    expect((await read.result)?.eventSeq).toBe(1); // it answers what it read: it began before the change

    const next = await cache.get(orderId, load(orderId));
    expect(next).toMatchObject({ eventSeq: 2, trackingNumber: '1ZRACE1' });
    expect(await cache.get(orderId, noLoad)).toMatchObject({ eventSeq: 2 }); // and that one is cached
  });

  it('never overwrites a newer snapshot that another API process cached meanwhile', async () => {
    const slow = await apiCache(0);
    const other = await apiCache(0);
    const { orderId } = await placedOrder(kit);
    const read = heldRead(slow.cache, orderId);
    await read.snapshot;

    await advance(orderId, 1);
    expect(await other.cache.get(orderId, load(orderId))).toMatchObject({ eventSeq: 2 }); // cached by the other process
    read.release();
    await read.result;

    const cached = await readCachedOrder(slow.redis, orderId);
    expect(JSON.parse(cached ?? 'null')).toMatchObject({ eventSeq: 2, trackingNumber: '1ZRACE1' });
  });

  it("the API's own invalidation after a change refuses what was cached before it, late writes included", async () => {
    const route = await apiCache(0);
    const slow = await apiCache(0);
    const { orderId } = await placedOrder(kit);
    const read = heldRead(slow.cache, orderId); // a miss: loads seq 1, held
    await read.snapshot;
    await route.cache.get(orderId, load(orderId)); // seq 1 cached
    // A change whose own publish was lost (a Redis blip): only the route's invalidation follows it.
    await dataSource.query(`UPDATE orders SET tracking_number = '1ZQUIET', event_seq = event_seq + 1 WHERE id = $1`, [orderId]);
    await route.cache.invalidate(orderId);
    read.release();
    await read.result;

    expect(await route.cache.get(orderId, load(orderId))).toMatchObject({ eventSeq: 2, trackingNumber: '1ZQUIET' });
  });
});

describe('the in-process layer', () => {
  it('refuses a read-through that loaded before an event it has already seen', async () => {
    const { cache, hub } = await apiCache(60_000); // a long local TTL: a stale copy would stay
    const { orderId } = await placedOrder(kit);
    const read = heldRead(cache, orderId);
    await read.snapshot;

    const seen = new Promise<void>((resolve) => hub.watch(orderId, resolve));
    await advance(orderId, 1);
    await seen; // the event reached this process before the read-through finished
    read.release();
    expect((await read.result)?.eventSeq).toBe(1);

    expect(cache.peek(orderId)).toBeUndefined();
    expect(await cache.get(orderId, load(orderId))).toMatchObject({ eventSeq: 2 });
    expect(cache.peek(orderId)).toMatchObject({ eventSeq: 2 });
  });

  it('drops what it cached before the event subscription reconnected: events published meanwhile were lost', async () => {
    const { cache, hub, subscriber } = await apiCache(60_000);
    const { orderId } = await placedOrder(kit);
    expect(await cache.get(orderId, load(orderId))).toMatchObject({ eventSeq: 1 });
    expect(cache.peek(orderId)).toMatchObject({ eventSeq: 1 });

    // The subscription's connection drops; the order moves on while nobody listens.
    subscriber.disconnect();
    await eventually(async () => !hub.live, 'the subscription down');
    await advance(orderId, 1);
    await subscriber.connect();
    await eventually(async () => hub.live, 'the subscription back');

    // The copy of before the gap is not served for the rest of its TTL, nor taken back.
    expect(cache.peek(orderId)).toBeUndefined();
    expect(cache.heldLately(orderId)).toBe(true);
    expect(await cache.get(orderId, load(orderId))).toMatchObject({ eventSeq: 2 });
    expect(cache.peek(orderId)).toMatchObject({ eventSeq: 2 });
  });

  it('keeps the newer of two snapshots when an older one arrives from a slower read', async () => {
    const { cache, hub } = await apiCache(60_000);
    const { orderId } = await placedOrder(kit);
    const read = heldRead(cache, orderId);
    await read.snapshot;
    const seen = new Promise<void>((resolve) => hub.watch(orderId, resolve));
    await advance(orderId, 1);
    await seen;
    expect(await cache.get(orderId, load(orderId))).toMatchObject({ eventSeq: 2 });

    read.release();
    await read.result;
    expect(cache.peek(orderId)).toMatchObject({ eventSeq: 2 });
  });
});
