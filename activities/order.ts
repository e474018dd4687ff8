// Recording the order: placeOrder (step 1) and recordOrderEvent (every status change and edit
// the workflow decides). Both go through the locked-order transaction of order-events.ts.
import { ApplicationFailure } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { validate as isUuid } from 'uuid';
import { BusinessFailure, type BusinessFailureType } from '../domain/failures';
import { unitPriceFromDecimal } from '../domain/money';
import { type CreateOrderInput, type OrderLine, validateAddress, validateLines } from '../domain/order';
import { DEV_STOREFRONT } from '../domain/storefronts';
import { type Tier, type Totals, priceOrder } from '../domain/pricing';
import type { Order } from '../entities/order';
import type { OrderActivities, PlacedOrder, RecordOrderEventInput } from './contract';
import { heartbeat } from './heartbeat';
import { shipReservations } from './inventory';
import { type ActivityContext, OrderTransaction, publishAfterCommit, withLockedOrder } from './order-events';

type Verdict = { placement: PlacedOrder; customerId: string | null };

const rejected = (failure: BusinessFailureType, reason: string, customerId: string | null = null): Verdict => ({
  placement: { accepted: false, failure, reason },
  customerId,
});

type CustomerRow = { id: string; tier: Tier | null; active: boolean; storefront: string };

/**
 * The storefront the order belongs to: the placing client's. An order placed before storefronts
 * (its input has none) goes with its customer, or to the development storefront without one.
 */
const storefrontOf = (order: CreateOrderInput, customer: CustomerRow | undefined): string => order.storefront ?? customer?.storefront ?? DEV_STOREFRONT;

/**
 * The order's customer (undefined when there is none) and the unit prices of its SKUs (those that
 * exist), read in one statement.
 */
async function catalogueFor(manager: EntityManager, order: CreateOrderInput): Promise<{ customer: CustomerRow | undefined; prices: Map<string, string> }> {
  const skus = Array.isArray(order.lines) ? order.lines.map((line) => line?.sku).filter((sku) => typeof sku === 'string') : [];
  const [row]: (Partial<CustomerRow> & { prices: Record<string, string> })[] = await manager.query(
    `SELECT c.id, c.tier, c.active, c.storefront,
            (SELECT coalesce(json_object_agg(p.sku, p.unit_price_decimal::text), '{}') FROM products p WHERE p.sku = ANY($2::varchar[])) AS prices
       FROM (VALUES (1)) AS one LEFT JOIN customers c ON c.id = $1::uuid`,
    [isUuid(order.customerId) ? order.customerId : null, skus],
  );
  const { prices, ...customer } = row;
  return { customer: customer.id ? (customer as CustomerRow) : undefined, prices: new Map(Object.entries(prices)) };
}

/** Checks the order against the catalogue and prices it, inside the recording transaction. */
function checkOrder(order: CreateOrderInput, customer: CustomerRow | undefined, prices: Map<string, string>): Verdict {
  const problems = [...validateLines(order.lines), ...validateAddress(order.shippingAddress)];
  if (problems.length > 0) {
    return rejected(BusinessFailure.InvalidOrder, problems.map((p) => `${p.pointer}: ${p.detail}`).join('; '));
  }

  // A customer of another storefront is no customer of this order's (the API refuses it first).
  if (!customer || customer.storefront !== storefrontOf(order, customer)) return rejected(BusinessFailure.UnknownCustomer, `unknown customer ${order.customerId}`);
  if (!customer.active) return rejected(BusinessFailure.CustomerInactive, `customer ${customer.id} is not active`, customer.id);

  const skus = order.lines.map((line) => line.sku);
  const unknown = skus.filter((sku) => !prices.has(sku));
  if (unknown.length > 0) return rejected(BusinessFailure.UnknownSku, `unknown sku ${unknown.join(', ')}`, customer.id);

  const unpriced = order.lines.map(({ sku, quantity }) => ({ sku, quantity, ...unitPriceFromDecimal(prices.get(sku)!), discountPct: '0.00' }));
  const { lineAmounts, totals } = priceOrder({ lines: unpriced, tier: customer.tier, country: order.shippingAddress.country });
  const lines: OrderLine[] = unpriced.map((line, i) => ({ ...line, amount: lineAmounts[i] }));
  return { placement: { accepted: true, tier: customer.tier, lines, totals }, customerId: customer.id };
}

/** What placeOrder answered the first time (also for an order that was recorded another way). */
async function recordedPlacement(manager: EntityManager, orderId: string): Promise<PlacedOrder | null> {
  const [order]: {
    placement: PlacedOrder | null;
    status: string;
    status_reason: string | null;
    customer_tier: Tier | null;
    totals: Totals | null;
  }[] = await manager.query(
    `SELECT e.data->'placement' AS placement, o.status, o.status_reason, o.customer_tier,
            CASE WHEN o.total IS NULL THEN NULL ELSE json_build_object(
              'subtotal', o.subtotal, 'discount', o.discount, 'shipping', o.shipping, 'tax', o.tax, 'total', o.total) END AS totals
       FROM orders o LEFT JOIN order_events e ON e.order_id = o.id AND e.dedupe_key = 'order.created'
      WHERE o.id = $1`,
    [orderId],
  );
  if (!order) return null;
  if (order.placement) return order.placement;
  if (order.status === 'REJECTED' || order.totals === null) {
    return { accepted: false, failure: BusinessFailure.InvalidOrder, reason: order.status_reason ?? 'rejected' };
  }
  const lines: OrderLine[] = await manager.query(
    `SELECT sku, quantity, unit_price::int AS "unitPrice", unit_price_decimal AS "unitPriceDecimal",
            discount_pct AS "discountPct", amount::int AS amount
       FROM order_lines WHERE order_id = $1 ORDER BY line_no`,
    [orderId],
  );
  return { accepted: true, tier: order.customer_tier, lines, totals: order.totals };
}

/** The projection columns a recordOrderEvent input changes. */
function projectionChanges(tx: OrderTransaction, input: RecordOrderEventInput): Partial<Order> {
  const changes: Partial<Order> = {};
  if (input.status !== undefined && input.status !== tx.order.status) {
    changes.status = input.status;
    changes.statusReason = input.statusReason ?? null;
    // Where an operator's retry resumes; cleared once the order moves on.
    changes.parkedFrom = input.status === 'NEEDS_ATTENTION' ? tx.order.status : null;
  } else if (input.statusReason !== undefined) {
    changes.statusReason = input.statusReason;
  }
  const edit = input.changes ?? {};
  if (edit.totals) Object.assign(changes, edit.totals);
  if (edit.shippingAddress) changes.shippingAddress = edit.shippingAddress;
  if (edit.trackingNumber !== undefined) changes.trackingNumber = edit.trackingNumber;
  return changes;
}

export function orderActivities(ctx: ActivityContext): Pick<OrderActivities, 'placeOrder' | 'recordOrderEvent'> {
  return {
    async placeOrder({ order, placedAt }) {
      heartbeat({ step: 'placeOrder' });
      // Without a UUID there is no row to record the rejection in: the caller is broken.
      if (!isUuid(order?.orderId)) {
        throw ApplicationFailure.nonRetryable(`orderId must be a UUID, got ${JSON.stringify(order?.orderId)}`, BusinessFailure.InvalidOrder);
      }
      const createdAt = new Date(placedAt);
      if (Number.isNaN(createdAt.getTime())) {
        throw ApplicationFailure.nonRetryable(`placedAt must be an ISO timestamp, got ${JSON.stringify(placedAt)}`, BusinessFailure.InvalidOrder);
      }

      return publishAfterCommit(ctx, async (manager) => {
        const recorded = await recordedPlacement(manager, order.orderId);
        if (recorded) return { value: recorded, appended: [] };

        const { customer, prices } = await catalogueFor(manager, order);
        const { placement, customerId } = checkOrder(order, customer, prices);
        const tier = placement.accepted ? placement.tier : null;
        const totals = placement.accepted ? placement.totals : null;
        const status = placement.accepted ? 'PENDING' : 'REJECTED';
        const address = validateAddress(order.shippingAddress).length === 0 ? order.shippingAddress : null;
        // Waits for a concurrent placement of the same order and then does nothing.
        const inserted: unknown[] = await manager.query(
          `INSERT INTO orders (id, storefront, status, status_reason, customer_id, customer_tier, shipping_address,
                               subtotal, discount, shipping, tax, total, created_at, updated_at)
           VALUES ($1, $13, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [
            order.orderId,
            status,
            placement.accepted ? null : placement.reason,
            customerId,
            tier,
            address,
            totals?.subtotal ?? null,
            totals?.discount ?? null,
            totals?.shipping ?? null,
            totals?.tax ?? null,
            totals?.total ?? null,
            createdAt,
            storefrontOf(order, customer),
          ],
        );
        if (inserted.length === 0) return { value: (await recordedPlacement(manager, order.orderId))!, appended: [] };

        const tx = new OrderTransaction(manager, { id: order.orderId, status, eventSeq: 0 });
        if (placement.accepted) await tx.replaceLines(placement.lines);
        await tx.append('order.created', 'order.created', {
          customerId: order.customerId,
          lines: placement.accepted ? placement.lines : order.lines,
          totals,
          placement,
        });
        if (!placement.accepted) {
          await tx.append('order.rejected', 'order.rejected', { failure: placement.failure, reason: placement.reason });
        }
        return { value: placement, appended: tx.appended };
      });
    },

    async recordOrderEvent(input) {
      return withLockedOrder(ctx, input.orderId, async (tx) => {
        const seen = await tx.seqOf(input.dedupeKey);
        if (seen !== null) return { seq: seen };

        const changes = projectionChanges(tx, input);
        if (changes.status === 'SHIPPED') {
          await tx.manager.query(
            `UPDATE shipments SET status = 'SHIPPED', shipped_at = now(), updated_at = now() WHERE order_id = $1 AND status = 'CREATED'`,
            [tx.order.id],
          );
        } else if (changes.status === 'DELIVERED') {
          await tx.manager.query(
            `UPDATE shipments SET status = 'DELIVERED', delivered_at = now(), updated_at = now()
              WHERE order_id = $1 AND status IN ('CREATED', 'SHIPPED')`,
            [tx.order.id],
          );
        }
        if (input.changes?.lines) await tx.replaceLines(input.changes.lines);

        const event = await tx.append(
          input.type,
          input.dedupeKey,
          {
            ...input.data,
            ...(input.status !== undefined ? { status: input.status } : {}),
            ...(input.statusReason !== undefined ? { statusReason: input.statusReason } : {}),
            ...(input.changes ? { changes: input.changes } : {}),
          },
          changes,
        );
        // The goods left: stock leaves the ledger with them. Last, so the products' row locks (every
        // order of a SKU queues on them) are held for the fewest round trips: lock-write-commit.
        if (changes.status === 'SHIPPED') await shipReservations(tx);
        return { seq: event.seq };
      });
    },
  };
}
