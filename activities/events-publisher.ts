// Live order events for subscribers (the API's SSE stream) and cache invalidation. Best effort
// by design: the events are already committed in order_events, from which subscribers catch
// up, so a Redis outage is logged and swallowed and never fails or slows an activity for long.
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { OrderEventType } from '../domain/events';
import { invalidateCachedOrder } from '../entities/order-cache';

/** An event as appended to order_events, and as published on `order-events:<orderId>`. */
export interface AppendedEvent {
  orderId: string;
  seq: number;
  type: OrderEventType;
  data: Record<string, unknown>;
  occurredAt: string;
}

export const orderEventsChannel = (orderId: string) => `order-events:${orderId}`;

const PUBLISH_TIMEOUT_MS = 1000;

export class EventPublisher {
  constructor(
    private readonly redis: Redis | null | undefined,
    private readonly logger: Logger,
    private readonly timeoutMs = PUBLISH_TIMEOUT_MS,
  ) {}

  /** Call only after the transaction that appended `events` has committed. */
  async publish(events: AppendedEvent[]): Promise<void> {
    const redis = this.redis;
    if (!redis || events.length === 0) return;
    const lastSeq = new Map<string, number>();
    for (const e of events) lastSeq.set(e.orderId, Math.max(e.seq, lastSeq.get(e.orderId) ?? 0));
    const orderIds = [...lastSeq.keys()];
    // Invalidate first, then publish (ioredis sends in call order): a subscriber that reacts
    // to an event by reading the order must not be served the cached old version. The floor
    // also stops a read-through that loaded before this commit from caching what it loaded.
    const sent = Promise.all([
      ...[...lastSeq].map(([id, seq]) => invalidateCachedOrder(redis, id, seq)),
      ...events.map((e) => redis.publish(orderEventsChannel(e.orderId), JSON.stringify(e))),
    ]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([sent, timeout]);
    } catch (err) {
      this.logger.warn(
        { err, orderIds, seqs: events.map((e) => e.seq) },
        'publishing order events to Redis failed; subscribers catch up from order_events',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
