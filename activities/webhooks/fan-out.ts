// The fan-out: new feed events become deliveries. It reads the same commit-safe feed as
// GET /v1/events, from a position kept in webhook_fanout, so no event is skipped when its
// transaction commits late, and moves the position in the transaction that queues the
// deliveries: a crash in between repeats nothing and loses nothing.
import type { DataSource } from 'typeorm';
import { type FeedPosition, readFeed } from '../../entities/event-feed';
import { queueDeliveries } from '../../entities/webhook-deliveries';
import type { FanOutResult } from './contract';

/** Two dispatchers at once (a slow run and the next) take turns. */
const FANOUT_LOCK = 7_233_500;
const BATCH = 500;
/** Batches per run; the next run goes on where this one stopped. */
const MAX_BATCHES = 40;

export async function fanOutWebhookEvents(dataSource: DataSource): Promise<FanOutResult> {
  const total: FanOutResult = { events: 0, deliveries: 0 };
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const read = await dataSource.transaction(async (manager) => {
      // An advisory lock, not FOR UPDATE: a row lock would give this transaction an xid and hold
      // the feed's horizon at it.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [FANOUT_LOCK]);
      const [after]: FeedPosition[] = await manager.query('SELECT after_xid::text AS xid, after_pos::text AS pos FROM webhook_fanout WHERE id = 1');
      const events = await readFeed(manager, { after, limit: BATCH, storefront: null });
      if (events.length === 0) return { events: 0, deliveries: 0 };
      const deliveries = await queueDeliveries(manager, events);
      const last = events[events.length - 1].position;
      await manager.query('UPDATE webhook_fanout SET after_xid = $1::xid8, after_pos = $2 WHERE id = 1', [last.xid, last.pos]);
      return { events: events.length, deliveries };
    });
    total.events += read.events;
    total.deliveries += read.deliveries;
    if (read.events < BATCH) break;
  }
  return total;
}

const DUE_ENDPOINTS = `SELECT ep.id::text AS id FROM webhook_endpoints ep
  WHERE ep.enabled
    AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = ep.id AND d.status = 'PENDING' AND d.next_attempt_at <= now())
  LIMIT $1`;

export async function dueWebhookEndpoints(dataSource: DataSource, limit: number): Promise<string[]> {
  const rows: { id: string }[] = await dataSource.query(DUE_ENDPOINTS, [limit]);
  return rows.map((r) => r.id);
}

/**
 * The dispatcher's look between polls, in one statement: whether the feed has any event past the
 * fan-out position (then the fan-out runs: five round trips), and the endpoints with something due
 * now. An idle stack answers no and none. It may say yes when the fan-out then finds nothing (an
 * event still held back by the horizon), never no when it would find something.
 */
export async function webhookWorkWaiting(dataSource: DataSource, limit: number): Promise<{ newEvents: boolean; dueEndpoints: string[] }> {
  const [row]: { fresh: boolean; due: string[] }[] = await dataSource.query(
    `SELECT EXISTS (SELECT 1 FROM order_events e, webhook_fanout f WHERE f.id = 1 AND (e.feed_xid, e.feed_pos) > (f.after_xid, f.after_pos))
         OR EXISTS (SELECT 1 FROM storefront_events s, webhook_fanout f WHERE f.id = 1 AND (s.feed_xid, s.feed_pos) > (f.after_xid, f.after_pos)) AS fresh,
            ARRAY(SELECT id FROM (${DUE_ENDPOINTS}) due) AS due`,
    [limit],
  );
  return { newEvents: row.fresh, dueEndpoints: row.due };
}
