// Event types appended to order_events (one per state change, gapless sequence per order)
// and published live. Names are '<resource>.<past-tense verb>'.

export const ORDER_EVENT_TYPES = [
  'order.created',
  'order.updated',
  'inventory.reserved',
  'inventory.released',
  'invoice.created',
  'invoice.voided',
  'payment.authorized',
  'payment.voided',
  'payment.captured',
  'shipment.created',
  'shipment.canceled',
  'order.shipped',
  'order.delivered',
  'order.canceled',
  'order.rejected',
  'order.needs_attention',
  'order.resumed',
  /** An order workflow took over a migrated legacy order (the migration wrote its projection). */
  'order.adopted',
  // Returns (a workflow each, return-<id>); their events belong to the order's trail and feed.
  'return.requested',
  'return.received',
  'inventory.restocked',
  'payment.refunded',
  'return.expired',
  'return.cancelled',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export function isOrderEventType(value: unknown): value is OrderEventType {
  return typeof value === 'string' && (ORDER_EVENT_TYPES as readonly string[]).includes(value);
}
