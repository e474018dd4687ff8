// One round of deliveries to one endpoint, and what each outcome does to the delivery and the
// endpoint: 2xx delivered (and the endpoint healthy again); 410 turns the endpoint off; anything
// else (3xx included, never followed; no answer in 15 s) is retried on the schedule of
// domain/webhook-retries.ts; an endpoint failing for 5 days is turned off. Turning off records
// `endpoint.disabled` in the storefront's feed. Deliveries stay queued while their endpoint is off.
import type { DataSource, EntityManager } from 'typeorm';
import { parseRetryAfter, WEBHOOK_DISABLE_AFTER_MS, webhookRetryDelayMs } from '../../domain/webhook-retries';
import { disableEndpoint } from '../../entities/webhook-deliveries';
import { webhookHeaders } from '../../runtime/webhook-signature';
import type { DeliveryRound } from './contract';
import { type PostOutcome, postWebhook } from './post-webhook';

export interface DeliveryOptions {
  allowPrivate: boolean;
  /** Override of the 15 s timeout (tests). */
  timeoutMs?: number;
  random?: () => number;
}

interface Due {
  event_id: string;
  order_id: string | null;
  payload: string;
  attempts: number;
  /** The row's xmin as read: an outcome is recorded only on the row this round sent. */
  version: string;
}

/**
 * Due deliveries of the endpoint, oldest first, except those of an order with an earlier delivery
 * still waiting out a retry: an order's events go in sequence.
 */
const DUE = `
  SELECT d.event_id, d.order_id, d.payload, d.attempts, d.xmin::text AS version FROM webhook_deliveries d
   WHERE d.endpoint_id = $1 AND d.status = 'PENDING' AND d.next_attempt_at <= now()
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
                      WHERE p.endpoint_id = d.endpoint_id AND p.order_id = d.order_id AND p.status = 'PENDING'
                        AND p.seq < d.seq AND p.next_attempt_at > now())
   ORDER BY d.created_at, d.seq LIMIT $2`;

export async function deliverDueWebhooks(dataSource: DataSource, endpointId: string, limit: number, opts: DeliveryOptions): Promise<DeliveryRound> {
  const [endpoint]: { url: string; secrets: string[] }[] = await dataSource.query(
    `SELECT url, array_remove(ARRAY[secret, CASE WHEN previous_secret_until > now() THEN previous_secret END], NULL) AS secrets
       FROM webhook_endpoints WHERE id = $1 AND enabled`,
    [endpointId],
  );
  if (!endpoint) return { attempted: 0, delivered: 0 };
  const due: Due[] = await dataSource.query(DUE, [endpointId, limit]);
  // Orders go concurrently; one order's events one after the other, in sequence, stopping at the
  // first that fails (the rest of that order waits for its retry).
  const byOrder = new Map<string, Due[]>();
  for (const d of due) {
    const key = d.order_id ?? d.event_id;
    byOrder.set(key, [...(byOrder.get(key) ?? []), d]);
  }
  const outcomes: { due: Due; outcome: PostOutcome }[] = [];
  await Promise.all(
    [...byOrder.values()].map(async (chain) => {
      for (const d of chain) {
        const headers = webhookHeaders(endpoint.secrets, d.event_id, Math.floor(Date.now() / 1000), d.payload);
        const outcome = await postWebhook(endpoint.url, headers, d.payload, opts);
        outcomes.push({ due: d, outcome });
        if (!(outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300)) break;
      }
    }),
  );
  let delivered = 0;
  await dataSource.transaction(async (manager) => {
    for (const { due: d, outcome } of outcomes) {
      if (await record(manager, endpointId, d, outcome, opts)) delivered++;
    }
  });
  return { attempted: outcomes.length, delivered };
}

/** Records one attempt and its consequences; true when it delivered. */
async function record(manager: EntityManager, endpointId: string, d: Due, outcome: PostOutcome, opts: DeliveryOptions): Promise<boolean> {
  const attempt = d.attempts + 1;
  const ok = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
  const error = ok ? null : (outcome.error ?? (outcome.status !== undefined && outcome.status >= 300 && outcome.status < 400 ? 'redirect (not followed)' : null));
  await manager.query(
    'INSERT INTO webhook_attempts (endpoint_id, event_id, attempt, status_code, latency_ms, error) VALUES ($1, $2, $3, $4, $5, $6)',
    [endpointId, d.event_id, attempt, outcome.status ?? null, outcome.latencyMs, error],
  );
  // The row as this round read it (xmin): a repeated round (the activity retried after a crash)
  // records once, and a replay queued while this round was sending is not taken as delivered.
  const where = `endpoint_id = $1 AND event_id = $2 AND status = 'PENDING' AND xmin::text = $3`;
  if (ok) {
    await manager.query(`UPDATE webhook_deliveries SET status = 'DELIVERED', attempts = attempts + 1, delivered_at = now() WHERE ${where}`, [endpointId, d.event_id, d.version]);
    // The receiver answers again: deliveries waiting out a long retry delay (5 min and more, after
    // their second failure) go now, in order. The first retry's 5 s is always kept.
    await manager.query(
      `WITH healthy AS (UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL RETURNING id)
       UPDATE webhook_deliveries SET next_attempt_at = now()
        WHERE endpoint_id IN (SELECT id FROM healthy) AND status = 'PENDING' AND attempts >= 2 AND next_attempt_at > now()`,
      [endpointId],
    );
    return true;
  }
  const delay = webhookRetryDelayMs(attempt, (opts.random ?? Math.random)(), parseRetryAfter(outcome.retryAfter, Date.now()));
  await manager.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1,
            status = CASE WHEN $4::bigint IS NULL THEN 'FAILED' ELSE 'PENDING' END,
            next_attempt_at = now() + COALESCE($4::bigint, 0) * interval '1 millisecond'
      WHERE ${where}`,
    [endpointId, d.event_id, d.version, delay],
  );
  if (outcome.status === 410) {
    await disableEndpoint(manager, endpointId, 'gone');
    return false;
  }
  const [{ failing_for_ms: failingForMs }]: { failing_for_ms: string }[] = await manager.query(
    `WITH f AS (UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()) WHERE id = $1 RETURNING failing_since)
     SELECT (extract(epoch FROM now() - failing_since) * 1000)::bigint::text AS failing_for_ms FROM f`,
    [endpointId],
  );
  if (Number(failingForMs) >= WEBHOOK_DISABLE_AFTER_MS) await disableEndpoint(manager, endpointId, 'failing');
  return false;
}
