// recordOrderEvent and the event trail: one transaction for event + projection, a gapless
// per-order sequence, then a best-effort publish to Redis.
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import pino from 'pino';
import { orderEventsChannel } from '../../activities/events-publisher';
import { orderCacheKey, readCachedOrder, writeCachedOrder } from '../../entities/order-cache';
import { withRequestContext } from '../../runtime/logger';
import { type Kit, REDIS_URL, buildKit, eventsOf, failureOf, openKit, openRedis, orderRow, placedOrder } from './fixtures';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

describe('recordOrderEvent', () => {
  it('appends the event and applies its projection change: status, reason, lines, totals, address, tracking number', async () => {
    const { orderId, placement } = await placedOrder(kit, { quantities: [1] });
    if (!placement.accepted) throw new Error('unreachable');
    const lines = [{ ...placement.lines[0], quantity: 4, amount: 4000 }];
    const totals = { subtotal: 4000, discount: 0, shipping: 750, tax: 0, total: 4750 };
    const shippingAddress = { name: 'Grace', line1: '2 Side St', city: 'Boston', postalCode: '02101', country: 'US' };

    const { seq } = await kit.activities.recordOrderEvent({
      orderId,
      type: 'order.updated',
      dedupeKey: 'updated:1',
      changes: { lines, totals, shippingAddress, trackingNumber: '1Z999' },
      data: { by: 'test' },
    });

    expect(seq).toBe(2);
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ total: '4750', shipping_address: shippingAddress, tracking_number: '1Z999', event_seq: 2 });
    expect(await kit.dataSource.query('SELECT quantity, amount FROM order_lines WHERE order_id = $1', [orderId])).toEqual([{ quantity: 4, amount: '4000' }]);
    expect((await eventsOf(kit.dataSource, orderId))[1]).toMatchObject({ seq: 2, type: 'order.updated', dedupeKey: 'updated:1', data: { by: 'test', changes: { totals } } });
  });

  it('records the client and request the activity runs for as the actor, and the system without one', async () => {
    const { orderId } = await placedOrder(kit);
    await withRequestContext({ requestId: 'req-1', clientId: 'shop-a' }, () =>
      kit.activities.recordOrderEvent({ orderId, type: 'order.updated', dedupeKey: 'updated:1', data: {} }),
    );
    await kit.activities.recordOrderEvent({ orderId, type: 'order.updated', dedupeKey: 'updated:2', data: {} });

    const actors = await kit.dataSource.query('SELECT seq, actor_client_id, request_id FROM order_events WHERE order_id = $1 AND seq > 1 ORDER BY seq', [orderId]);
    expect(actors).toEqual([
      { seq: 2, actor_client_id: 'shop-a', request_id: 'req-1' },
      { seq: 3, actor_client_id: null, request_id: null },
    ]);
  });

  it('remembers where a parked order came from and forgets it when the order resumes', async () => {
    const { orderId } = await placedOrder(kit);

    await kit.activities.recordOrderEvent({ orderId, type: 'order.needs_attention', dedupeKey: 'na:1', status: 'NEEDS_ATTENTION', statusReason: 'carrier down' });
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ status: 'NEEDS_ATTENTION', status_reason: 'carrier down', parked_from: 'PENDING' });

    await kit.activities.recordOrderEvent({ orderId, type: 'order.resumed', dedupeKey: 'resumed:1', status: 'PENDING', statusReason: null });
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ status: 'PENDING', status_reason: null, parked_from: null });
  });

  it('appends nothing for a dedupe key it has seen and answers with the first sequence number', async () => {
    const { orderId } = await placedOrder(kit);
    const input = { orderId, type: 'order.canceled' as const, dedupeKey: 'canceled', status: 'CANCELLED' as const, statusReason: 'asked' };

    const first = await kit.activities.recordOrderEvent(input);
    const before = await orderRow(kit.dataSource, orderId);
    const second = await kit.activities.recordOrderEvent({ ...input, statusReason: 'asked again' });

    expect(second).toEqual(first);
    expect(await orderRow(kit.dataSource, orderId)).toEqual(before);
    expect(await eventsOf(kit.dataSource, orderId)).toHaveLength(2);
  });

  it('keeps the sequence gapless under 40 concurrent calls, half of them repeats', async () => {
    const { orderId } = await placedOrder(kit);
    const keys = Array.from({ length: 20 }, (_, i) => `updated:${i}`);

    const answers = await Promise.all(
      [...keys, ...keys].map((dedupeKey) => kit.activities.recordOrderEvent({ orderId, type: 'order.updated', dedupeKey })),
    );

    const events = await eventsOf(kit.dataSource, orderId);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(answers.slice(0, 20)).toEqual(answers.slice(20));
    expect(new Set(answers.map((a) => a.seq)).size).toBe(20);
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ event_seq: 21 });
  });

  it('fails OrderNotFound (non-retryable) for an order that was never placed', async () => {
    const failure = await failureOf(
      kit.activities.recordOrderEvent({ orderId: '00000000-0000-4000-8000-00000000beef', type: 'order.updated', dedupeKey: 'x' }),
    );

    expect(failure).toMatchObject({ type: 'OrderNotFound', nonRetryable: true });
  });
});

describe('publishing to Redis', () => {
  let redis: Redis;
  let subscriber: Redis;
  beforeAll(async () => {
    redis = await openRedis();
    subscriber = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis.disconnect();
    subscriber.disconnect();
  });

  it('publishes each event on order-events:<id> after the commit, and drops the cached order first (its floor: the event)', async () => {
    const live = buildKit(kit.dataSource, { redis });
    const { orderId } = await placedOrder(live);
    await writeCachedOrder(redis, orderId, 1, '{"stale":true}', 60);
    await subscriber.subscribe(orderEventsChannel(orderId));
    const received = new Promise<{ message: unknown; committed: unknown[]; cached: string | null }>((resolve) => {
      subscriber.once('message', async (_channel: string, message: string) => {
        // Seen from another connection while the message is fresh: the event is already committed.
        const parsed = JSON.parse(message) as { seq: number };
        const committed = await kit.dataSource.query('SELECT seq FROM order_events WHERE order_id = $1 AND seq = $2', [orderId, parsed.seq]);
        resolve({ message: parsed, committed, cached: await readCachedOrder(redis, orderId) });
      });
    });

    await live.activities.recordOrderEvent({ orderId, type: 'order.updated', dedupeKey: 'updated:1', data: { note: 'hello' } });

    const { message, committed, cached } = await received;
    expect(message).toEqual({ orderId, seq: 2, type: 'order.updated', data: { note: 'hello' }, occurredAt: expect.any(String) });
    expect(committed).toEqual([{ seq: 2 }]);
    expect(cached).toBeNull();
    expect(await redis.hget(orderCacheKey(orderId), 'seq')).toBe('2');
    await subscriber.unsubscribe();
  });

  it('does not fail or stall an activity when Redis is unreachable, and says so in the log', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }));
    // Nothing listens on port 1; without the offline queue commands fail at once instead of waiting.
    // No reconnecting: the client ends by itself (disconnect() on an ended client lingers 2 s).
    const down = new Redis({ port: 1, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    const offline = buildKit(kit.dataSource, { redis: down, logger });
    const started = Date.now();

    const { orderId } = await placedOrder(offline);
    await offline.activities.recordOrderEvent({ orderId, type: 'order.updated', dedupeKey: 'updated:1' });

    expect(Date.now() - started).toBeLessThan(3000);
    expect(await eventsOf(kit.dataSource, orderId)).toHaveLength(2);
    expect(lines.join('')).toContain('publishing order events to Redis failed');
  });
});
