// Authorizations of a difference: where a card takes no incremental authorization, a change that
// raises the total holds the difference on an authorization of its own (activities/order-change.ts).
// The ledger knows them (kind 'authorization' beside the order's first, which `payments` keeps);
// the capture at shipment takes what the first one cannot cover from them and releases the rest,
// and a cancel voids them. Each provider call's key is the step's key with the authorization id
// appended, so a retry settles each authorization once.
import type { Cents } from '../domain/money';
import type { PaymentAdapter } from './adapters/types';
import { type ActivityContext, withLockedOrder } from './order-events';
import { heldByAuthorization, recordPaymentMovement } from './payment-ledger';

interface OpenAuthorization {
  authorizationId: string;
  held: Cents;
}

/** The order's authorizations beside `primaryId` that no capture or void settled yet, oldest first. */
export async function openDifferenceAuthorizations(ctx: ActivityContext, orderId: string, primaryId: string): Promise<OpenAuthorization[]> {
  const rows: { authorization_id: string; held: string }[] = await ctx.dataSource.query(
    `SELECT a.authorization_id, a.amount::text AS held FROM payment_movements a
      WHERE a.order_id = $1 AND a.kind = 'authorization' AND a.status = 'succeeded' AND a.authorization_id <> $2
        AND NOT EXISTS (SELECT 1 FROM payment_movements s WHERE s.authorization_id = a.authorization_id AND s.kind IN ('capture', 'void'))
      ORDER BY a.created_at, a.id`,
    [orderId, primaryId],
  );
  return rows.map((r) => ({ authorizationId: r.authorization_id, held: Number(r.held) }));
}

/** What the first authorization holds per the ledger (increments included); null when the ledger has no row for it. */
export async function heldByPrimary(ctx: ActivityContext, orderId: string, primaryId: string): Promise<Cents | null> {
  const held = await heldByAuthorization(ctx.dataSource.manager, orderId, primaryId);
  return held > 0 ? held : null;
}

/**
 * Captures what is left of `remaining` cents (captures already booked on them count) from the
 * open difference authorizations, oldest first, and voids those not needed. `call` wraps each provider call (heartbeat, failure mapping).
 */
export async function settleDifferenceAuthorizations(
  ctx: ActivityContext,
  orderId: string,
  primaryId: string,
  idempotencyKey: string,
  remaining: Cents,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  // What an earlier attempt already captured from them (a retry after a crash half-way).
  const [done]: { captured: string }[] = await ctx.dataSource.query(
    `SELECT COALESCE(sum(amount), 0)::text AS captured FROM payment_movements WHERE order_id = $1 AND kind = 'capture' AND authorization_id <> $2`,
    [orderId, primaryId],
  );
  let left = remaining - Number(done.captured);
  for (const auth of await openDifferenceAuthorizations(ctx, orderId, primaryId)) {
    const amount = Math.min(left, auth.held);
    left -= amount;
    const movement = { orderId, provider: ctx.payment.provider, authorizationId: auth.authorizationId };
    if (amount > 0) {
      const key = `${idempotencyKey}:${auth.authorizationId}`;
      const { captureId } = await call(() => ctx.payment.capture({ idempotencyKey: key, authorizationId: auth.authorizationId, amount }));
      await withLockedOrder(ctx, orderId, async (tx) => {
        if (!(await recordPaymentMovement(tx.manager, { ...movement, kind: 'capture', amount, providerReference: captureId, idempotencyKey: key }))) return;
        await tx.append('payment.captured', `payment.captured:${auth.authorizationId}`, { captureId, amount, authorizationId: auth.authorizationId });
      });
    } else {
      await voidDifferenceAuthorization(ctx, orderId, auth, `${idempotencyKey}:void:${auth.authorizationId}`, call);
    }
  }
}

/** Voids every open difference authorization (the order is cancelled). */
export async function voidDifferenceAuthorizations(
  ctx: ActivityContext,
  orderId: string,
  primaryId: string,
  idempotencyKey: string,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  for (const auth of await openDifferenceAuthorizations(ctx, orderId, primaryId)) {
    await voidDifferenceAuthorization(ctx, orderId, auth, `${idempotencyKey}:${auth.authorizationId}`, call);
  }
}

async function voidDifferenceAuthorization(
  ctx: ActivityContext,
  orderId: string,
  auth: OpenAuthorization,
  key: string,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const payment: PaymentAdapter = ctx.payment;
  await call(() => payment.void({ idempotencyKey: key, authorizationId: auth.authorizationId }));
  await withLockedOrder(ctx, orderId, async (tx) => {
    const movement = { orderId, provider: payment.provider, authorizationId: auth.authorizationId, amount: auth.held };
    if (!(await recordPaymentMovement(tx.manager, { ...movement, kind: 'void', providerReference: null, idempotencyKey: key }))) return;
    await tx.append('payment.voided', `payment.voided:${auth.authorizationId}`, { authorizationId: auth.authorizationId, amount: auth.held });
  });
}
