// Event types appended to order_events (one per state change, gapless sequence per order)
// and published live. Names are '<resource>.<past-tense verb>'.

export const ORDER_EVENT_TYPES = [
  'order.created',
  'order.updated',
  /** A change of lines or address (after payment: with the difference in totals and money). */
  'order.changed',
  'inventory.reserved',
  'inventory.released',
  'invoice.created',
  'invoice.voided',
  'payment.authorized',
  'payment.voided',
  'payment.captured',
  /** A change raised the amount held: an incremental authorization, or one of the difference. */
  'payment.incremented',
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
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export function isOrderEventType(value: unknown): value is OrderEventType {
  return typeof value === 'string' && (ORDER_EVENT_TYPES as readonly string[]).includes(value);
}
