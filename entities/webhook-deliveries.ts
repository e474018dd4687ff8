// The webhook queues: one webhook_deliveries row per (endpoint, event), written by the fan-out
// (new events, every matching enabled endpoint) and by replay (one endpoint, events since a time).
import type { EntityManager } from 'typeorm';
import type { FeedEvent } from './event-feed';

/** The body every delivery of `event` carries, byte for byte on every retry (Standard Webhooks' shape). */
export function webhookPayload(event: FeedEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: { id: event.id, storefront: event.storefront, orderId: event.orderId, seq: event.seq, attributes: event.data },
  });
}

/**
 * Queues `events` for the endpoints they are for: the event's storefront, a type the endpoint
 * takes, and the endpoint existed when the event happened. `endpointId` limits it to one endpoint
 * and sends an event already delivered again (replay); without it an event is queued once.
 * Returns how many deliveries were queued.
 */
export async function queueDeliveries(manager: EntityManager, events: readonly FeedEvent[], replayTo?: string): Promise<number> {
  if (events.length === 0) return 0;
  const rows: unknown[] = await manager.query(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, order_id, seq, type, payload)
     SELECT ep.id, ev.id, ev.order_id, ev.seq, ev.type, ev.payload
       FROM unnest($1::varchar[], $2::varchar[], $3::uuid[], $4::integer[], $5::varchar[], $6::text[], $7::timestamptz[])
            AS ev (id, storefront, order_id, seq, type, payload, occurred_at)
       JOIN webhook_endpoints ep
         ON ep.storefront = ev.storefront
        AND (cardinality(ep.event_types) = 0 OR ev.type = ANY (ep.event_types))
        AND ${replayTo ? 'ep.id = $8' : 'ep.enabled AND ep.created_at <= ev.occurred_at'}
     ${
       replayTo
         ? `ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = 'PENDING', attempts = 0, next_attempt_at = now(), delivered_at = NULL`
         : 'ON CONFLICT (endpoint_id, event_id) DO NOTHING'
     }
     RETURNING 1`,
    [
      events.map((e) => e.id),
      events.map((e) => e.storefront),
      events.map((e) => e.orderId),
      events.map((e) => e.seq),
      events.map((e) => e.type),
      events.map(webhookPayload),
      events.map((e) => e.occurredAt),
      ...(replayTo ? [replayTo] : []),
    ],
  );
  return rows.length;
}

/** Turns an endpoint off and records `endpoint.disabled` in its storefront's feed, once (no-op when already off). */
export async function disableEndpoint(manager: EntityManager, endpointId: string, reason: 'gone' | 'failing' | 'disabled'): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `WITH off AS (
       UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = now()
        WHERE id = $1 AND enabled RETURNING id, storefront, url)
     INSERT INTO storefront_events (id, storefront, type, data)
     SELECT gen_random_uuid(), storefront, 'endpoint.disabled', jsonb_build_object('endpointId', id, 'url', url, 'reason', $2::text) FROM off
     RETURNING 1`,
    [endpointId, reason],
  );
  return rows.length > 0;
}

/** An endpoint enabled again: what waits for it goes at the dispatcher's next round, not after its retry delay. */
export async function sendQueuedNow(manager: EntityManager, endpointId: string): Promise<void> {
  await manager.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE endpoint_id = $1 AND status = 'PENDING' AND next_attempt_at > now()`, [endpointId]);
}
