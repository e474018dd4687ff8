// The read cache of single orders: Redis (`order:<id>`, shared, CACHE_TTL_SECONDS) with a small
// in-process layer in front (LOCAL_CACHE_TTL_MS). The activities raise the order's floor in Redis
// after every committed change and then publish the event; the event evicts the in-process copy
// and raises its floor here. Snapshots carry their event sequence (`eventSeq`) and neither layer
// takes one below its floor or below what it holds, so a read-through that loaded before a change
// cannot bring the old snapshot back (entities/order-cache.ts). The in-process layer is used only
// while the event subscription is live, and only for what it cached since the subscription last
// connected (events published while it was away are lost: `generation`), so an in-process copy
// is never kept past an event it should have seen; its TTL bounds only a write that publishes
// nothing. Redis away: straight to PostgreSQL.
import { invalidateCachedOrder, readCachedOrder, writeCachedOrder } from '../entities/order-cache';
import type { ApiDeps } from './deps';
import type { OrderEventsHub } from './order-events-hub';
import type { OrderSnapshot } from './order-projection';
import { tryRedis } from './redis-best-effort';

const LOCAL_MAX_ENTRIES = 10_000;
/** How long the in-process layer remembers a floor: far longer than a read-through takes. */
const LOCAL_FLOOR_MS = 60_000;

/** A cached snapshot (until `expires`) and the lowest sequence this layer may still take. */
interface LocalEntry {
  order: OrderSnapshot | null;
  expires: number;
  /** The event subscription's generation the snapshot was loaded in (OrderEventsHub.generation). */
  generation: number;
  floor: number;
  floorExpires: number;
}

export class OrderCache {
  private readonly local = new Map<string, LocalEntry>();
  private readonly localTtlMs: number;
  private readonly ttlSeconds: number;

  constructor(
    private readonly deps: Pick<ApiDeps, 'redis' | 'logger' | 'config'>,
    private readonly hub: OrderEventsHub,
  ) {
    this.localTtlMs = deps.config.LOCAL_CACHE_TTL_MS;
    this.ttlSeconds = deps.config.CACHE_TTL_SECONDS;
    hub.onAnyOrder((orderId, seq) => this.evict(orderId, seq));
    if (this.localTtlMs > 0) hub.start();
  }

  /** The cached order, or what `load` reads (then cached); null (not cached) when there is none. */
  async get(orderId: string, load: () => Promise<OrderSnapshot | null>): Promise<OrderSnapshot | null> {
    const hit = this.peek(orderId);
    if (hit) return hit;
    const useLocal = this.localTrusted;
    const generation = this.hub.generation;
    const cached = await tryRedis(this.deps.redis, this.deps.logger, 'cache read', (r) => readCachedOrder(r, orderId));
    if (cached.ok && cached.value !== null) {
      const order = JSON.parse(cached.value) as OrderSnapshot;
      if (useLocal) this.remember(order, generation);
      return order;
    }
    const order = await load();
    if (order) {
      if (cached.ok) {
        await tryRedis(this.deps.redis, this.deps.logger, 'cache write', (r) =>
          writeCachedOrder(r, orderId, order.eventSeq, JSON.stringify(order), this.ttlSeconds),
        );
      }
      if (useLocal) this.remember(order, generation);
    }
    return order;
  }

  /** The in-process copy while it is fresh and trusted, without a promise; else undefined. */
  peek(orderId: string): OrderSnapshot | undefined {
    if (!this.localTrusted) return undefined;
    const entry = this.local.get(orderId);
    return entry?.order && entry.expires > Date.now() && entry.generation === this.hub.generation ? entry.order : undefined;
  }

  /** The event subscription's generation now, for `rememberPending`. */
  get generation(): number {
    return this.hub.generation;
  }

  /**
   * An order Temporal holds and its workflow has not recorded yet (`pendingSnapshot`), as a POST
   * answered it: kept for reads until the record's event evicts it (its floor refuses it, had the
   * event come first). `since`: the generation before the POST asked Temporal, so a record whose
   * event was lost meanwhile cannot leave it behind.
   */
  rememberPending(order: OrderSnapshot, since: number): void {
    if (this.localTrusted) this.remember(order, since);
  }

  /** Whether this process knows the order lately: a copy, or the floor one of its events left. */
  heldLately(orderId: string): boolean {
    return this.local.has(orderId);
  }

  /** After a change made through this API: the next read must not see the snapshot cached now. */
  async invalidate(orderId: string): Promise<void> {
    this.evict(orderId, null);
    await tryRedis(this.deps.redis, this.deps.logger, 'cache invalidate', (r) => invalidateCachedOrder(r, orderId));
  }

  /** The in-process layer is on and its invalidations are arriving. */
  private get localTrusted(): boolean {
    return this.localTtlMs > 0 && this.hub.live;
  }

  /** Drops the copy; nothing below `seq` (or, without it, the copy's successor) is taken again. */
  private evict(orderId: string, seq: number | null): void {
    const entry = this.local.get(orderId);
    const now = Date.now();
    const known = entry && entry.floorExpires > now ? entry.floor : 0;
    const floor = Math.max(known, seq ?? (entry?.order ? entry.order.eventSeq + 1 : 0));
    if (this.localTtlMs <= 0 || floor === 0) {
      this.local.delete(orderId);
      return;
    }
    this.put(orderId, { order: null, expires: 0, generation: 0, floor, floorExpires: now + LOCAL_FLOOR_MS });
  }

  /** Keeps `order`, loaded in subscription `generation`, unless events may have been missed since. */
  private remember(order: OrderSnapshot, generation: number): void {
    if (generation !== this.hub.generation) return;
    const entry = this.local.get(order.id);
    const now = Date.now();
    if (entry && entry.floorExpires > now && order.eventSeq < entry.floor) return;
    if (entry?.order && entry.expires > now && entry.order.eventSeq > order.eventSeq) return;
    this.put(order.id, { order, expires: now + this.localTtlMs, generation, floor: entry?.floor ?? 0, floorExpires: entry?.floorExpires ?? 0 });
  }

  private put(orderId: string, entry: LocalEntry): void {
    this.local.delete(orderId); // re-inserted last: the map's order is the eviction order
    if (this.local.size >= LOCAL_MAX_ENTRIES) {
      const oldest = this.local.keys().next().value;
      if (oldest !== undefined) this.local.delete(oldest);
    }
    this.local.set(orderId, entry);
  }
}
