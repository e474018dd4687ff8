// `PUT /v1/orders/{id}?preview=true`: the order as a change would leave it (lines, totals and the
// payment balance against what is held), priced by the same domain rules the workflow uses,
// without asking the workflow or changing anything. Prices of the order's SKUs are the ones fixed
// at placement; SKUs the change adds take the catalogue's price now, as the change itself would.
import { unitPriceFromDecimal } from '../domain/money';
import type { OrderLine, OrderLineInput, ShippingAddress } from '../domain/order';
import { isTerminal } from '../domain/order-status';
import { type Tier, priceOrder } from '../domain/pricing';
import type { ApiDeps } from './deps';
import { errors } from './errors';
import type { OrderSnapshot } from './order-projection';

export interface ChangeRequest {
  lines?: OrderLineInput[];
  shippingAddress?: ShippingAddress;
}

export async function previewChange(deps: Pick<ApiDeps, 'dataSource'>, order: OrderSnapshot, change: ChangeRequest): Promise<OrderSnapshot> {
  if (isTerminal(order.status) || order.status === 'SHIPPED') {
    throw errors.conflict('illegal_transition', `Order ${order.id} is ${order.status}; it can no longer change.`);
  }
  const [row]: { customer_tier: Tier | null }[] = await deps.dataSource.query('SELECT customer_tier FROM orders WHERE id = $1', [order.id]);
  const fixed: (OrderLine & { sku: string })[] = await deps.dataSource.query(
    `SELECT sku, quantity, unit_price::int AS "unitPrice", unit_price_decimal::text AS "unitPriceDecimal", discount_pct::text AS "discountPct", amount::int AS amount
       FROM order_lines WHERE order_id = $1 ORDER BY line_no`,
    [order.id],
  );
  const bySku = new Map<string, Omit<OrderLine, 'quantity' | 'amount'>>(fixed.map((l) => [l.sku, l]));
  const wanted = change.lines ?? fixed.map(({ sku, quantity }) => ({ sku, quantity }));
  const added = wanted.map((l) => l.sku).filter((sku) => !bySku.has(sku));
  if (added.length > 0) {
    const products: { sku: string; unit_price_decimal: string }[] = await deps.dataSource.query(
      'SELECT sku, unit_price_decimal::text FROM products WHERE sku = ANY($1::varchar[])',
      [added],
    );
    for (const p of products) bySku.set(p.sku, { sku: p.sku, ...unitPriceFromDecimal(p.unit_price_decimal), discountPct: '0.00' });
  }
  const unknown = wanted.findIndex((l) => !bySku.has(l.sku));
  if (unknown >= 0) throw errors.unprocessable('unknown_sku', `No product with SKU ${wanted[unknown].sku}.`, `/data/attributes/lines/${unknown}/sku`);

  const address = change.shippingAddress ?? order.shippingAddress;
  const unpriced = wanted.map(({ sku, quantity }) => ({ ...bySku.get(sku)!, quantity }));
  const { lineAmounts, totals } = priceOrder({ lines: unpriced, tier: row?.customer_tier ?? null, country: address?.country ?? null });
  return {
    ...order,
    lines: unpriced.map((l, i) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, unitPriceDecimal: l.unitPriceDecimal, amount: lineAmounts[i] })),
    shippingAddress: address,
    totals,
  };
}
