// Which authorizations a return's refund is paid back on. An order whose raise was held on an
// authorization of its own (a card without incremental authorization) is captured on two or more,
// and the provider refunds each only up to what it captured there: a refund asked of the first
// one alone is refused once it exceeds that (the fault drill found such a return stuck). The
// refund's first step splits the amount under the order's lock, the first authorization first,
// and books each part as a pending ledger row under its own key (the first authorization's is the
// return's key, as ever; another's is that key with the authorization id appended, as captures
// of difference authorizations do). A retry, and any other return refunding meanwhile, sees the
// parts in the ledger: each is asked of the provider once and booked once.
import type { EntityManager } from 'typeorm';
import type { Cents } from '../domain/money';
import { recordPaymentMovement } from './payment-ledger';

export interface RefundPart {
  authorizationId: string;
  amount: Cents;
  idempotencyKey: string;
  status: string;
}

/** The return's refund parts already in the ledger (pending or booked), oldest first. */
async function partsOf(manager: EntityManager, returnId: string): Promise<RefundPart[]> {
  const rows: { authorization_id: string; amount: string; idempotency_key: string; status: string }[] = await manager.query(
    `SELECT authorization_id, amount::text, idempotency_key, status FROM payment_movements
      WHERE return_id = $1 AND kind = 'refund' ORDER BY created_at, id`,
    [returnId],
  );
  return rows.map((r) => ({ authorizationId: r.authorization_id, amount: Number(r.amount), idempotencyKey: r.idempotency_key, status: r.status }));
}

/**
 * The parts of `amount` for this return: those in the ledger, or (the first time) a split over
 * what each captured authorization has left (captured − refunded, pending refunds included),
 * the first authorization first, then the others in the order they were captured. Call under the
 * order's lock.
 */
export async function allocateRefund(
  manager: EntityManager,
  refund: { orderId: string; returnId: string; amount: Cents; idempotencyKey: string; primaryId: string; provider: string },
): Promise<RefundPart[]> {
  const known = await partsOf(manager, refund.returnId);
  if (known.length > 0) return known;
  const rooms: { authorization_id: string; room: string }[] = await manager.query(
    `SELECT authorization_id,
            (COALESCE(sum(amount) FILTER (WHERE kind = 'capture' AND status = 'succeeded'), 0)
             - COALESCE(sum(amount) FILTER (WHERE kind = 'refund' AND status IN ('succeeded', 'pending')), 0))::text AS room
       FROM payment_movements WHERE order_id = $1
      GROUP BY authorization_id
     HAVING count(*) FILTER (WHERE kind = 'capture' AND status = 'succeeded') > 0
      ORDER BY authorization_id = $2 DESC, min(created_at) FILTER (WHERE kind = 'capture'), authorization_id`,
    [refund.orderId, refund.primaryId],
  );
  const parts: RefundPart[] = [];
  let left = refund.amount;
  for (const { authorization_id: authorizationId, room } of rooms) {
    const amount = Math.min(left, Number(room));
    if (amount <= 0) continue;
    const idempotencyKey = authorizationId === refund.primaryId ? refund.idempotencyKey : `${refund.idempotencyKey}:${authorizationId}`;
    parts.push({ authorizationId, amount, idempotencyKey, status: 'pending' });
    left -= amount;
    if (left === 0) break;
  }
  // More than the ledger shows captured (it never is: the formula caps at captured − refunded): asked of the first, which refuses.
  if (left > 0) {
    const first = parts.find((p) => p.authorizationId === refund.primaryId);
    if (first) first.amount += left;
    else parts.unshift({ authorizationId: refund.primaryId, amount: left, idempotencyKey: refund.idempotencyKey, status: 'pending' });
  }
  for (const part of parts) {
    await recordPaymentMovement(manager, {
      orderId: refund.orderId,
      returnId: refund.returnId,
      kind: 'refund',
      status: 'pending',
      amount: part.amount,
      provider: refund.provider,
      authorizationId: part.authorizationId,
      providerReference: null,
      idempotencyKey: part.idempotencyKey,
    });
  }
  return parts;
}

/** Books a part the provider paid: pending → succeeded, with the provider's refund id. */
export async function bookRefundPart(manager: EntityManager, idempotencyKey: string, refundId: string): Promise<void> {
  await manager.query(`UPDATE payment_movements SET status = 'succeeded', provider_reference = $2 WHERE idempotency_key = $1 AND kind = 'refund'`, [idempotencyKey, refundId]);
}
