// The feed: every order event and storefront event, in an order a reader can follow without
// ever missing one (migration 1795651200500 says why positions are (transaction id, number)).
// Shared by GET /v1/events and the webhook fan-out, so both see exactly the same sequence.
import type { EntityManager } from 'typeorm';
import type { FeedEventType } from '../domain/events';
import { epochMicros, timestampFromMicrosSql } from './timestamp-micros';

/** A point in the feed: everything at or before it has been read. */
export interface FeedPosition {
  xid: string;
  pos: string;
}

export const FEED_START: FeedPosition = { xid: '0', pos: '0' };

export interface FeedEvent {
  /** `<orderId>:<seq>` for an order's event, the row's uuid for a storefront event. */
  id: string;
  storefront: string;
  orderId: string | null;
  seq: number | null;
  type: FeedEventType;
  data: Record<string, unknown>;
  occurredAt: Date;
  actorClientId: string | null;
  requestId: string | null;
  position: FeedPosition;
}

export interface FeedQuery {
  after: FeedPosition;
  limit: number;
  /** Only this storefront's events; null: every storefront's. */
  storefront: string | null;
  types?: readonly string[];
  orderId?: string;
  /** Only events that happened at or after this RFC 3339 time (replay). */
  since?: string;
}

interface FeedRow {
  id: string;
  storefront: string;
  order_id: string | null;
  seq: number | null;
  type: FeedEventType;
  data: Record<string, unknown>;
  occurred_at: Date;
  actor_client_id: string | null;
  request_id: string | null;
  xid: string;
  pos: string;
}

/**
 * The next `limit` events after `after`, oldest first. Only events of transactions that ended
 * before every transaction still running are handed out (`feed_xid < xmin` of this statement's
 * snapshot): an event still being written cannot be passed over, it holds the feed back until it
 * commits or rolls back. One statement, so the horizon and the rows come from one snapshot.
 */
export async function readFeed(manager: EntityManager, query: FeedQuery): Promise<FeedEvent[]> {
  const params: unknown[] = [query.after.xid, query.after.pos, query.limit];
  const param = (value: unknown) => `$${params.push(value)}`;
  const common: string[] = [];
  if (query.storefront !== null) common.push(`storefront = ${param(query.storefront)}`);
  if (query.types && query.types.length > 0) common.push(`type = ANY (${param(query.types)}::text[])`);
  if (query.since) common.push(`occurred_at >= ${timestampFromMicrosSql(param(epochMicros(query.since)))}`);
  const where = (alias: string) =>
    [`${alias}.feed_xid < h.xmin`, `(${alias}.feed_xid, ${alias}.feed_pos) > ($1::xid8, $2::bigint)`, ...common.map((c) => `${alias}.${c}`)].join(' AND ');
  const orderEvents = `
    SELECT e.order_id::text || ':' || e.seq AS id, e.storefront, e.order_id, e.seq, e.type, e.data, e.occurred_at,
           e.actor_client_id, e.request_id, e.feed_xid, e.feed_pos
      FROM order_events e, horizon h
     WHERE ${where('e')}${query.orderId ? ` AND e.order_id = ${param(query.orderId)}` : ''}
     ORDER BY e.feed_xid, e.feed_pos LIMIT $3`;
  // Storefront events belong to no order: a filter by order leaves them out.
  const storefrontEvents = query.orderId
    ? ''
    : `UNION ALL (
    SELECT s.id::text, s.storefront, NULL::uuid, NULL::integer, s.type, s.data, s.occurred_at, NULL, NULL, s.feed_xid, s.feed_pos
      FROM storefront_events s, horizon h
     WHERE ${where('s')}
     ORDER BY s.feed_xid, s.feed_pos LIMIT $3)`;
  const rows: FeedRow[] = await manager.query(
    `WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
     SELECT id, storefront, order_id, seq, type, data, occurred_at, actor_client_id, request_id, feed_xid::text AS xid, feed_pos::text AS pos
       FROM ((${orderEvents}) ${storefrontEvents}) f
      ORDER BY feed_xid, feed_pos LIMIT $3`,
    params,
  );
  return rows.map((r) => ({
    id: r.id,
    storefront: r.storefront,
    orderId: r.order_id,
    seq: r.seq,
    type: r.type,
    data: r.data,
    occurredAt: r.occurred_at,
    actorClientId: r.actor_client_id,
    requestId: r.request_id,
    position: { xid: r.xid, pos: r.pos },
  }));
}

/** The cursor of a position: `<xid>_<pos>`. */
export function encodeFeedCursor(p: FeedPosition): string {
  return `${p.xid}_${p.pos}`;
}

export const FEED_CURSOR_PATTERN = /^[0-9]{1,19}_[0-9]{1,18}$/;

/** A cursor FEED_CURSOR_PATTERN already checked. */
export function decodeFeedCursor(cursor: string): FeedPosition {
  const [xid, pos] = cursor.split('_');
  return { xid, pos };
}
