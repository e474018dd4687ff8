// Orders with their lines, one batch: extract the legacy orders after the watermark (with what
// the target knows of their customers and products), transform each (order-transform.ts), plan
// the writes against the target as it stands, locked (order-plan.ts), load them, and sync the
// quarantine. An order that cannot be migrated is quarantined, and whatever was migrated before
// stays.
import { type RowOf, batchColumns } from '../../entities/batch-columns';
import { ORDER_LINE_COLUMNS, orderLineRows } from '../order-events';
import { type BatchContext, type PhaseOutcome, START_MODIFIED_DT, TIMESTAMP_TEXT, emptyCounts } from './batch';
import type { Watermark } from './contract';
import { type OrderWritePlan, type PlannedOrder, type TargetLineRow, type TargetOrderRow, planOrderWrites } from './order-plan';
import { type LegacyLineRow, type LegacyOrderRow, type OrderProjection, transformOrder } from './order-transform';
import { type QuarantineEntry, syncQuarantine } from './quarantine';

const ORDER_COLUMNS = batchColumns({
  id: 'uuid',
  status: 'varchar',
  status_reason: 'text',
  parked_from: 'varchar',
  customer_id: 'uuid',
  customer_tier: 'char(1)',
  shipping_address: 'jsonb',
  subtotal: 'bigint',
  discount: 'bigint',
  shipping: 'bigint',
  tax: 'bigint',
  total: 'bigint',
  legacy_order_no: 'int',
  event_seq: 'int',
  order_dt: 'timestamp',
  modified_dt: 'timestamp',
});
const EVENT_COLUMNS = batchColumns({ order_id: 'uuid', seq: 'int', type: 'varchar', dedupe_key: 'varchar', data: 'jsonb', occurred_at: 'timestamp' });
const ADOPTION_COLUMNS = batchColumns({ order_id: 'uuid', legacy_order_no: 'int', legacy_status: 'char(1)', imported_status: 'varchar', legacy_modified_dt: 'timestamp' });

export async function migrateOrders(ctx: BatchContext, after: Watermark | null): Promise<PhaseOutcome> {
  const counts = emptyCounts();
  const orders = await extractOrders(ctx, after);
  counts.read = orders.length;
  if (orders.length === 0) return { counts, taken: 0, next: after };
  const linesOf = groupBy(await extractLines(ctx, orders.map((o) => o.order_no)), (l) => l.order_no);
  ctx.heartbeat('orders: extracted');

  const entries: QuarantineEntry[] = [];
  const projections: OrderProjection[] = [];
  for (const order of orders) {
    const result = transformOrder(order, linesOf.get(order.order_no) ?? []);
    entries.push(...result.entries);
    if (result.projection) projections.push(result.projection);
  }

  const target = await lockTarget(ctx, projections.map((p) => p.id));
  const plan = planOrderWrites(projections, target.orders, target.linesOf);
  entries.push(...plan.entries);
  counts.inserted = plan.inserts.length;
  counts.updated = plan.updates.length;
  counts.unchanged = plan.unchanged;
  await load(ctx, plan);
  ctx.heartbeat('orders: loaded');

  const orderKeys = orders.map((o) => String(o.order_no));
  await syncQuarantine(ctx, [{ table: 'orders', keys: orderKeys }, { table: 'order_lines', parentKeys: orderKeys }], entries);
  counts.quarantined = new Set(entries.filter((e) => e.table === 'orders').map((e) => e.key)).size;
  const last = orders[orders.length - 1];
  return { counts, taken: orders.length, next: { modifiedDt: last.modified_dt, key: String(last.order_no) } };
}

// ---------------------------------------------------------------- extract

async function extractOrders(ctx: BatchContext, after: Watermark | null): Promise<LegacyOrderRow[]> {
  return ctx.manager.query(
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
}

async function extractLines(ctx: BatchContext, orderNos: number[]): Promise<LegacyLineRow[]> {
  return ctx.manager.query(
    `SELECT l.order_no, l.line_no, l.prod_code, l.qty, l.unit_price::text AS unit_price, l.disc_pct::text AS disc_pct,
            lp.prod_code IS NOT NULL AS product_known, tp.sku IS NOT NULL AS product_migrated
       FROM ${ctx.s}.order_lines l
       LEFT JOIN ${ctx.s}.products lp ON lp.prod_code = l.prod_code
       LEFT JOIN products tp ON tp.sku = l.prod_code
      WHERE l.order_no = ANY ($1::int[])
      ORDER BY l.order_no, l.line_no`,
    [orderNos],
  );
}

/** The target as it stands, locked: a migrated order is updated only when it changed. */
async function lockTarget(ctx: BatchContext, ids: string[]): Promise<{ orders: Map<string, TargetOrderRow>; linesOf: Map<string, TargetLineRow[]> }> {
  const rows: TargetOrderRow[] = ids.length
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
  const lines: TargetLineRow[] = rows.length
    ? await ctx.manager.query(
        `SELECT order_id, line_no, sku, quantity, unit_price_decimal::text AS unit_price_decimal, discount_pct::text AS discount_pct, amount
           FROM order_lines WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, line_no`,
        [rows.map((o) => o.id)],
      )
    : [];
  return { orders: new Map(rows.map((o) => [o.id, o])), linesOf: groupBy(lines, (l) => l.order_id) };
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

// ---------------------------------------------------------------- load

function orderRow({ projection: p, eventSeq }: PlannedOrder): RowOf<typeof ORDER_COLUMNS> {
  return {
    id: p.id,
    status: p.status,
    status_reason: p.statusReason,
    parked_from: p.parkedFrom,
    customer_id: p.customerId,
    customer_tier: p.customerTier,
    shipping_address: JSON.stringify(p.shippingAddress),
    subtotal: p.totals.subtotal,
    discount: p.totals.discount,
    shipping: p.totals.shipping,
    tax: p.totals.tax,
    total: p.totals.total,
    legacy_order_no: p.orderNo,
    event_seq: eventSeq,
    order_dt: p.orderDt,
    modified_dt: p.modifiedDt,
  };
}

async function load(ctx: BatchContext, plan: OrderWritePlan): Promise<void> {
  const { inserts, updates, events, awaitingAdoption } = plan;
  if (inserts.length > 0) {
    await ctx.manager.query(
      `INSERT INTO orders (id, storefront, status, status_reason, parked_from, customer_id, customer_tier, currency, shipping_address,
                           subtotal, discount, shipping, tax, total, legacy_order_no, event_seq, created_at, updated_at)
       SELECT o.id, $17::varchar, o.status, o.status_reason, o.parked_from, o.customer_id, o.customer_tier, 'USD', o.shipping_address,
              o.subtotal, o.discount, o.shipping, o.tax, o.total, o.legacy_order_no, o.event_seq,
              o.order_dt AT TIME ZONE 'UTC', o.modified_dt AT TIME ZONE 'UTC'
         FROM ${ORDER_COLUMNS.unnest('o')}`,
      [...ORDER_COLUMNS.arrays(inserts.map(orderRow)), ctx.storefront],
    );
  }
  if (updates.length > 0) {
    await ctx.manager.query(
      `UPDATE orders o
          SET status = u.status, status_reason = u.status_reason, parked_from = u.parked_from, customer_id = u.customer_id,
              customer_tier = u.customer_tier, shipping_address = u.shipping_address, subtotal = u.subtotal, discount = u.discount,
              shipping = u.shipping, tax = u.tax, total = u.total, event_seq = u.event_seq, updated_at = u.modified_dt AT TIME ZONE 'UTC'
         FROM ${ORDER_COLUMNS.unnest('u')}
        WHERE o.id = u.id`,
      ORDER_COLUMNS.arrays(updates.map(orderRow)),
    );
    await ctx.manager.query('DELETE FROM order_lines WHERE order_id = ANY ($1::uuid[])', [updates.map((u) => u.projection.id)]);
  }
  const written = [...inserts, ...updates].map((w) => w.projection);
  const lineRows = written.flatMap((p) => orderLineRows(p.id, p.lines));
  if (lineRows.length > 0) {
    await ctx.manager.query(`INSERT INTO order_lines (${ORDER_LINE_COLUMNS.names}) SELECT * FROM ${ORDER_LINE_COLUMNS.unnest('l')}`, ORDER_LINE_COLUMNS.arrays(lineRows));
  }
  if (events.length > 0) {
    await ctx.manager.query(
      `INSERT INTO order_events (order_id, seq, type, dedupe_key, data, occurred_at)
       SELECT e.order_id, e.seq, e.type, e.dedupe_key, e.data, e.occurred_at AT TIME ZONE 'UTC' FROM ${EVENT_COLUMNS.unnest('e')}`,
      EVENT_COLUMNS.arrays(
        events.map((e) => ({ order_id: e.orderId, seq: e.seq, type: e.type, dedupe_key: e.dedupeKey, data: JSON.stringify(e.data), occurred_at: e.occurredAt })),
      ),
    );
  }
  if (written.length === 0) return;
  // In-flight orders wait for adoption; an order that moved on in the legacy system before it was
  // adopted (P -> D) no longer does.
  await ctx.manager.query('DELETE FROM migration_adoptions WHERE order_id = ANY ($1::uuid[]) AND adopted_at IS NULL', [plan.notAdopted]);
  if (awaitingAdoption.length > 0) {
    await ctx.manager.query(
      `INSERT INTO migration_adoptions (order_id, legacy_order_no, source_schema, legacy_status, imported_status, legacy_modified_dt)
       SELECT a.order_id, a.legacy_order_no, $1, a.legacy_status, a.imported_status, a.legacy_modified_dt FROM ${ADOPTION_COLUMNS.unnest('a', 2)}
       ON CONFLICT (order_id) DO UPDATE
          SET legacy_status = excluded.legacy_status, imported_status = excluded.imported_status, legacy_modified_dt = excluded.legacy_modified_dt
        WHERE migration_adoptions.adopted_at IS NULL`,
      [
        ctx.sourceSchema,
        ...ADOPTION_COLUMNS.arrays(
          awaitingAdoption.map((p) => ({ order_id: p.id, legacy_order_no: p.orderNo, legacy_status: p.legacyStatus, imported_status: p.status, legacy_modified_dt: p.modifiedDt })),
        ),
      ],
    );
  }
}
