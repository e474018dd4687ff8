// Payment steps through the payment adapter. Order of work in each: look at what PostgreSQL
// already knows (a retry after a commit returns it without calling the provider), call the
// provider with the step's idempotency key (a retry after a crash gets the provider's first
// answer again), then record the answer and the event in one transaction.
import { ApplicationFailure } from '@temporalio/activity';
import { validate as isUuid } from 'uuid';
import { orderWorkflowId, stepIdempotencyKey } from '../domain/ids';
import { CURRENCY } from '../domain/money';
import { BusinessFailure } from '../domain/failures';
import { PaymentDeclinedError, ProviderRefusedError } from './adapters/types';
import type { OrderActivities } from './contract';
import { throwIfCancelled, whileHeartbeating } from './heartbeat';
import { LEGACY_PAYMENT_PROVIDER } from './legacy-adoption';
import { heldByPrimary, openDifferenceAuthorizations, settleDifferenceAuthorizations, voidDifferenceAuthorizations } from './difference-authorizations';
import { heldByAuthorization, recordPaymentMovement } from './payment-ledger';
import { type ActivityContext, orderNotFound, recordId, withLockedOrder } from './order-events';

interface PaymentRow {
  order_id: string;
  provider: string | null;
  payment_status: 'AUTHORIZED' | 'CAPTURED' | 'VOIDED' | null;
  authorization_id: string | null;
  capture_id: string | null;
}

/** The order and its payment, if any; null when the order does not exist. */
async function paymentOf(ctx: ActivityContext, orderId: string): Promise<PaymentRow | null> {
  if (!isUuid(orderId)) return null;
  const rows: PaymentRow[] = await ctx.dataSource.query(
    `SELECT o.id AS order_id, p.provider, p.status AS payment_status, p.authorization_id, p.capture_id
       FROM orders o LEFT JOIN payments p ON p.order_id = o.id WHERE o.id = $1`,
    [orderId],
  );
  return rows[0] ?? null;
}

/** A decline is the customer's business; a refusal is a request the provider will never accept. */
function asActivityFailure(err: unknown): unknown {
  if (err instanceof PaymentDeclinedError) {
    return ApplicationFailure.nonRetryable(err.message, BusinessFailure.PaymentDeclined, { declineCode: err.declineCode });
  }
  if (err instanceof ProviderRefusedError) {
    return ApplicationFailure.nonRetryable(err.message, 'PaymentRefused', { code: err.code });
  }
  return err; // technical: retried by the workflow's policy
}

/** A provider call that heartbeats, with the provider's errors as activity failures. */
export async function callProvider<T>(step: string, call: () => Promise<T>): Promise<T> {
  throwIfCancelled();
  try {
    return await whileHeartbeating(step, call);
  } catch (err) {
    throw asActivityFailure(err);
  }
}

export function paymentActivities(ctx: ActivityContext): Pick<OrderActivities, 'authorizePayment' | 'capturePayment' | 'voidPayment'> {
  const { payment } = ctx;
  return {
    async authorizePayment({ orderId, token, amount, idempotencyKey }) {
      const known = await paymentOf(ctx, orderId);
      if (!known) throw orderNotFound(orderId);
      if (known.authorization_id) return { authorizationId: known.authorization_id };

      const { authorizationId } = await callProvider('authorizePayment', () =>
        payment.authorize({ idempotencyKey, token, amount, currency: CURRENCY, orderId }),
      );
      return withLockedOrder(ctx, orderId, async (tx) => {
        const inserted: unknown[] = await tx.manager.query(
          `INSERT INTO payments (id, order_id, provider, status, amount, currency, authorization_id, authorize_idempotency_key)
           VALUES ($1, $2, $3, 'AUTHORIZED', $4, $5, $6, $7)
           ON CONFLICT (order_id) DO NOTHING RETURNING id`,
          [recordId(`payment:${idempotencyKey}`), orderId, payment.provider, amount, CURRENCY, authorizationId, idempotencyKey],
        );
        if (inserted.length === 0) {
          const [recorded]: { authorization_id: string }[] = await tx.manager.query(
            'SELECT authorization_id FROM payments WHERE order_id = $1',
            [orderId],
          );
          return { authorizationId: recorded.authorization_id };
        }
        await recordPaymentMovement(tx.manager, {
          orderId,
          kind: 'authorization',
          amount,
          provider: payment.provider,
          authorizationId,
          providerReference: authorizationId,
          idempotencyKey,
        });
        // PENDING -> PROCESSING is this step's move; any other status is the workflow's to set.
        const processing = tx.order.status === 'PENDING' ? { status: 'PROCESSING' as const, statusReason: null } : {};
        await tx.append('payment.authorized', 'payment.authorized', { authorizationId, amount, provider: payment.provider }, processing);
        return { authorizationId };
      });
    },

    async capturePayment({ orderId, idempotencyKey, amount }) {
      const known = await paymentOf(ctx, orderId);
      if (!known) throw orderNotFound(orderId);
      if (!known.authorization_id) {
        throw ApplicationFailure.nonRetryable(`order ${orderId} has no payment authorization to capture`, 'PaymentNotAuthorized');
      }
      const primaryId = known.authorization_id;
      // A change that raised the total may have held the difference on authorizations of their own
      // (difference-authorizations.ts): the first authorization takes what it holds, they the rest.
      const extras = await openDifferenceAuthorizations(ctx, orderId, primaryId);
      const primaryHeld = extras.length > 0 ? await heldByPrimary(ctx, orderId, primaryId) : null;
      const primaryAmount = primaryHeld === null ? amount : Math.min(amount, primaryHeld);
      const captured = known.capture_id ? { captureId: known.capture_id } : await capturePrimary(known, primaryId, idempotencyKey, primaryAmount);
      if (extras.length > 0 || known.capture_id) {
        await settleDifferenceAuthorizations(ctx, orderId, primaryId, idempotencyKey, amount - primaryAmount, (fn) => callProvider('capturePayment', fn));
      }
      return captured;
    },

    async voidPayment({ orderId, idempotencyKey }) {
      const known = await paymentOf(ctx, orderId);
      if (!known) return;
      if (known.authorization_id && known.provider !== LEGACY_PAYMENT_PROVIDER) {
        await voidDifferenceAuthorizations(ctx, orderId, known.authorization_id, idempotencyKey, (fn) => callProvider('voidPayment', fn));
      }
      await voidPrimary(known, idempotencyKey);
    },
  };

  /** Captures `amount` from the order's first authorization and records it (the invoice becomes PAID). */
  async function capturePrimary(known: PaymentRow, authorizationId: string, idempotencyKey: string, amount: number): Promise<{ captureId: string }> {
    const { order_id: orderId } = known;

    // A voided authorization is refused by the provider (PaymentRefused). A legacy one (an adopted
    // legacy order, see legacy-adoption.ts) is settled by the legacy processor: recorded, not sent.
    const legacy = known.provider === LEGACY_PAYMENT_PROVIDER;
    const { captureId } = legacy
      ? { captureId: `${authorizationId}_captured` }
      : await callProvider('capturePayment', () => payment.capture({ idempotencyKey, authorizationId, amount }));
    return withLockedOrder(ctx, orderId, async (tx) => {
      // The capture and the invoice it pays, in one statement; only when that changes nothing, ask why.
      const captured: unknown[] = await tx.manager.query(
        `WITH captured AS (
           UPDATE payments SET status = 'CAPTURED', capture_id = $2, captured_amount = $3, capture_idempotency_key = $4,
                  captured_at = now(), updated_at = now()
            WHERE order_id = $1 AND status = 'AUTHORIZED' AND capture_id IS NULL
            RETURNING id),
         paid AS (
           UPDATE invoices SET status = 'PAID', paid_at = now(), updated_at = now()
            WHERE order_id = $1 AND status = 'ISSUED' AND EXISTS (SELECT 1 FROM captured))
         SELECT id FROM captured`,
        [orderId, captureId, amount, idempotencyKey],
      );
      if (captured.length === 0) {
        const [recorded]: { status: string; capture_id: string | null }[] = await tx.manager.query(
          'SELECT status, capture_id FROM payments WHERE order_id = $1',
          [orderId],
        );
        if (recorded.capture_id) return { captureId: recorded.capture_id }; // recorded by a concurrent attempt
        throw ApplicationFailure.nonRetryable(`order ${orderId}: the payment is ${recorded.status}, not capturable`, 'PaymentRefused');
      }
      await recordPaymentMovement(tx.manager, {
        orderId,
        kind: 'capture',
        amount,
        provider: known.provider ?? payment.provider,
        authorizationId,
        providerReference: captureId,
        idempotencyKey,
      });
      await tx.append('payment.captured', 'payment.captured', { captureId, amount, ...(legacy ? { legacy: true } : {}) });
      return { captureId };
    });
  }

  /** Voids the order's first authorization (and what an earlier attempt left unrecorded at the provider). */
  async function voidPrimary(known: PaymentRow, idempotencyKey: string): Promise<void> {
    const { order_id: orderId } = known;
    const legacy = known.provider === LEGACY_PAYMENT_PROVIDER; // released in the legacy processor, not here
    // What the step may have left at the provider without a record (a legacy order never ran it).
    if (!legacy) await voidUnrecordedAuthorizations(ctx, orderId, known.authorization_id, idempotencyKey);
    // Nothing recorded (the step never ran or was declined), already voided, or captured.
    if (known.payment_status !== 'AUTHORIZED' || !known.authorization_id) return;
    const authorizationId = known.authorization_id;
    if (!legacy) await voidAtProvider(ctx, idempotencyKey, authorizationId);
    await withLockedOrder(ctx, orderId, async (tx) => {
      const voided: unknown[] = await tx.manager.query(
        `WITH voided AS (
           UPDATE payments SET status = 'VOIDED', voided_at = now(), void_idempotency_key = $2, updated_at = now()
            WHERE order_id = $1 AND status = 'AUTHORIZED' RETURNING id)
         SELECT id FROM voided`,
        [orderId, idempotencyKey],
      );
      if (voided.length === 0) return;
      const released = await heldByAuthorization(tx.manager, orderId, authorizationId);
      await recordPaymentMovement(tx.manager, {
        orderId,
        kind: 'void',
        amount: released,
        provider: known.provider ?? payment.provider,
        authorizationId,
        providerReference: null,
        idempotencyKey,
      });
      await tx.append('payment.voided', 'payment.voided', { authorizationId, ...(legacy ? { legacy: true } : {}) });
    });
  }
}

async function voidAtProvider(ctx: ActivityContext, idempotencyKey: string, authorizationId: string): Promise<void> {
  try {
    await whileHeartbeating('voidPayment', () => ctx.payment.void({ idempotencyKey, authorizationId }));
  } catch (err) {
    // Voided earlier under another key (a crash between provider and record): record it now.
    if (!(err instanceof ProviderRefusedError && err.code === 'already_voided')) throw asActivityFailure(err);
  }
}

/**
 * An authorizePayment attempt that reached the provider and died before recording leaves an
 * authorization open there that PostgreSQL does not know. The authorize key names the invoice
 * revision it authorized, so every revision the order had (and the next one, whose invoice may
 * have failed) is looked up by its key; each authorization found that is not the recorded one is
 * voided (a key of its own per revision) and recorded: as the order's payment when it has none,
 * and always as a `payment.voided` event.
 */
async function voidUnrecordedAuthorizations(ctx: ActivityContext, orderId: string, recordedId: string | null, voidKey: string): Promise<void> {
  const [order]: { placed_at: Date; revisions: number }[] = await ctx.dataSource.query(
    `SELECT o.created_at AS placed_at, COALESCE((SELECT max(revision) FROM invoices WHERE order_id = o.id), 0)::int AS revisions
       FROM orders o WHERE o.id = $1`,
    [orderId],
  );
  const workflowId = orderWorkflowId(orderId);
  for (let revision = 1; revision <= order.revisions + 1; revision++) {
    const authorizeKey = stepIdempotencyKey(workflowId, 'authorize', revision);
    const found = await callProvider('voidPayment', () => ctx.payment.findAuthorization({ idempotencyKey: authorizeKey, orderId, notBefore: order.placed_at }));
    if (!found || found.authorizationId === recordedId) continue;
    if (found.state === 'captured') {
      ctx.logger.error({ orderId, authorizationId: found.authorizationId }, 'an unrecorded authorization was captured; left for an operator');
      continue;
    }
    const key = `${voidKey}:${revision}`;
    if (found.state === 'authorized') await voidAtProvider(ctx, key, found.authorizationId);
    await withLockedOrder(ctx, orderId, async (tx) => {
      const dedupeKey = `payment.voided:${found.authorizationId}`;
      if ((await tx.seqOf(dedupeKey)) !== null) return;
      await tx.manager.query(
        `INSERT INTO payments (id, order_id, provider, status, amount, currency, authorization_id, authorize_idempotency_key, void_idempotency_key, voided_at)
         VALUES ($1, $2, $3, 'VOIDED', $4, $5, $6, $7, $8, now())
         ON CONFLICT DO NOTHING`,
        [recordId(`payment:${authorizeKey}`), orderId, ctx.payment.provider, found.amount, CURRENCY, found.authorizationId, authorizeKey, key],
      );
      const movement = { orderId, amount: found.amount, provider: ctx.payment.provider, authorizationId: found.authorizationId };
      await recordPaymentMovement(tx.manager, { ...movement, kind: 'authorization', providerReference: found.authorizationId, idempotencyKey: authorizeKey });
      await recordPaymentMovement(tx.manager, { ...movement, kind: 'void', providerReference: null, idempotencyKey: key });
      await tx.append('payment.voided', dedupeKey, { authorizationId: found.authorizationId, amount: found.amount, unrecordedAuthorization: true });
    });
  }
}
