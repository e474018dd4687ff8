// Activities of a change after payment (workflows/order-change.ts): the version check and the
// catalogue prices of SKUs the change adds, and the money a higher total needs (an incremental
// authorization, else a separate authorization of the difference). Both are idempotent: a retry
// or a worker killed half-way gets the first answer again (keys from the workflow, per revision).
import { ApplicationFailure } from '@temporalio/activity';
import { BusinessFailure } from '../domain/failures';
import { CURRENCY, unitPriceFromDecimal } from '../domain/money';
import type { OrderLineInput } from '../domain/order';
import { PaymentDeclinedError, ProviderRefusedError } from './adapters/types';
import type { OrderActivities } from './contract';
import { throwIfCancelled, whileHeartbeating } from './heartbeat';
import { LEGACY_PAYMENT_PROVIDER } from './legacy-adoption';
import { type ActivityContext, withLockedOrder } from './order-events';
import { recordPaymentMovement } from './payment-ledger';

/** ApplicationFailure type of a change whose If-Match version is no longer the order's (412). */
export const STALE_VERSION = 'StaleVersion';

export function orderChangeActivities(ctx: ActivityContext): Pick<OrderActivities, 'prepareChange' | 'authorizeDifference'> {
  return {
    async prepareChange({ orderId, expectedVersion, newSkus, lines }) {
      const [order]: { event_seq: number }[] = await ctx.dataSource.query('SELECT event_seq FROM orders WHERE id = $1', [orderId]);
      if (expectedVersion !== undefined && order?.event_seq !== expectedVersion) {
        throw ApplicationFailure.nonRetryable(`the order is at version ${order?.event_seq}, not ${expectedVersion}`, STALE_VERSION, {
          version: order?.event_seq ?? null,
        });
      }
      if (lines) await refuseShortStock(ctx, orderId, lines);
      if (newSkus.length === 0) return { prices: [] };
      const rows: { sku: string; unit_price_decimal: string }[] = await ctx.dataSource.query(
        'SELECT sku, unit_price_decimal::text FROM products WHERE sku = ANY($1::varchar[])',
        [newSkus],
      );
      const known = new Map(rows.map((r) => [r.sku, r.unit_price_decimal]));
      const unknown = newSkus.filter((sku) => !known.has(sku));
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(`no product with SKU ${unknown.join(', ')}`, BusinessFailure.UnknownSku, { skus: unknown });
      }
      return { prices: newSkus.map((sku) => ({ sku, ...unitPriceFromDecimal(known.get(sku)!) })) };
    },

    async authorizeDifference({ orderId, token, amount, incrementKey, separateKey }) {
      const [primary]: { authorization_id: string; provider: string }[] = await ctx.dataSource.query(
        `SELECT authorization_id, provider FROM payments WHERE order_id = $1 AND status = 'AUTHORIZED'`,
        [orderId],
      );
      if (!primary) throw ApplicationFailure.nonRetryable(`order ${orderId} holds no open authorization to raise`, 'PaymentNotAuthorized');
      const [booked]: { kind: string; authorization_id: string }[] = await ctx.dataSource.query(
        'SELECT kind, authorization_id FROM payment_movements WHERE idempotency_key = ANY($1::varchar[])',
        [[incrementKey, separateKey]],
      );
      if (booked) return { method: booked.kind === 'increment' ? 'increment' : 'separate', authorizationId: booked.authorization_id };
      if (primary.provider === LEGACY_PAYMENT_PROVIDER) {
        throw ApplicationFailure.nonRetryable('the legacy authorization cannot be raised', BusinessFailure.PaymentDeclined, { declineCode: 'legacy_authorization' });
      }
      throwIfCancelled();
      const increment = await call(() => ctx.payment.incrementAuthorization({ idempotencyKey: incrementKey, authorizationId: primary.authorization_id, amount })).catch(
        (err: unknown) => {
          if (err instanceof ProviderRefusedError && err.code === 'increment_not_supported') return null;
          throw asFailure(err);
        },
      );
      if (increment) {
        await withLockedOrder(ctx, orderId, async (tx) => {
          const movement = { orderId, amount, provider: ctx.payment.provider, authorizationId: primary.authorization_id };
          if (!(await recordPaymentMovement(tx.manager, { ...movement, kind: 'increment', providerReference: primary.authorization_id, idempotencyKey: incrementKey }))) return;
          await tx.append('payment.incremented', `payment.incremented:${incrementKey}`, { ...movement, method: 'increment', authorizedAmount: increment.authorizedAmount });
        });
        return { method: 'increment' as const, authorizationId: primary.authorization_id };
      }
      // The card does not take increments: hold the difference on an authorization of its own.
      const separate = await call(() => ctx.payment.authorize({ idempotencyKey: separateKey, token, amount, currency: CURRENCY, orderId })).catch((err: unknown) => {
        throw asFailure(err);
      });
      await withLockedOrder(ctx, orderId, async (tx) => {
        const movement = { orderId, amount, provider: ctx.payment.provider, authorizationId: separate.authorizationId };
        if (!(await recordPaymentMovement(tx.manager, { ...movement, kind: 'authorization', providerReference: separate.authorizationId, idempotencyKey: separateKey }))) return;
        await tx.append('payment.incremented', `payment.incremented:${separateKey}`, { ...movement, method: 'separate-authorization' });
      });
      return { method: 'separate' as const, authorizationId: separate.authorizationId };
    },
  };
}

/**
 * OutOfStock when the catalogue cannot cover `lines` (what the order holds counts as its own): a
 * look ahead, so a change that would fail on stock asks no money first. The reservation itself
 * decides under its row locks.
 */
async function refuseShortStock(ctx: ActivityContext, orderId: string, lines: OrderLineInput[]): Promise<void> {
  const rows: { sku: string; available: number }[] = await ctx.dataSource.query(
    `SELECT p.sku, (p.on_hand - p.reserved + COALESCE(r.quantity, 0))::int AS available
       FROM products p LEFT JOIN inventory_reservations r ON r.order_id = $1 AND r.sku = p.sku AND r.status = 'HELD'
      WHERE p.sku = ANY($2::varchar[])`,
    [orderId, lines.map((l) => l.sku)],
  );
  const available = new Map(rows.map((r) => [r.sku, r.available]));
  const short = lines.filter((l) => l.quantity > (available.get(l.sku) ?? Infinity));
  if (short.length > 0) {
    throw ApplicationFailure.nonRetryable(`out of stock: ${short.map((l) => `${l.sku} (${available.get(l.sku)} available)`).join(', ')}`, BusinessFailure.OutOfStock);
  }
}

function call<T>(fn: () => Promise<T>): Promise<T> {
  return whileHeartbeating('authorizeDifference', fn);
}

function asFailure(err: unknown): unknown {
  if (err instanceof PaymentDeclinedError) {
    return ApplicationFailure.nonRetryable(err.message, BusinessFailure.PaymentDeclined, { declineCode: err.declineCode });
  }
  if (err instanceof ProviderRefusedError) return ApplicationFailure.nonRetryable(err.message, 'PaymentRefused', { code: err.code });
  return err;
}
