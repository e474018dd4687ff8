// Order metrics on the API's metrics port, read from the PostgreSQL projection when Prometheus
// scrapes (one grouped query per scrape, under a timeout):
//   orders_by_status{status}        how many orders are in each status now;
//   saga_outcomes_total{outcome}    sagas that finished delivered / cancelled / rejected.
// Outcomes come from the projection rather than from live events: every API replica then reports
// the same exact total (nothing double counted across replicas, nothing lost with a pub/sub
// message, nothing reset by a restart). It stays a counter because terminal statuses are final
// and orders are never deleted. Orders migrated as history never ran a saga and are left out;
// migrated orders an order workflow adopted are counted.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { ORDER_STATUSES } from '../domain/order-status';
import type { Logger } from '../runtime/logger';

const QUERY_TIMEOUT_MS = 2000;
/** A scrape asks twice (once per metric); both share one query. */
const REUSE_MS = 1000;

const OUTCOME_OF_STATUS: Partial<Record<string, 'delivered' | 'cancelled' | 'rejected'>> = {
  DELIVERED: 'delivered',
  CANCELLED: 'cancelled',
  REJECTED: 'rejected',
};

interface StatusCounts {
  status: string;
  orders: number;
  /** Of those, orders that ran a saga (placed through the API, or adopted from the legacy system). */
  sagas: number;
}

export function registerOrderMetrics(deps: { dataSource: DataSource; logger: Logger; metrics: Registry }): void {
  let last: { at: number; counts: Promise<StatusCounts[] | null> } | undefined;
  const counts = () => {
    if (!last || Date.now() - last.at > REUSE_MS) last = { at: Date.now(), counts: countByStatus(deps) };
    return last.counts;
  };

  new Gauge({
    name: 'orders_by_status',
    help: 'Orders in each status now (PostgreSQL projection, read at scrape time)',
    labelNames: ['status'] as const,
    registers: [deps.metrics],
    async collect() {
      const rows = await counts();
      this.reset();
      // Without an answer there is no sample: better no figure than a stale one.
      if (!rows) return;
      for (const status of ORDER_STATUSES) this.set({ status }, 0);
      for (const row of rows) this.set({ status: row.status }, row.orders);
    },
  });

  new Counter({
    name: 'saga_outcomes_total',
    help: 'Order sagas finished, by outcome (terminal statuses of orders that ran a saga, read at scrape time)',
    labelNames: ['outcome'] as const,
    registers: [deps.metrics],
    async collect() {
      const rows = await counts();
      this.reset();
      if (!rows) return;
      for (const outcome of ['delivered', 'cancelled', 'rejected'] as const) this.inc({ outcome }, 0);
      for (const row of rows) {
        const outcome = OUTCOME_OF_STATUS[row.status];
        if (outcome) this.inc({ outcome }, row.sagas);
      }
    },
  });
}

/** The grouped count, or null (logged) when PostgreSQL does not answer within the timeout. */
async function countByStatus({ dataSource, logger }: { dataSource: DataSource; logger: Logger }): Promise<StatusCounts[] | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${QUERY_TIMEOUT_MS} ms`)), QUERY_TIMEOUT_MS);
  });
  try {
    // statement_timeout stops the query in PostgreSQL too; the timer also covers waiting for a pooled connection.
    const query = dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL statement_timeout = ${QUERY_TIMEOUT_MS}`);
      const rows: { status: string; orders: string; sagas: string }[] = await manager.query(
        `SELECT o.status, count(*) AS orders,
                count(*) FILTER (WHERE o.legacy_order_no IS NULL OR a.adopted_at IS NOT NULL) AS sagas
           FROM orders o LEFT JOIN migration_adoptions a ON a.order_id = o.id
          GROUP BY o.status`,
      );
      return rows.map((r) => ({ status: r.status, orders: Number(r.orders), sagas: Number(r.sagas) }));
    });
    query.catch(() => undefined); // a late failure after the deadline is already reported
    return await Promise.race([query, deadline]);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'orders by status: PostgreSQL did not answer; the scrape has no order figures');
    return null;
  } finally {
    clearTimeout(timer);
  }
}
