// The refund of a received return, in three steps so the provider is called outside any
// transaction and exactly once: (1) under the order's lock fix the amount on the return (a retry
// reuses it) and split it over the captured authorizations as pending ledger rows
// (refund-allocation.ts), (2) ask the provider for each part with its idempotency key (a retry
// after a crash gets the provider's first refund again), (3) under the lock book the parts, the
// credit note and REFUNDED. Each step first looks at what PostgreSQL already knows.
import { ApplicationFailure } from '@temporalio/activity';
import { CURRENCY } from '../domain/money';
import type { Totals } from '../domain/pricing';
import { type ReturnQuantity, refundForReturn } from '../domain/returns';
import { loadReturnableOrder } from '../entities/return-queries';
import { takeDocumentNumber } from './document-numbers';
import { LEGACY_PAYMENT_PROVIDER } from './legacy-adoption';
import { callProvider } from './payment';
import { recordPaymentMovement } from './payment-ledger';
import { type ActivityContext, type OrderTransaction, recordId, withLockedOrder } from './order-events';
import { allocateRefund, bookRefundPart } from './refund-allocation';
import { RETURN_REFUND_REFUSED, type ReturnActivities } from './return-contract';
import { orderOfReturn } from './return-rows';

interface FixedRefund {
  status: string;
  rma: string;
  refund: Totals | null;
  creditNote: string | null;
  authorizationId: string | null;
  provider: string | null;
}

async function fixedRefund(tx: OrderTransaction, returnId: string): Promise<FixedRefund> {
  const [row]: {
    status: string;
    rma: string;
    refund_subtotal: string | null;
    refund_discount: string | null;
    refund_shipping: string | null;
    refund_tax: string | null;
    refund_total: string | null;
    credit_note: string | null;
    authorization_id: string | null;
    provider: string | null;
  }[] = await tx.manager.query(
    `SELECT r.status, r.rma, r.refund_subtotal, r.refund_discount, r.refund_shipping, r.refund_tax, r.refund_total,
            (SELECT number FROM credit_notes c WHERE c.return_id = r.id) AS credit_note, p.authorization_id, p.provider
       FROM returns r LEFT JOIN payments p ON p.order_id = r.order_id WHERE r.id = $1`,
    [returnId],
  );
  const refund =
    row.refund_total === null
      ? null
      : { subtotal: Number(row.refund_subtotal), discount: Number(row.refund_discount), shipping: Number(row.refund_shipping), tax: Number(row.refund_tax), total: Number(row.refund_total) };
  return { status: row.status, rma: row.rma, refund, creditNote: row.credit_note, authorizationId: row.authorization_id, provider: row.provider };
}

/** Step 1: the formula over what this return received, the order's ledger and the returns refunded (or being refunded) before it. */
async function fixRefund(tx: OrderTransaction, returnId: string): Promise<Totals> {
  const order = (await loadReturnableOrder(tx.manager, tx.order.id, returnId))!;
  const returned: ReturnQuantity[] = await tx.manager.query(
    'SELECT sku, COALESCE(received_quantity, 0) AS quantity FROM return_lines WHERE return_id = $1',
    [returnId],
  );
  // Other returns whose amount is fixed count as refunded already, paid or not yet: two returns
  // refunding at once can never both claim the same captured money.
  const earlier: ReturnQuantity[] = await tx.manager.query(
    `SELECT l.sku, sum(COALESCE(l.received_quantity, 0))::int AS quantity
       FROM returns r JOIN return_lines l ON l.return_id = r.id
      WHERE r.order_id = $1 AND r.id <> $2 AND r.refund_total IS NOT NULL GROUP BY l.sku`,
    [tx.order.id, returnId],
  );
  const [money]: { captured: string; refunded: string }[] = await tx.manager.query(
    `SELECT COALESCE(sum(amount) FILTER (WHERE kind = 'capture'), 0)::text AS captured,
            (COALESCE(sum(amount) FILTER (WHERE kind = 'refund'), 0)
             + (SELECT COALESCE(sum(refund_total), 0) FROM returns WHERE order_id = $1 AND id <> $2 AND status = 'RECEIVED' AND refund_total IS NOT NULL))::text AS refunded
       FROM payment_movements WHERE order_id = $1 AND status = 'succeeded'`,
    [tx.order.id, returnId],
  );
  const refund = refundForReturn({
    orderLines: order.lines,
    orderTotals: order.totals,
    country: order.country,
    returned,
    earlierReturned: earlier,
    captured: Number(money.captured),
    refunded: Number(money.refunded),
  });
  await tx.manager.query(
    `UPDATE returns SET refund_subtotal = $2, refund_discount = $3, refund_shipping = $4, refund_tax = $5, refund_total = $6, updated_at = now() WHERE id = $1`,
    [returnId, refund.subtotal, refund.discount, refund.shipping, refund.tax, refund.total],
  );
  return refund;
}

export function refundReturnActivity(ctx: ActivityContext): ReturnActivities['refundReturn'] {
  return async ({ returnId, idempotencyKey }) => {
    const orderId = await orderOfReturn(ctx, returnId);
    const fixed = await withLockedOrder(ctx, orderId, async (tx) => {
      let known = await fixedRefund(tx, returnId);
      if (known.status === 'REFUNDED') return { ...known, parts: [] };
      if (known.refund === null) {
        if (known.status !== 'RECEIVED') throw ApplicationFailure.nonRetryable(`return ${returnId} is ${known.status}; only a received return is refunded`, 'ReturnNotReceived');
        known = { ...known, refund: await fixRefund(tx, returnId) };
      }
      // Nothing to pay back (nothing arrived, or nothing captured): no provider call, no ledger row, no credit note.
      const sent = known.refund!.total > 0 && known.authorizationId !== null && known.provider !== LEGACY_PAYMENT_PROVIDER;
      const parts = sent
        ? await allocateRefund(tx.manager, { orderId, returnId, amount: known.refund!.total, idempotencyKey, primaryId: known.authorizationId!, provider: known.provider! })
        : [];
      return { ...known, parts };
    });
    const refund = fixed.refund!;
    if (fixed.status === 'REFUNDED') return { refund, creditNote: fixed.creditNote };

    const paid = refund.total > 0;
    if (paid && !fixed.authorizationId) throw ApplicationFailure.nonRetryable(`order ${orderId} has no payment to refund`, RETURN_REFUND_REFUSED);
    const legacy = fixed.provider === LEGACY_PAYMENT_PROVIDER; // paid back by the legacy processor: recorded, not sent
    // Each part of the refund asked of its authorization (one part unless the order was captured on several).
    const refundIds: { idempotencyKey: string; refundId: string }[] = [];
    for (const part of fixed.parts) {
      const refundId = await refundAtProvider(ctx, returnId, orderId, { idempotencyKey: part.idempotencyKey, authorizationId: part.authorizationId, amount: part.amount });
      refundIds.push({ idempotencyKey: part.idempotencyKey, refundId });
    }
    const refundId = legacy ? `${fixed.authorizationId}_refund_${returnId}` : (refundIds[0]?.refundId ?? null);

    return withLockedOrder(ctx, orderId, async (tx) => {
      const known = await fixedRefund(tx, returnId);
      if (known.status === 'REFUNDED') return { refund, creditNote: known.creditNote };
      let creditNote: string | null = null;
      if (paid) {
        if (legacy) {
          await recordPaymentMovement(tx.manager, {
            orderId,
            returnId,
            kind: 'refund',
            amount: refund.total,
            provider: fixed.provider!,
            authorizationId: fixed.authorizationId!,
            providerReference: refundId,
            idempotencyKey,
          });
        }
        for (const part of refundIds) await bookRefundPart(tx.manager, part.idempotencyKey, part.refundId);
        // The CN number last: its counter row stays locked until this transaction commits.
        creditNote = await takeDocumentNumber(tx.manager, 'CN');
        await tx.manager.query(
          `INSERT INTO credit_notes (id, number, return_id, order_id, subtotal, discount, shipping, tax, total, currency)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [recordId(`credit-note:${returnId}`), creditNote, returnId, orderId, -refund.subtotal, refund.discount, -refund.shipping, -refund.tax, -refund.total, CURRENCY],
        );
      }
      await tx.manager.query(`UPDATE returns SET status = 'REFUNDED', status_reason = NULL, refunded_at = now(), updated_at = now() WHERE id = $1`, [returnId]);
      await tx.append('payment.refunded', `payment.refunded:${returnId}`, { returnId, rma: known.rma, refundId, amount: refund.total, creditNote, refund });
      return { refund, creditNote };
    });
  };
}

/** The provider's refund; a refusal for good is written on the return (status_reason) for operators. */
async function refundAtProvider(
  ctx: ActivityContext,
  returnId: string,
  orderId: string,
  request: { idempotencyKey: string; authorizationId: string; amount: number },
): Promise<string> {
  try {
    const { refundId } = await callProvider('refundReturn', () => ctx.payment.refund(request));
    return refundId;
  } catch (err) {
    if (!(err instanceof ApplicationFailure && err.nonRetryable)) throw err;
    const reason = `refund refused by the payment provider: ${err.message}`;
    await withLockedOrder(ctx, orderId, (tx) => tx.manager.query(`UPDATE returns SET status_reason = $2, updated_at = now() WHERE id = $1`, [returnId, reason]));
    throw ApplicationFailure.nonRetryable(reason, RETURN_REFUND_REFUSED, ...(err.details ?? []));
  }
}
