// Reading orders from the PostgreSQL projection (what the activities write) and turning them into
// JSON:API resources. The API never writes orders: the workflow does, through its activities.
import type { PoolClient, QueryResultRow } from 'pg';
import type { CreateOrderInput } from '../domain/order';
import { NO_PAYMENT, type PaymentTotals, paymentSummary } from '../domain/payment-ledger';
import { DEV_STOREFRONT } from '../domain/storefronts';
import type { Order } from '../entities/order';
import type { OrderState } from '../workflows/order-definitions';
import type { ApiDeps } from './deps';
import { epochMicros, timestampFromMicrosSql } from '../entities/timestamp-micros';
import { cursorAtSql, decodeCursor, encodeCursor, nextLink, selfLink, type SerializedJson, serializeJson } from './json-api';
import type { OrderListFilters } from './schemas/orders';

/** The projection row with its lines: what the cache stores and resources are built from. */
export interface OrderSnapshot {
  id: string;
  storefront: string;
  status: Order['status'];
  statusReason: string | null;
  customerId: string | null;
  currency: string;
  lines: { sku: string; quantity: number; unitPrice: number; unitPriceDecimal: string; amount: number }[];
  shippingAddress: Order['shippingAddress'];
  totals: { subtotal: number; discount: number; shipping: number; tax: number; total: number } | null;
  trackingNumber: string | null;
  legacyOrderNo: number | null;
  eventSeq: number;
  /** Sums of the payment ledger and of the credit notes; absent in snapshots cached before the ledger existed. */
  payment?: PaymentTotals & { credited?: number };
  createdAt: string;
  updatedAt: string;
}

// One statement for the order and its lines (as a JSON array in line order). Numbers are cast in
// SQL to what the entity gives: bigint cents as JSON numbers (safe integers), the decimal unit
// price as text so its scale survives ("10.5000", not 10.5).
const ORDER_COLUMNS = `
       o.id, o.storefront, o.status, o.status_reason, o.customer_id, o.currency, o.shipping_address,
       o.subtotal::text, o.discount::text, o.shipping::text, o.tax::text, o.total::text,
       o.tracking_number, o.legacy_order_no, o.event_seq, o.created_at, o.updated_at,
       COALESCE((SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'unitPrice', l.unit_price,
                                                   'unitPriceDecimal', l.unit_price_decimal::text, 'amount', l.amount) ORDER BY l.line_no)
                   FROM order_lines l WHERE l.order_id = o.id), '[]'::json) AS lines,
       (SELECT json_build_object(
                 'authorized', COALESCE(sum(m.amount) FILTER (WHERE m.kind IN ('authorization', 'increment')), 0)
                               - COALESCE(sum(m.amount) FILTER (WHERE m.kind = 'void'), 0),
                 'captured', COALESCE(sum(m.amount) FILTER (WHERE m.kind = 'capture'), 0),
                 'refunded', COALESCE(sum(m.amount) FILTER (WHERE m.kind = 'refund'), 0),
                 'credited', (SELECT -COALESCE(sum(c.total), 0) FROM credit_notes c WHERE c.order_id = o.id))
          FROM payment_movements m WHERE m.order_id = o.id AND m.status = 'succeeded') AS payment`;

const LOAD_ORDER_SQL = `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1`;

interface OrderRow {
  id: string;
  storefront: string;
  status: Order['status'];
  status_reason: string | null;
  customer_id: string | null;
  currency: string;
  shipping_address: Order['shippingAddress'];
  subtotal: string | null;
  discount: string | null;
  shipping: string | null;
  tax: string | null;
  total: string | null;
  tracking_number: string | null;
  legacy_order_no: number | null;
  event_seq: number;
  created_at: Date;
  updated_at: Date;
  lines: OrderSnapshot['lines'];
  payment: { authorized: number | string; captured: number | string; refunded: number | string; credited: number | string };
}

/**
 * Rows of one statement on a connection of TypeORM's pool, through its public QueryRunner: the
 * pg client it hands out runs `name`d statements, which PostgreSQL parses once per connection.
 * `dataSource.query` would parse every time and costs about twice as much per read. An
 * uninitialized data source fails with "Driver not Connected", which maps to 503.
 */
export async function queryRows<R extends QueryResultRow>(dataSource: ApiDeps['dataSource'], text: string, values: unknown[], name?: string): Promise<R[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<R>(name ? { name, text, values } : { text, values })).rows;
  } finally {
    await runner.release();
  }
}

const cents = (value: string | null): number | null => (value === null ? null : Number(value));

/** The projection row and its lines in one round trip (a prepared statement). */
export async function loadOrder(deps: Pick<ApiDeps, 'dataSource'>, id: string): Promise<OrderSnapshot | null> {
  const [row] = await queryRows<OrderRow>(deps.dataSource, LOAD_ORDER_SQL, [id], 'ordersaga-load-order');
  return row ? snapshotOfRow(row) : null;
}

function snapshotOfRow(row: OrderRow): OrderSnapshot {
  const [subtotal, discount, shipping, tax, total] = [cents(row.subtotal), cents(row.discount), cents(row.shipping), cents(row.tax), cents(row.total)];
  const priced = subtotal !== null && discount !== null && shipping !== null && tax !== null && total !== null;
  return {
    id: row.id,
    storefront: row.storefront,
    status: row.status,
    statusReason: row.status_reason,
    customerId: row.customer_id,
    currency: row.currency,
    lines: row.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: Number(l.unitPrice), unitPriceDecimal: l.unitPriceDecimal, amount: Number(l.amount) })),
    shippingAddress: row.shipping_address,
    totals: priced ? { subtotal, discount, shipping, tax, total } : null,
    trackingNumber: row.tracking_number,
    legacyOrderNo: row.legacy_order_no,
    eventSeq: row.event_seq,
    payment: {
      authorized: Number(row.payment.authorized),
      captured: Number(row.payment.captured),
      refunded: Number(row.payment.refunded),
      credited: Number(row.payment.credited),
    },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The workflow's live view laid over the projection (for `?consistency=strong` and after changes). */
export function snapshotFromState(state: OrderState, projection: OrderSnapshot | null, storefront: string): OrderSnapshot {
  const now = new Date().toISOString();
  return {
    id: state.orderId,
    storefront,
    status: state.status,
    statusReason: state.statusReason,
    customerId: state.customerId,
    currency: projection?.currency ?? 'USD',
    lines: state.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, unitPriceDecimal: l.unitPriceDecimal, amount: l.amount })),
    shippingAddress: state.shippingAddress,
    totals: state.totals,
    trackingNumber: state.trackingNumber,
    legacyOrderNo: projection?.legacyOrderNo ?? null,
    eventSeq: projection?.eventSeq ?? 0,
    payment: projection?.payment ?? NO_PAYMENT,
    createdAt: projection?.createdAt ?? now,
    updatedAt: projection?.updatedAt ?? now,
  };
}

/**
 * An order Temporal holds (its workflow is started) that the workflow has not recorded yet, as
 * the POST that got there first and a GET before the record show it: PENDING, not priced yet
 * (lines and totals come with the record), version 0.
 */
export function pendingSnapshot(order: CreateOrderInput): OrderSnapshot {
  const now = new Date().toISOString();
  return {
    id: order.orderId,
    storefront: order.storefront ?? DEV_STOREFRONT,
    status: 'PENDING',
    statusReason: null,
    customerId: order.customerId,
    currency: 'USD',
    lines: [],
    shippingAddress: { ...order.shippingAddress, line2: order.shippingAddress.line2 ?? null },
    totals: null,
    trackingNumber: null,
    legacyOrderNo: null,
    eventSeq: 0,
    payment: NO_PAYMENT,
    createdAt: now,
    updatedAt: now,
  };
}

export function orderResource(order: OrderSnapshot) {
  const address = order.shippingAddress;
  return {
    type: 'orders' as const,
    id: order.id,
    attributes: {
      storefront: order.storefront,
      status: order.status,
      statusReason: order.statusReason,
      customerId: order.customerId,
      currency: order.currency,
      lines: order.lines,
      shippingAddress: address
        ? { name: address.name, line1: address.line1, line2: address.line2 ?? null, city: address.city, postalCode: address.postalCode, country: address.country }
        : null,
      totals: order.totals,
      trackingNumber: order.trackingNumber,
      legacyOrderNo: order.legacyOrderNo,
      version: order.eventSeq,
      payment: paymentOf(order),
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
    },
    relationships: {
      customer: {
        data: order.customerId ? { type: 'customers', id: order.customerId } : null,
        ...(order.customerId ? { links: { related: `/v1/customers/${order.customerId}` } } : {}),
      },
      invoice: { data: null, links: { related: `/v1/orders/${order.id}/invoice` } },
      events: { data: null, links: { related: `/v1/orders/${order.id}/events` } },
      payments: { data: null, links: { related: `/v1/orders/${order.id}/payments` } },
      returns: { data: null, links: { related: `/v1/orders/${order.id}/returns` } },
    },
    links: { self: `/v1/orders/${order.id}` },
  };
}

export function orderDocument(order: OrderSnapshot) {
  return { data: orderResource(order) };
}

// Snapshots are never mutated once read (the cache hands out the same object while it is fresh),
// so the serialized document can live as long as the snapshot does.
const documentJson = new WeakMap<OrderSnapshot, SerializedJson<ReturnType<typeof orderDocument>>>();

/** `JSON.stringify(orderDocument(order))`, built once per snapshot object. */
export function orderDocumentJson(order: OrderSnapshot): SerializedJson<ReturnType<typeof orderDocument>> {
  let json = documentJson.get(order);
  if (json === undefined) documentJson.set(order, (json = serializeJson(orderDocument(order))));
  return json;
}

/**
 * GET /v1/orders (and a customer's orders): filters, sort by createdAt, keyset pages; one
 * statement, lines included. One row more than the page tells whether there is a next page; the
 * cursor keeps the timestamp's microseconds as PostgreSQL has them (json-api.ts).
 * `storefront` limits the list to one storefront (api/storefronts.ts `storefrontScope`; null: all).
 */
export async function listOrders(
  deps: Pick<ApiDeps, 'dataSource'>,
  query: Partial<OrderListFilters> & { 'page[size]': number },
  url: string,
  storefront: string | null,
) {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  if (storefront !== null) where.push(`o.storefront = ${param(storefront)}`);
  const statuses = query['filter[status]']?.split(',');
  if (statuses) where.push(`o.status = ANY(${param(statuses)}::varchar[])`);
  if (query['filter[customerId]']) where.push(`o.customer_id = ${param(query['filter[customerId]'])}`);
  if (query['filter[legacyOrderNo]'] !== undefined) where.push(`o.legacy_order_no = ${param(query['filter[legacyOrderNo]'])}`);
  // As exact microseconds: PostgreSQL takes neither every offset RFC 3339 allows nor year 0000.
  const gte = query['filter[createdAt][gte]'];
  const lt = query['filter[createdAt][lt]'];
  if (gte) where.push(`o.created_at >= ${timestampFromMicrosSql(param(epochMicros(gte)))}`);
  if (lt) where.push(`o.created_at < ${timestampFromMicrosSql(param(epochMicros(lt)))}`);
  const order = query.sort === 'createdAt' ? 'ASC' : 'DESC';
  const after = query['page[after]'] === undefined ? undefined : decodeCursor(query['page[after]']);
  if (after) where.push(`(o.created_at, o.id) ${order === 'ASC' ? '>' : '<'} (${timestampFromMicrosSql(param(after.at))}, ${param(after.id)})`);
  const size = query['page[size]'];
  const rows = await queryRows<OrderRow & { cursor_at: string; cursor_id: string }>(
    deps.dataSource,
    `SELECT ${ORDER_COLUMNS}, ${cursorAtSql('o.created_at')} AS cursor_at, o.id::text AS cursor_id
       FROM orders o
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY o.created_at ${order}, o.id ${order}
      LIMIT ${param(size + 1)}`,
    values,
  );
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  const next = rows.length > size && last ? encodeCursor({ at: last.cursor_at, id: last.cursor_id }) : null;

  return {
    data: page.map((row) => orderResource(snapshotOfRow(row))),
    links: { self: selfLink(url), next: next ? nextLink(url, next) : null },
    meta: { pageSize: size },
  };
}

/** The order's `payment` attribute: the ledger's sums, the balance net of credit notes. */
function paymentOf(order: OrderSnapshot) {
  const { authorized, captured, refunded, credited = 0 }: PaymentTotals & { credited?: number } = order.payment ?? NO_PAYMENT;
  return paymentSummary(order.totals?.total ?? null, { authorized, captured, refunded }, credited);
}
