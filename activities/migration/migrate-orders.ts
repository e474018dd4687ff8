// Orders with their lines. Each legacy order becomes an order projection priced by the domain
// (priceOrder, the rules of legacy.sp_order_total) with the legacy order_no kept:
//   D -> DELIVERED, X -> CANCELLED: projections only, final;
//   P -> PROCESSING, S -> SHIPPED: projections flagged in migration_adoptions for an order
//        workflow to adopt (see adopt-legacy-orders.ts);
//   N -> NEEDS_ATTENTION (reason 'legacy order without payment'), for an operator to decide:
//        flagged too, its workflow stays parked until the operator cancels it.
// Events stay minimal and gapless: `order.created` (at order_dt) and the event of the status
// reached (at modified_dt); a later change of the legacy order appends `order.updated` (and the
// new status' event). An order that cannot be migrated is quarantined with every reason that
// applies (its bad lines each under their own key), and whatever was migrated before stays.
import { type OrderEventType } from '../../domain/events';
import { unitPriceFromDecimal } from '../../domain/money';
import { COUNTRY_CODES, type OrderLine, type ShippingAddress } from '../../domain/order';
import { LEGACY_WITHOUT_PAYMENT_REASON, type OrderStatus } from '../../domain/order-status';
import { type Tier, priceOrder } from '../../domain/pricing';
import { type BatchContext, type PhaseOutcome, START_MODIFIED_DT, TIMESTAMP_TEXT, cleanText, emptyCounts } from './batch';
import type { Watermark } from './contract';
import type { LegacyOrderLine } from '../../legacy/rows';
import { legacyOrderId } from './legacy-ids';
import { type QuarantineEntry, syncQuarantine } from './quarantine';

export const LEGACY_STATUS: Readonly<Record<string, OrderStatus>> = Object.freeze({
  N: 'NEEDS_ATTENTION',
  P: 'PROCESSING',
  S: 'SHIPPED',
  D: 'DELIVERED',
  X: 'CANCELLED',
});
export { LEGACY_WITHOUT_PAYMENT_REASON };
const STATUS_REASON: Partial<Record<OrderStatus, string>> = {
  NEEDS_ATTENTION: LEGACY_WITHOUT_PAYMENT_REASON,
  CANCELLED: 'cancelled in the legacy system',
};
const STATUS_EVENT: Partial<Record<OrderStatus, OrderEventType>> = {
  SHIPPED: 'order.shipped',
  DELIVERED: 'order.delivered',
  CANCELLED: 'order.canceled',
  NEEDS_ATTENTION: 'order.needs_attention',
};
/** Statuses whose orders an order workflow adopts. */
const ADOPTED_STATUSES: ReadonlySet<string> = new Set(['N', 'P', 'S']);
const TIERS: ReadonlySet<string> = new Set<Tier>(['G', 'S', 'B']);
const EVENT_SOURCE = 'legacy-migration';

interface LegacyOrderRow {
  order_no: number;
  cust_id: number;
  order_dt: string;
  status_cd: string;
  ship_country: string | null;
  ship_addr1: string | null;
  ship_city: string | null;
  ship_zip: string | null;
  modified_dt: string;
  customer_known: boolean;
  cust_name: string | null;
  tier: string | null;
  target_customer_id: string | null;
  customer_quarantine: string | null;
  customer_disposition: string | null;
  merged_into: string | null;
}

/** A legacy line as read, with whether its product exists in the legacy catalogue and was migrated. */
interface LegacyLineRow extends LegacyOrderLine {
  product_known: boolean;
  product_migrated: boolean;
}

interface TargetOrderRow {
  id: string;
  status: OrderStatus;
  status_reason: string | null;
  parked_from: OrderStatus | null;
  customer_id: string | null;
  customer_tier: Tier | null;
  shipping_address: ShippingAddress | null;
  subtotal: string | null;
  discount: string | null;
  shipping: string | null;
  tax: string | null;
  total: string | null;
  event_seq: number;
  adopted: boolean;
  adoption_modified_dt: string | null;
}

interface TargetLineRow {
  order_id: string;
  line_no: number;
  sku: string;
  quantity: number;
  unit_price_decimal: string;
  discount_pct: string;
  amount: string;
}

/** The projection of one legacy order, as the migration writes it. */
interface OrderProjection {
  id: string;
  orderNo: number;
  legacyStatus: string;
  status: OrderStatus;
  statusReason: string | null;
  parkedFrom: OrderStatus | null;
  customerId: string;
  customerTier: Tier | null;
  shippingAddress: ShippingAddress;
  lines: OrderLine[];
  totals: { subtotal: number; discount: number; shipping: number; tax: number; total: number };
  orderDt: string;
  modifiedDt: string;
}

interface EventRow {
  orderId: string;
  seq: number;
  type: OrderEventType;
  dedupeKey: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/** What decides whether a migrated order changed: every field the migration writes, in one fixed order. */
function signature(p: {
  status: string;
  statusReason: string | null;
  parkedFrom: string | null;
  customerId: string | null;
  customerTier: string | null;
  shippingAddress: ShippingAddress | null;
  totals: (number | null)[];
  lines: { sku: string; quantity: number; unitPriceDecimal: string; discountPct: string; amount: number }[];
}): string {
  const a = p.shippingAddress;
  return JSON.stringify([
    p.status,
    p.statusReason,
    p.parkedFrom,
    p.customerId,
    p.customerTier,
    a ? [a.name, a.line1, a.line2 ?? null, a.city, a.postalCode, a.country] : null,
    p.totals,
    p.lines.map((l) => [l.sku, l.quantity, l.unitPriceDecimal, l.discountPct, l.amount]),
  ]);
}

function projectionSignature(p: OrderProjection): string {
  const t = p.totals;
  return signature({ ...p, totals: [t.subtotal, t.discount, t.shipping, t.tax, t.total] });
}

function targetSignature(o: TargetOrderRow, lines: TargetLineRow[]): string {
  const cents = (v: string | null) => (v === null ? null : Number(v));
  return signature({
    status: o.status,
    statusReason: o.status_reason,
    parkedFrom: o.parked_from,
    customerId: o.customer_id,
    customerTier: o.customer_tier,
    shippingAddress: o.shipping_address,
    totals: [cents(o.subtotal), cents(o.discount), cents(o.shipping), cents(o.tax), cents(o.total)],
    lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceDecimal: l.unit_price_decimal, discountPct: l.discount_pct, amount: Number(l.amount) })),
  });
}

/** Checks one legacy order with its lines: the projection, or the quarantine entries that stop it. */
function transformOrder(order: LegacyOrderRow, lines: LegacyLineRow[]): { projection: OrderProjection | null; entries: QuarantineEntry[] } {
  const key = String(order.order_no);
  const entries: QuarantineEntry[] = [];
  const refuse = (reason: string, detail: string) =>
    entries.push({ table: 'orders', key, reason, detail, disposition: 'excluded', modifiedDt: order.modified_dt });

  let customerId: string | null = null;
  if (!order.customer_known) refuse('unknown_customer', `customer ${order.cust_id} does not exist`);
  else if (order.target_customer_id) customerId = order.target_customer_id;
  else if (order.customer_disposition === 'merged' && order.merged_into) customerId = order.merged_into;
  else if (order.customer_quarantine) refuse('customer_quarantined', `customer ${order.cust_id} is quarantined (${order.customer_quarantine})`);
  else refuse('customer_not_migrated', `customer ${order.cust_id} is not in the target`);

  const tier = cleanText(order.tier);
  if (tier !== null && !TIERS.has(tier)) refuse('customer_quarantined', `customer ${order.cust_id} has tier ${JSON.stringify(order.tier)}`);
  const country = cleanText(order.ship_country);
  if (country === null) refuse('missing_country', 'ship_country is null');
  else if (!COUNTRY_CODES.has(country)) refuse('invalid_country', `ship_country ${JSON.stringify(order.ship_country)} is not an ISO 3166-1 alpha-2 code`);
  const status = LEGACY_STATUS[order.status_cd];
  if (!status) refuse('unknown_status', `status_cd ${JSON.stringify(order.status_cd)} is not N, P, S, D or X`);
  if (lines.length === 0) refuse('order_without_lines', 'order has no lines');

  const badLines: number[] = [];
  for (const line of lines) {
    const lineEntry = (reason: string, detail: string) => {
      entries.push({ table: 'order_lines', key: `${line.order_no}/${line.line_no}`, parentKey: key, reason, detail, disposition: 'excluded' });
      if (badLines[badLines.length - 1] !== line.line_no) badLines.push(line.line_no);
    };
    if (!line.product_known) lineEntry('unknown_product', `product ${line.prod_code} does not exist`);
    else if (!line.product_migrated) lineEntry('product_not_migrated', `product ${line.prod_code} is not in the target`);
    if (line.qty <= 0) lineEntry('non_positive_quantity', `quantity ${line.qty}`);
    if (line.unit_price.startsWith('-')) lineEntry('invalid_price', `unit_price ${line.unit_price} is negative`);
    const pct = Number(line.disc_pct);
    if (pct < 0 || pct > 100) lineEntry('invalid_discount', `disc_pct ${line.disc_pct} is outside 0..100`);
  }
  if (badLines.length > 0) refuse('has_quarantined_lines', `line(s) ${badLines.join(', ')} quarantined`);
  if (entries.length > 0 || customerId === null || country === null || !status) return { projection: null, entries };

  const pricingTier = tier as Tier | null;
  const priced = priceOrder({
    lines: lines.map((l) => ({ quantity: l.qty, unitPriceDecimal: l.unit_price, discountPct: l.disc_pct })),
    tier: pricingTier,
    country,
  });
  return {
    entries,
    projection: {
      id: legacyOrderId(order.order_no),
      orderNo: order.order_no,
      legacyStatus: order.status_cd,
      status,
      statusReason: STATUS_REASON[status] ?? null,
      parkedFrom: status === 'NEEDS_ATTENTION' ? 'PENDING' : null,
      customerId,
      customerTier: pricingTier,
      shippingAddress: {
        name: order.cust_name ?? '',
        line1: order.ship_addr1 ?? '',
        city: order.ship_city ?? '',
        postalCode: order.ship_zip ?? '',
        country,
      },
      lines: lines.map((l, i) => ({
        sku: l.prod_code,
        quantity: l.qty,
        unitPrice: unitPriceFromDecimal(l.unit_price).unitPrice,
        unitPriceDecimal: l.unit_price,
        discountPct: l.disc_pct,
        amount: priced.lineAmounts[i],
      })),
      totals: priced.totals,
      orderDt: order.order_dt,
      modifiedDt: order.modified_dt,
    },
  };
}

function eventData(p: OrderProjection, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { source: EVENT_SOURCE, legacyOrderNo: p.orderNo, legacyStatus: p.legacyStatus, status: p.status, ...extra };
}

export async function migrateOrders(ctx: BatchContext, after: Watermark | null): Promise<PhaseOutcome> {
  const orders: LegacyOrderRow[] = await ctx.manager.query(
    `SELECT o.order_no, o.cust_id, to_char(o.order_dt, ${TIMESTAMP_TEXT}) AS order_dt, o.status_cd,
            o.ship_country, o.ship_addr1, o.ship_city, o.ship_zip, to_char(o.modified_dt, ${TIMESTAMP_TEXT}) AS modified_dt,
            c.cust_id IS NOT NULL AS customer_known, c.cust_name, c.tier,
            tc.id AS target_customer_id, q.reason AS customer_quarantine, q.disposition AS customer_disposition, mc.id AS merged_into
       FROM (SELECT * FROM ${ctx.s}.orders
              WHERE (modified_dt, order_no) > ($1::timestamp, $2::int)
              ORDER BY modified_dt, order_no
              LIMIT $3) o
       LEFT JOIN ${ctx.s}.customers c ON c.cust_id = o.cust_id
       LEFT JOIN customers tc ON tc.legacy_cust_id = o.cust_id
       LEFT JOIN LATERAL (
              SELECT mq.reason, mq.disposition, mq.target_id FROM migration_quarantine mq
               WHERE mq.source_schema = $4 AND mq.source_table = 'customers' AND mq.source_key = o.cust_id::text
                 AND mq.resolved_at IS NULL AND mq.disposition IN ('merged', 'excluded')
               ORDER BY mq.disposition = 'merged' DESC, mq.reason
               LIMIT 1) q ON true
       LEFT JOIN customers mc ON mc.id = q.target_id AND q.disposition = 'merged'
      ORDER BY o.modified_dt, o.order_no`,
    [after?.modifiedDt ?? START_MODIFIED_DT, after ? Number(after.key) : -2147483648, ctx.limit, ctx.sourceSchema],
  );
  const counts = emptyCounts();
  counts.read = orders.length;
  if (orders.length === 0) return { counts, taken: 0, next: after };
  const orderNos = orders.map((o) => o.order_no);
  const orderKeys = orderNos.map(String);

  const lines: LegacyLineRow[] = await ctx.manager.query(
    `SELECT l.order_no, l.line_no, l.prod_code, l.qty, l.unit_price::text AS unit_price, l.disc_pct::text AS disc_pct,
            lp.prod_code IS NOT NULL AS product_known, tp.sku IS NOT NULL AS product_migrated
       FROM ${ctx.s}.order_lines l
       LEFT JOIN ${ctx.s}.products lp ON lp.prod_code = l.prod_code
       LEFT JOIN products tp ON tp.sku = l.prod_code
      WHERE l.order_no = ANY ($1::int[])
      ORDER BY l.order_no, l.line_no`,
    [orderNos],
  );
  ctx.heartbeat('orders: extracted');
  const linesOf = new Map<number, LegacyLineRow[]>();
  for (const line of lines) {
    const list = linesOf.get(line.order_no);
    if (list) list.push(line);
    else linesOf.set(line.order_no, [line]);
  }

  const entries: QuarantineEntry[] = [];
  const projections: OrderProjection[] = [];
  for (const order of orders) {
    const result = transformOrder(order, linesOf.get(order.order_no) ?? []);
    entries.push(...result.entries);
    if (result.projection) projections.push(result.projection);
  }

  // The target as it stands, locked: a migrated order is updated only when it changed.
  const ids = projections.map((p) => p.id);
  const existingRows: TargetOrderRow[] = ids.length
    ? await ctx.manager.query(
        `SELECT o.id, o.status, o.status_reason, o.parked_from, o.customer_id, o.customer_tier, o.shipping_address,
                o.subtotal, o.discount, o.shipping, o.tax, o.total, o.event_seq,
                coalesce(a.adopted_at IS NOT NULL, false) AS adopted, to_char(a.legacy_modified_dt, ${TIMESTAMP_TEXT}) AS adoption_modified_dt
           FROM orders o LEFT JOIN migration_adoptions a ON a.order_id = o.id
          WHERE o.id = ANY ($1::uuid[])
          FOR UPDATE OF o`,
        [ids],
      )
    : [];
  const existing = new Map(existingRows.map((o) => [o.id, o]));
  const existingLines: TargetLineRow[] = existingRows.length
    ? await ctx.manager.query(
        `SELECT order_id, line_no, sku, quantity, unit_price_decimal::text AS unit_price_decimal, discount_pct::text AS discount_pct, amount
           FROM order_lines WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, line_no`,
        [existingRows.map((o) => o.id)],
      )
    : [];
  const targetLinesOf = new Map<string, TargetLineRow[]>();
  for (const line of existingLines) {
    const list = targetLinesOf.get(line.order_id);
    if (list) list.push(line);
    else targetLinesOf.set(line.order_id, [line]);
  }

  const inserts: OrderProjection[] = [];
  const updates: { projection: OrderProjection; eventSeq: number }[] = [];
  const events: EventRow[] = [];
  for (const p of projections) {
    const current = existing.get(p.id);
    if (!current) {
      inserts.push(p);
      events.push({ orderId: p.id, seq: 1, type: 'order.created', dedupeKey: `${EVENT_SOURCE}:created`, data: eventData(p), occurredAt: p.orderDt });
      const statusEvent = STATUS_EVENT[p.status];
      if (statusEvent) {
        events.push({ orderId: p.id, seq: 2, type: statusEvent, dedupeKey: `${EVENT_SOURCE}:${statusEvent}:${p.modifiedDt}`, data: eventData(p), occurredAt: p.modifiedDt });
      }
      continue;
    }
    if (current.adopted) {
      // The order workflow owns it now; a later legacy change cannot be applied behind its back.
      if (current.adoption_modified_dt !== null && p.modifiedDt > current.adoption_modified_dt) {
        entries.push({
          table: 'orders',
          key: String(p.orderNo),
          reason: 'changed_after_adoption',
          detail: `changed in the legacy system at ${p.modifiedDt}, after an order workflow adopted it`,
          disposition: 'excluded',
          modifiedDt: p.modifiedDt,
        });
      } else counts.unchanged++;
      continue;
    }
    if (projectionSignature(p) === targetSignature(current, targetLinesOf.get(p.id) ?? [])) {
      counts.unchanged++;
      continue;
    }
    let seq = current.event_seq;
    events.push({
      orderId: p.id,
      seq: ++seq,
      type: 'order.updated',
      dedupeKey: `${EVENT_SOURCE}:updated:${p.modifiedDt}`,
      data: eventData(p, { legacyModifiedDt: p.modifiedDt, totals: p.totals }),
      occurredAt: p.modifiedDt,
    });
    const statusEvent = STATUS_EVENT[p.status];
    if (current.status !== p.status && statusEvent) {
      events.push({ orderId: p.id, seq: ++seq, type: statusEvent, dedupeKey: `${EVENT_SOURCE}:${statusEvent}:${p.modifiedDt}`, data: eventData(p), occurredAt: p.modifiedDt });
    }
    updates.push({ projection: p, eventSeq: seq });
  }
  counts.inserted = inserts.length;
  counts.updated = updates.length;

  const eventCount = (id: string) => events.filter((e) => e.orderId === id).length;
  if (inserts.length > 0) {
    await ctx.manager.query(
      `INSERT INTO orders (id, storefront, status, status_reason, parked_from, customer_id, customer_tier, currency, shipping_address,
                           subtotal, discount, shipping, tax, total, legacy_order_no, event_seq, created_at, updated_at)
       SELECT o.id, $17::varchar, o.status, o.status_reason, o.parked_from, o.customer_id, o.customer_tier, 'USD', o.shipping_address,
              o.subtotal, o.discount, o.shipping, o.tax, o.total, o.legacy_order_no, o.event_seq,
              o.order_dt AT TIME ZONE 'UTC', o.modified_dt AT TIME ZONE 'UTC'
         FROM unnest($1::uuid[], $2::varchar[], $3::text[], $4::varchar[], $5::uuid[], $6::char(1)[], $7::jsonb[],
                     $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::int[], $14::int[], $15::timestamp[], $16::timestamp[])
           AS o(id, status, status_reason, parked_from, customer_id, customer_tier, shipping_address,
                subtotal, discount, shipping, tax, total, legacy_order_no, event_seq, order_dt, modified_dt)`,
      [
        inserts.map((p) => p.id),
        inserts.map((p) => p.status),
        inserts.map((p) => p.statusReason),
        inserts.map((p) => p.parkedFrom),
        inserts.map((p) => p.customerId),
        inserts.map((p) => p.customerTier),
        inserts.map((p) => JSON.stringify(p.shippingAddress)),
        inserts.map((p) => p.totals.subtotal),
        inserts.map((p) => p.totals.discount),
        inserts.map((p) => p.totals.shipping),
        inserts.map((p) => p.totals.tax),
        inserts.map((p) => p.totals.total),
        inserts.map((p) => p.orderNo),
        inserts.map((p) => eventCount(p.id)),
        inserts.map((p) => p.orderDt),
        inserts.map((p) => p.modifiedDt),
        ctx.storefront,
      ],
    );
  }
  if (updates.length > 0) {
    const ups = updates.map((u) => u.projection);
    await ctx.manager.query(
      `UPDATE orders o
          SET status = u.status, status_reason = u.status_reason, parked_from = u.parked_from, customer_id = u.customer_id,
              customer_tier = u.customer_tier, shipping_address = u.shipping_address, subtotal = u.subtotal, discount = u.discount,
              shipping = u.shipping, tax = u.tax, total = u.total, event_seq = u.event_seq, updated_at = u.modified_dt AT TIME ZONE 'UTC'
         FROM unnest($1::uuid[], $2::varchar[], $3::text[], $4::varchar[], $5::uuid[], $6::char(1)[], $7::jsonb[],
                     $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::int[], $14::timestamp[])
           AS u(id, status, status_reason, parked_from, customer_id, customer_tier, shipping_address,
                subtotal, discount, shipping, tax, total, event_seq, modified_dt)
        WHERE o.id = u.id`,
      [
        ups.map((p) => p.id),
        ups.map((p) => p.status),
        ups.map((p) => p.statusReason),
        ups.map((p) => p.parkedFrom),
        ups.map((p) => p.customerId),
        ups.map((p) => p.customerTier),
        ups.map((p) => JSON.stringify(p.shippingAddress)),
        ups.map((p) => p.totals.subtotal),
        ups.map((p) => p.totals.discount),
        ups.map((p) => p.totals.shipping),
        ups.map((p) => p.totals.tax),
        ups.map((p) => p.totals.total),
        updates.map((u) => u.eventSeq),
        ups.map((p) => p.modifiedDt),
      ],
    );
    await ctx.manager.query('DELETE FROM order_lines WHERE order_id = ANY ($1::uuid[])', [ups.map((p) => p.id)]);
  }
  const written = [...inserts, ...updates.map((u) => u.projection)];
  const lineRows = written.flatMap((p) => p.lines.map((l, i) => ({ orderId: p.id, lineNo: i + 1, ...l })));
  if (lineRows.length > 0) {
    await ctx.manager.query(
      `INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price, unit_price_decimal, discount_pct, amount)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::varchar[], $4::int[], $5::bigint[], $6::numeric[], $7::numeric[], $8::bigint[])`,
      [
        lineRows.map((l) => l.orderId),
        lineRows.map((l) => l.lineNo),
        lineRows.map((l) => l.sku),
        lineRows.map((l) => l.quantity),
        lineRows.map((l) => l.unitPrice),
        lineRows.map((l) => l.unitPriceDecimal),
        lineRows.map((l) => l.discountPct),
        lineRows.map((l) => l.amount),
      ],
    );
  }
  if (events.length > 0) {
    await ctx.manager.query(
      `INSERT INTO order_events (order_id, seq, type, dedupe_key, data, occurred_at)
       SELECT e.order_id, e.seq, e.type, e.dedupe_key, e.data, e.occurred_at AT TIME ZONE 'UTC'
         FROM unnest($1::uuid[], $2::int[], $3::varchar[], $4::varchar[], $5::jsonb[], $6::timestamp[])
           AS e(order_id, seq, type, dedupe_key, data, occurred_at)`,
      [
        events.map((e) => e.orderId),
        events.map((e) => e.seq),
        events.map((e) => e.type),
        events.map((e) => e.dedupeKey),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => e.occurredAt),
      ],
    );
  }
  // In-flight orders wait for adoption; an order that moved on in the legacy system before it was
  // adopted (P -> D) no longer does.
  if (written.length > 0) {
    const adoptable = written.filter((p) => ADOPTED_STATUSES.has(p.legacyStatus));
    await ctx.manager.query(
      `DELETE FROM migration_adoptions WHERE order_id = ANY ($1::uuid[]) AND adopted_at IS NULL`,
      [written.filter((p) => !ADOPTED_STATUSES.has(p.legacyStatus)).map((p) => p.id)],
    );
    if (adoptable.length > 0) {
      await ctx.manager.query(
        `INSERT INTO migration_adoptions (order_id, legacy_order_no, source_schema, legacy_status, imported_status, legacy_modified_dt)
         SELECT a.order_id, a.legacy_order_no, $1, a.legacy_status, a.imported_status, a.legacy_modified_dt
           FROM unnest($2::uuid[], $3::int[], $4::char(1)[], $5::varchar[], $6::timestamp[])
             AS a(order_id, legacy_order_no, legacy_status, imported_status, legacy_modified_dt)
         ON CONFLICT (order_id) DO UPDATE
            SET legacy_status = excluded.legacy_status, imported_status = excluded.imported_status, legacy_modified_dt = excluded.legacy_modified_dt
          WHERE migration_adoptions.adopted_at IS NULL`,
        [ctx.sourceSchema, adoptable.map((p) => p.id), adoptable.map((p) => p.orderNo), adoptable.map((p) => p.legacyStatus), adoptable.map((p) => p.status), adoptable.map((p) => p.modifiedDt)],
      );
    }
  }
  ctx.heartbeat('orders: loaded');

  await syncQuarantine(ctx, [{ table: 'orders', keys: orderKeys }, { table: 'order_lines', parentKeys: orderKeys }], entries);
  counts.quarantined = new Set(entries.filter((e) => e.table === 'orders').map((e) => e.key)).size;
  const last = orders[orders.length - 1];
  return { counts, taken: orders.length, next: { modifiedDt: last.modified_dt, key: String(last.order_no) } };
}
