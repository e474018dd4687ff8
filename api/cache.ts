// The read cache of single orders: Redis (`order:<id>`, shared, CACHE_TTL_SECONDS) with a small
// in-process layer in front (LOCAL_CACHE_TTL_MS). The activities DEL `order:<id>` after every
// committed change and then publish the event; the event evicts the in-process copy. The
// in-process layer is used only while that subscription is live, so it can never outlive an
// invalidation by more than its short TTL. Redis away: straight to PostgreSQL.
import type { ApiDeps } from './deps';
import type { OrderEventsHub } from './order-events-hub';
import type { OrderSnapshot } from './order-projection';
import { tryRedis } from './redis-best-effort';

const LOCAL_MAX_ENTRIES = 10_000;

export const orderCacheKey = (orderId: string) => `order:${orderId}`;

export class OrderCache {
  private readonly local = new Map<string, { order: OrderSnapshot; expires: number }>();
  private readonly localTtlMs: number;
  private readonly ttlSeconds: number;

  constructor(
    private readonly deps: Pick<ApiDeps, 'redis' | 'logger' | 'config'>,
    private readonly hub: OrderEventsHub,
  ) {
    this.localTtlMs = deps.config.LOCAL_CACHE_TTL_MS;
    this.ttlSeconds = deps.config.CACHE_TTL_SECONDS;
    hub.onAnyOrder((orderId) => this.local.delete(orderId));
    if (this.localTtlMs > 0) hub.start();
  }

  /** The cached order, or what `load` reads (then cached); null (not cached) when there is none. */
  async get(orderId: string, load: () => Promise<OrderSnapshot | null>): Promise<OrderSnapshot | null> {
    const hit = this.peek(orderId);
    if (hit) return hit;
    const useLocal = this.localTrusted;
    const cached = await tryRedis(this.deps.redis, this.deps.logger, 'cache read', (r) => r.get(orderCacheKey(orderId)));
    if (cached.ok && cached.value !== null) {
      const order = JSON.parse(cached.value) as OrderSnapshot;
      if (useLocal) this.remember(order);
      return order;
    }
    const order = await load();
    if (order) {
      if (cached.ok) {
        await tryRedis(this.deps.redis, this.deps.logger, 'cache write', (r) => r.set(orderCacheKey(orderId), JSON.stringify(order), 'EX', this.ttlSeconds));
      }
      if (useLocal) this.remember(order);
    }
    return order;
  }

  /** The in-process copy while it is fresh and trusted, without a promise; else undefined. */
  peek(orderId: string): OrderSnapshot | undefined {
    if (!this.localTrusted) return undefined;
    const hit = this.local.get(orderId);
    return hit && hit.expires > Date.now() ? hit.order : undefined;
  }

  /** After a change made through this API: the next read must see it. */
  async invalidate(orderId: string): Promise<void> {
    this.local.delete(orderId);
    await tryRedis(this.deps.redis, this.deps.logger, 'cache invalidate', (r) => r.del(orderCacheKey(orderId)));
  }

  /** The in-process layer is on and its invalidations are arriving. */
  private get localTrusted(): boolean {
    return this.localTtlMs > 0 && this.hub.live;
  }

  private remember(order: OrderSnapshot): void {
    if (this.local.size >= LOCAL_MAX_ENTRIES) {
      const oldest = this.local.keys().next().value;
      if (oldest !== undefined) this.local.delete(oldest);
    }
    this.local.set(order.id, { order, expires: Date.now() + this.localTtlMs });
  }
}
