// What a batch of transformed orders does to the target, decided against the target as it stands
// (pure: the target rows come in as read). A new order is inserted with `order.created` (at
// order_dt) and the event of the status reached (at modified_dt); a migrated order that changed
// is updated with `order.updated` (and the new status' event), keeping its event sequence gapless;
// one an order workflow adopted is never written again (a later legacy change is quarantined).
import type { OrderEventType } from '../../domain/events';
import type { ShippingAddress } from '../../domain/order';
import type { OrderStatus } from '../../domain/order-status';
import type { Tier } from '../../domain/pricing';
import type { OrderProjection } from './order-transform';
import type { QuarantineEntry } from './quarantine';

const EVENT_SOURCE = 'legacy-migration';

const STATUS_EVENT: Partial<Record<OrderStatus, OrderEventType>> = {
  SHIPPED: 'order.shipped',
  DELIVERED: 'order.delivered',
  CANCELLED: 'order.canceled',
  NEEDS_ATTENTION: 'order.needs_attention',
};
/** Legacy statuses whose orders an order workflow adopts. */
const ADOPTED_STATUSES: ReadonlySet<string> = new Set(['N', 'P', 'S']);

/** A migrated order as the target holds it. */
export interface TargetOrderRow {
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

export interface TargetLineRow {
  order_id: string;
  line_no: number;
  sku: string;
  quantity: number;
  unit_price_decimal: string;
  discount_pct: string;
  amount: string;
}

export interface EventRow {
  orderId: string;
  seq: number;
  type: OrderEventType;
  dedupeKey: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/** An order to write, with the event_seq it ends at. */
export interface PlannedOrder {
  projection: OrderProjection;
  eventSeq: number;
}

export interface OrderWritePlan {
  inserts: PlannedOrder[];
  updates: PlannedOrder[];
  events: EventRow[];
  /** Written orders an order workflow is to adopt. */
  awaitingAdoption: OrderProjection[];
  /** Written orders no longer waiting for adoption (moved on in the legacy system, P -> D). */
  notAdopted: string[];
  /** changed_after_adoption entries. */
  entries: QuarantineEntry[];
  unchanged: number;
}

export function planOrderWrites(
  projections: readonly OrderProjection[],
  existing: ReadonlyMap<string, TargetOrderRow>,
  targetLinesOf: ReadonlyMap<string, readonly TargetLineRow[]>,
): OrderWritePlan {
  const plan: OrderWritePlan = { inserts: [], updates: [], events: [], awaitingAdoption: [], notAdopted: [], entries: [], unchanged: 0 };
  for (const p of projections) {
    const current = existing.get(p.id);
    if (!current) {
      plan.events.push({ orderId: p.id, seq: 1, type: 'order.created', dedupeKey: `${EVENT_SOURCE}:created`, data: eventData(p), occurredAt: p.orderDt });
      const statusEvent = STATUS_EVENT[p.status];
      if (statusEvent) plan.events.push(statusEventRow(p, statusEvent, 2));
      plan.inserts.push({ projection: p, eventSeq: statusEvent ? 2 : 1 });
      continue;
    }
    if (current.adopted) {
      // The order workflow owns it now; a later legacy change cannot be applied behind its back.
      if (current.adoption_modified_dt !== null && p.modifiedDt > current.adoption_modified_dt) {
        plan.entries.push({
          table: 'orders',
          key: String(p.orderNo),
          reason: 'changed_after_adoption',
          detail: `changed in the legacy system at ${p.modifiedDt}, after an order workflow adopted it`,
          disposition: 'excluded',
          modifiedDt: p.modifiedDt,
        });
      } else plan.unchanged++;
      continue;
    }
    if (projectionSignature(p) === targetSignature(current, targetLinesOf.get(p.id) ?? [])) {
      plan.unchanged++;
      continue;
    }
    let seq = current.event_seq;
    plan.events.push({
      orderId: p.id,
      seq: ++seq,
      type: 'order.updated',
      dedupeKey: `${EVENT_SOURCE}:updated:${p.modifiedDt}`,
      data: eventData(p, { legacyModifiedDt: p.modifiedDt, totals: p.totals }),
      occurredAt: p.modifiedDt,
    });
    const statusEvent = STATUS_EVENT[p.status];
    if (current.status !== p.status && statusEvent) plan.events.push(statusEventRow(p, statusEvent, ++seq));
    plan.updates.push({ projection: p, eventSeq: seq });
  }
  for (const { projection: p } of [...plan.inserts, ...plan.updates]) {
    if (ADOPTED_STATUSES.has(p.legacyStatus)) plan.awaitingAdoption.push(p);
    else plan.notAdopted.push(p.id);
  }
  return plan;
}

function statusEventRow(p: OrderProjection, type: OrderEventType, seq: number): EventRow {
  return { orderId: p.id, seq, type, dedupeKey: `${EVENT_SOURCE}:${type}:${p.modifiedDt}`, data: eventData(p), occurredAt: p.modifiedDt };
}

function eventData(p: OrderProjection, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { source: EVENT_SOURCE, legacyOrderNo: p.orderNo, legacyStatus: p.legacyStatus, status: p.status, ...extra };
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

function targetSignature(o: TargetOrderRow, lines: readonly TargetLineRow[]): string {
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
