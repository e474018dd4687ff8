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

/** Events of the feed that belong to a storefront but to no order. */
export const STOREFRONT_EVENT_TYPES = [
  /** A webhook endpoint was disabled: the receiver answered 410, or failed for 5 days. */
  'endpoint.disabled',
] as const;
export type StorefrontEventType = (typeof STOREFRONT_EVENT_TYPES)[number];

/** Every type the feed (GET /v1/events) and webhooks carry. */
export const FEED_EVENT_TYPES = [...ORDER_EVENT_TYPES, ...STOREFRONT_EVENT_TYPES] as const;
export type FeedEventType = (typeof FEED_EVENT_TYPES)[number];
