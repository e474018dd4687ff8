// The saga benchmark's lanes: each places an order and waits until it is PROCESSING before placing
// the next, while the progress of every order (PROCESSING, DELIVERED) is followed from the order
// events the activities publish, with PostgreSQL as the fallback for an event Redis lost.
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import type { AppendedEvent } from '../activities/events-publisher';
import { log } from './support';

// ---------------------------------------------------------------- progress of each order

interface Waiter {
  processing: Deferred<number>;
  delivered: Deferred<number>;
  since: number;
}

class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (err: Error) => void;
  settled = false;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = (v) => {
        this.settled = true;
        resolve(v);
      };
      this.reject = (e) => {
        this.settled = true;
        reject(e);
      };
    });
    this.promise.catch(() => undefined);
  }
}

/** When each order became PROCESSING and DELIVERED (performance.now() of this process). */
export class Progress {
  private readonly waiters = new Map<string, Waiter>();

  expect(orderId: string): Waiter {
    const waiter: Waiter = { processing: new Deferred(), delivered: new Deferred(), since: performance.now() };
    this.waiters.set(orderId, waiter);
    return waiter;
  }

  processing(orderId: string, at = performance.now()): void {
    const w = this.waiters.get(orderId);
    if (w && !w.processing.settled) w.processing.resolve(at);
  }

  delivered(orderId: string, at = performance.now()): void {
    const w = this.waiters.get(orderId);
    if (!w) return;
    if (!w.processing.settled) w.processing.resolve(at);
    if (!w.delivered.settled) w.delivered.resolve(at);
  }

  failed(orderId: string, why: string): void {
    const w = this.waiters.get(orderId);
    if (!w) return;
    const err = new Error(`order ${orderId}: ${why}`);
    if (!w.processing.settled) w.processing.reject(err);
    if (!w.delivered.settled) w.delivered.reject(err);
  }

  /** Orders still waiting for something, and since when. */
  pending(): { orderId: string; since: number }[] {
    return [...this.waiters].filter(([, w]) => !w.delivered.settled).map(([orderId, w]) => ({ orderId, since: w.since }));
  }

  forget(): void {
    this.waiters.clear();
  }
}

/**
 * The saga's progress as a client sees it: the order events the activities publish after each
 * commit (Redis), with PostgreSQL as the fallback for an event Redis lost (publishing is best effort).
 */
export function watchSagaEvents(subscriber: Redis, dataSource: DataSource, progress: Progress): () => void {
  subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    let event: AppendedEvent;
    try {
      event = JSON.parse(message) as AppendedEvent;
    } catch {
      return; // someone else's channel content
    }
    if (event.type === 'payment.authorized') progress.processing(event.orderId);
    else if (event.type === 'order.delivered') progress.delivered(event.orderId);
    else if (event.type === 'order.rejected' || event.type === 'order.canceled' || event.type === 'order.needs_attention') {
      progress.failed(event.orderId, `${event.type} ${JSON.stringify(event.data)}`);
    }
  });
  const sweep = setInterval(() => void sweepStale().catch((err: Error) => log(`progress sweep: ${err.message}`)), 1000);
  const sweepStale = async () => {
    const stale = progress.pending().filter((p) => performance.now() - p.since > 3000);
    if (stale.length === 0) return;
    const rows: { id: string; status: string; lost: boolean }[] = await dataSource.query(
      `SELECT o.id, o.status, coalesce(c.delivered_at < now() - interval '30 seconds', false) AS lost
         FROM orders o LEFT JOIN sim_carrier_shipments c ON c.order_id = o.id
        WHERE o.id = ANY($1::uuid[])`,
      [stale.map((s) => s.orderId)],
    );
    for (const row of rows) {
      if (row.status === 'DELIVERED') progress.delivered(row.id);
      else if (row.status === 'PROCESSING' || row.status === 'SHIPPED') progress.processing(row.id);
      // The carrier delivered half a minute ago and the order never moved: the workflow dropped its events.
      if (row.status === 'PROCESSING' && row.lost) {
        progress.failed(row.id, 'stuck in PROCESSING although the carrier reported shipped and delivered (carrier events dropped by the workflow)');
      }
    }
  };
  return () => clearInterval(sweep);
}

// ---------------------------------------------------------------- driving orders

interface OrderTiming {
  orderId: string;
  /** ms from the run's start */
  placedAfter: number;
  /** update-with-start round trip */
  placeMs: number;
  toProcessingMs: number;
  processingAt: number;
}

export interface RunResult {
  orders: number;
  timings: OrderTiming[];
  processingPerSecond: number;
  deliveredPerSecond: number;
  wallSeconds: number;
}

export async function drive(opts: {
  orders: number;
  concurrency: number;
  progress: Progress;
  place: (i: number, orderId: string) => Promise<void>;
  timeoutMs: number;
}): Promise<RunResult> {
  const started = performance.now();
  const timings: OrderTiming[] = [];
  const delivered: Promise<number>[] = [];
  let next = 0;
  const lane = async () => {
    while (next < opts.orders) {
      const i = next++;
      const orderId = randomUUID();
      const waiter = opts.progress.expect(orderId);
      delivered.push(waiter.delivered.promise);
      const t0 = performance.now();
      await opts.place(i, orderId);
      const placed = performance.now();
      const processingAt = await waiter.processing.promise;
      timings.push({ orderId, placedAfter: t0 - started, placeMs: placed - t0, toProcessingMs: processingAt - t0, processingAt });
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${opts.timeoutMs / 1000} s; ${opts.progress.pending().length} orders pending`)), opts.timeoutMs);
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: opts.concurrency }, lane)), deadline]);
    const deliveredAt = await Promise.race([Promise.all(delivered), deadline]);
    const lastProcessing = Math.max(...timings.map((t) => t.processingAt));
    const lastDelivered = Math.max(...deliveredAt);
    return {
      orders: opts.orders,
      timings,
      processingPerSecond: opts.orders / ((lastProcessing - started) / 1000),
      deliveredPerSecond: opts.orders / ((lastDelivered - started) / 1000),
      wallSeconds: (lastDelivered - started) / 1000,
    };
  } finally {
    clearTimeout(timer);
    opts.progress.forget();
  }
}
