// One pattern subscription per API process to `order-events:*` (what the activities publish after
// each committed order event). It wakes the SSE streams of that order and evicts the order from
// the in-process cache. Events themselves are always read from order_events, so a lost message
// only delays a stream until its next poll.
import type Redis from 'ioredis';
import type { Logger } from '../runtime/logger';

const CHANNEL_PREFIX = 'order-events:';

export type OrderEventListener = (orderId: string, seq: number | null) => void;

export class OrderEventsHub {
  private readonly byOrder = new Map<string, Set<() => void>>();
  private readonly everyOrder = new Set<OrderEventListener>();
  private subscribed = false;
  /** The server confirmed the subscription: from then on no event goes by unseen. */
  private confirmed = false;
  /**
   * Bumped whenever the subscription's connection closes: events published until it is back are
   * lost, so whatever was cached under an older generation may be stale (cache.ts drops it).
   */
  private gaps = 0;

  constructor(
    private readonly subscriber: Redis | undefined,
    private readonly logger: Logger,
  ) {}

  /** Changes whenever events may have been missed (the subscription's connection closed). */
  get generation(): number {
    return this.gaps;
  }

  /** Whether events arrive right now (a connected subscription). */
  get live(): boolean {
    return this.subscriber !== undefined && this.confirmed && this.subscriber.status === 'ready';
  }

  /** Starts the subscription. */
  start(): void {
    const subscriber = this.subscriber;
    if (!subscriber || this.subscribed) return;
    this.subscribed = true;
    subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const orderId = channel.slice(CHANNEL_PREFIX.length);
      let seq: number | null = null;
      try {
        const parsed = JSON.parse(message) as { seq?: unknown };
        if (typeof parsed.seq === 'number') seq = parsed.seq;
      } catch {
        // a wake-up is enough
      }
      for (const listener of this.everyOrder) listener(orderId, seq);
      for (const wake of this.byOrder.get(orderId) ?? []) wake();
    });
    // Asked once the connection is ready (before that ioredis refuses it: no offline queue), and
    // again when a subscription refused while Redis was away finds it back (ioredis re-subscribes
    // by itself only what the server once confirmed).
    const subscribe = () =>
      subscriber.psubscribe(`${CHANNEL_PREFIX}*`).then(
        () => (this.confirmed = true),
        (err: Error) => this.logger.warn({ err: err.message }, 'order events subscription failed; streams poll PostgreSQL'),
      );
    subscriber.on('close', () => this.gaps++);
    subscriber.on('ready', () => {
      if (!this.confirmed) void subscribe();
    });
    if (subscriber.status === 'ready') void subscribe();
  }

  onAnyOrder(listener: OrderEventListener): void {
    this.everyOrder.add(listener);
  }

  /** Calls `wake` whenever an event of `orderId` is published; returns the unsubscribe. */
  watch(orderId: string, wake: () => void): () => void {
    this.start();
    let set = this.byOrder.get(orderId);
    if (!set) this.byOrder.set(orderId, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.byOrder.delete(orderId);
    };
  }
}
