// Reading orders from the PostgreSQL projection (what the activities write) and turning them into
// JSON:API resources. The API never writes orders: the workflow does, through its activities.
import { Order, OrderLineRow } from '../entities/order';
import type { OrderState } from '../workflows/order-definitions';
import type { ApiDeps } from './deps';
import { keysetPage, nextLink, selfLink } from './json-api';
import type { OrderListFilters } from './schemas/orders';

/** The projection row with its lines: what the cache stores and resources are built from. */
export interface OrderSnapshot {
  id: string;
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
  createdAt: string;
  updatedAt: string;
}

function snapshotOf(order: Order, lines: OrderLineRow[]): OrderSnapshot {
  const priced = order.subtotal !== null && order.discount !== null && order.shipping !== null && order.tax !== null && order.total !== null;
  return {
    id: order.id,
    status: order.status,
    statusReason: order.statusReason,
    customerId: order.customerId,
    currency: order.currency,
    lines: lines
      .sort((a, b) => a.lineNo - b.lineNo)
      .map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, unitPriceDecimal: l.unitPriceDecimal, amount: l.amount })),
    shippingAddress: order.shippingAddress,
    totals: priced
      ? { subtotal: order.subtotal!, discount: order.discount!, shipping: order.shipping!, tax: order.tax!, total: order.total! }
      : null,
    trackingNumber: order.trackingNumber,
    legacyOrderNo: order.legacyOrderNo,
    eventSeq: order.eventSeq,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

export async function loadOrder(deps: Pick<ApiDeps, 'dataSource'>, id: string): Promise<OrderSnapshot | null> {
  const order = await deps.dataSource.getRepository(Order).findOneBy({ id });
  if (!order) return null;
  const lines = await deps.dataSource.getRepository(OrderLineRow).findBy({ orderId: id });
  return snapshotOf(order, lines);
}

/** The workflow's live view laid over the projection (for `?consistency=strong`). */
export function snapshotFromState(state: OrderState, projection: OrderSnapshot | null): OrderSnapshot {
  const now = new Date().toISOString();
  return {
    id: state.orderId,
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
    createdAt: projection?.createdAt ?? now,
    updatedAt: projection?.updatedAt ?? now,
  };
}

export function orderResource(order: OrderSnapshot) {
  const address = order.shippingAddress;
  return {
    type: 'orders' as const,
    id: order.id,
    attributes: {
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
    },
    links: { self: `/v1/orders/${order.id}` },
  };
}

export function orderDocument(order: OrderSnapshot) {
  return { data: orderResource(order) };
}

/** GET /v1/orders (and a customer's orders): filters, sort by createdAt, keyset pages. */
export async function listOrders(deps: Pick<ApiDeps, 'dataSource'>, query: Partial<OrderListFilters> & { 'page[size]': number }, url: string) {
  const qb = deps.dataSource.getRepository(Order).createQueryBuilder('o');
  const statuses = query['filter[status]']?.split(',').map((s) => s.trim());
  if (statuses) qb.andWhere('o.status IN (:...statuses)', { statuses });
  if (query['filter[customerId]']) qb.andWhere('o.customer_id = :customerId', { customerId: query['filter[customerId]'] });
  if (query['filter[legacyOrderNo]'] !== undefined) qb.andWhere('o.legacy_order_no = :legacyOrderNo', { legacyOrderNo: query['filter[legacyOrderNo]'] });
  if (query['filter[createdAt][gte]']) qb.andWhere('o.created_at >= :gte', { gte: query['filter[createdAt][gte]'] });
  if (query['filter[createdAt][lt]']) qb.andWhere('o.created_at < :lt', { lt: query['filter[createdAt][lt]'] });
  const order = query.sort === 'createdAt' ? 'ASC' : 'DESC';
  const page = await keysetPage(qb, { at: 'o.created_at', id: 'o.id' }, order, query['page[size]'], query['page[after]']);

  const ids = page.rows.map((o) => o.id);
  const lines = ids.length ? await deps.dataSource.getRepository(OrderLineRow).createQueryBuilder('l').where('l.order_id IN (:...ids)', { ids }).getMany() : [];
  const linesByOrder = new Map<string, OrderLineRow[]>();
  for (const line of lines) linesByOrder.set(line.orderId, [...(linesByOrder.get(line.orderId) ?? []), line]);

  return {
    data: page.rows.map((o) => orderResource(snapshotOf(o, linesByOrder.get(o.id) ?? []))),
    links: { self: selfLink(url), next: page.next ? nextLink(url, page.next) : null },
    meta: { pageSize: query['page[size]'] },
  };
}
