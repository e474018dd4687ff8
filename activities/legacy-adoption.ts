// Adoption of a migrated legacy order by its order workflow (workflows/order.ts, input.adoption).
//
// The migration wrote the projection (lines, totals, address, status and its events); this step
// takes it over without placing, reserving or authorizing again:
// - Reservation: the legacy schema has no reservation table; what the legacy system set aside for
//   an in-flight order is inside its qty_on_hand, which the migration imports as on_hand. Holding
//   it again would count the goods twice (and fails outright on products imported with 0), so an
//   adopted order holds no reservation rows; its lines are recorded in `order.adopted` as the
//   legacy reservation, and shipping it moves no stock (the 'ship' movement of the legacy goods is
//   the legacy system's business, already in the imported figure).
// - Authorization: a P or S order was authorized by the legacy payment processor. It becomes a
//   payments row of provider 'legacy' (authorization id `legacy_auth_<order_no>`), AUTHORIZED for
//   the order total. Capturing or voiding such a payment records the outcome without calling the
//   payment adapter (activities/payment.ts): settling it happens in the legacy processor, outside
//   this system, and `payment.captured` / `payment.voided` say `legacy: true` for finance.
// - N orders (no payment) get no payment row: their workflow parks them until an operator cancels.
import { ApplicationFailure } from '@temporalio/activity';
import { CURRENCY } from '../domain/money';
import type { OrderLine, ShippingAddress } from '../domain/order';
import type { Tier } from '../domain/pricing';
import type { AdoptedOrder, OrderActivities } from './contract';
import { heartbeat } from './heartbeat';
import { type ActivityContext, recordId, withLockedOrder } from './order-events';
import { recordPaymentMovement } from './payment-ledger';

/** payments.provider of an authorization taken over from the legacy system. */
export const LEGACY_PAYMENT_PROVIDER = 'legacy';

export function legacyAuthorizationId(legacyOrderNo: number): string {
  return `legacy_auth_${legacyOrderNo}`;
}

interface ProjectionRow {
  legacy_order_no: number | null;
  customer_tier: Tier | null;
  shipping_address: ShippingAddress;
  tracking_number: string | null;
  subtotal: string;
  discount: string;
  shipping: string;
  tax: string;
  total: string;
}

const mismatch = (message: string) => ApplicationFailure.nonRetryable(message, 'AdoptionMismatch');

export function legacyAdoptionActivities(ctx: ActivityContext): Pick<OrderActivities, 'adoptLegacyOrder'> {
  return {
    async adoptLegacyOrder({ orderId, legacyOrderNo, from }) {
      heartbeat({ step: 'adoptLegacyOrder' });
      return withLockedOrder(ctx, orderId, async (tx): Promise<AdoptedOrder> => {
        const [order]: ProjectionRow[] = await tx.manager.query(
          `SELECT legacy_order_no, customer_tier, shipping_address, tracking_number, subtotal, discount, shipping, tax, total
             FROM orders WHERE id = $1`,
          [orderId],
        );
        if (order.legacy_order_no !== legacyOrderNo) throw mismatch(`order ${orderId} is not legacy order ${legacyOrderNo}`);
        const adopted = (await tx.seqOf('order.adopted')) !== null;
        if (!adopted && tx.order.status !== from) throw mismatch(`order ${orderId} is ${tx.order.status}, not ${from}: not adopted`);
        const lines: OrderLine[] = await tx.manager.query(
          `SELECT sku, quantity, unit_price::int AS "unitPrice", unit_price_decimal::text AS "unitPriceDecimal",
                  discount_pct::text AS "discountPct", amount::int AS amount
             FROM order_lines WHERE order_id = $1 ORDER BY line_no`,
          [orderId],
        );
        const totals = {
          subtotal: Number(order.subtotal),
          discount: Number(order.discount),
          shipping: Number(order.shipping),
          tax: Number(order.tax),
          total: Number(order.total),
        };

        if (!adopted) {
          const paid = from === 'PROCESSING' || from === 'SHIPPED';
          const authorizationId = paid ? legacyAuthorizationId(legacyOrderNo) : null;
          if (paid) {
            await tx.manager.query(
              `INSERT INTO payments (id, order_id, provider, status, amount, currency, authorization_id, authorize_idempotency_key)
               VALUES ($1, $2, $3, 'AUTHORIZED', $4, $5, $6, $7)
               ON CONFLICT (order_id) DO NOTHING`,
              [recordId(`payment:legacy:${orderId}`), orderId, LEGACY_PAYMENT_PROVIDER, totals.total, CURRENCY, authorizationId, `legacy:${orderId}:authorize`],
            );
            await recordPaymentMovement(tx.manager, {
              orderId,
              kind: 'authorization',
              amount: totals.total,
              provider: LEGACY_PAYMENT_PROVIDER,
              authorizationId: legacyAuthorizationId(legacyOrderNo),
              providerReference: legacyAuthorizationId(legacyOrderNo),
              idempotencyKey: `legacy:${orderId}:authorize`,
            });
          }
          await tx.append('order.adopted', 'order.adopted', {
            legacyOrderNo,
            from,
            legacyAuthorizationId: authorizationId,
            legacyReservation: paid && from === 'PROCESSING' ? lines.map(({ sku, quantity }) => ({ sku, quantity })) : [],
          });
        }
        return { tier: order.customer_tier, lines, totals, shippingAddress: order.shipping_address, trackingNumber: order.tracking_number };
      });
    },
  };
}
