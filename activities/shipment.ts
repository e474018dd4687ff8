// Shipments through the carrier adapter. An order has at most one live shipment; a cancelled one
// may be followed by a new booking, so the carrier's idempotency key counts the bookings
// ('order-<id>:ship:1', ':ship:2' ...) and a retry of the same booking reuses its key.
import { ApplicationFailure } from '@temporalio/activity';
import { validate as isUuid } from 'uuid';
import { orderWorkflowId, stepIdempotencyKey } from '../domain/ids';
import type { ShippingAddress } from '../domain/order';
import { type CarrierBooking, ProviderRefusedError } from './adapters/types';
import type { OrderActivities, ShipmentRef } from './contract';
import { throwIfCancelled, whileHeartbeating } from './heartbeat';
import { type ActivityContext, orderNotFound, recordId, withLockedOrder } from './order-events';

interface ShipmentState {
  id: string | null;
  carrier: string | null;
  carrier_shipment_id: string | null;
  tracking_number: string | null;
  status: 'CREATED' | 'SHIPPED' | 'DELIVERED' | null;
  /** Bookings so far, cancelled ones included; the live one (if any) is number `bookings`. */
  bookings: number;
}

/** The order's live shipment and booking count; null when the order does not exist. */
async function shipmentOf(ctx: ActivityContext, orderId: string): Promise<ShipmentState | null> {
  if (!isUuid(orderId)) return null;
  const rows: ShipmentState[] = await ctx.dataSource.query(
    `SELECT s.id, s.carrier, s.carrier_shipment_id, s.tracking_number, s.status,
            (SELECT count(*)::int FROM shipments WHERE order_id = o.id) AS bookings
       FROM orders o LEFT JOIN shipments s ON s.order_id = o.id AND s.status <> 'CANCELED'
      WHERE o.id = $1`,
    [orderId],
  );
  return rows[0] ?? null;
}

const refOf = (s: { id: string | null; carrier: string | null; tracking_number: string | null }): ShipmentRef => ({
  shipmentId: s.id!,
  carrier: s.carrier!,
  trackingNumber: s.tracking_number!,
});

/** Records a booking the carrier made as the order's live shipment (shipment.created), once. */
async function recordBooking(ctx: ActivityContext, orderId: string, idempotencyKey: string, booking: CarrierBooking, address: ShippingAddress): Promise<ShipmentRef> {
  return withLockedOrder(ctx, orderId, async (tx) => {
    const shipmentId = recordId(`shipment:${idempotencyKey}`);
    const inserted: unknown[] = await tx.manager.query(
      `INSERT INTO shipments (id, order_id, carrier, carrier_shipment_id, tracking_number, status, idempotency_key, address)
       VALUES ($1, $2, $3, $4, $5, 'CREATED', $6, $7)
       ON CONFLICT DO NOTHING RETURNING id`,
      [shipmentId, orderId, booking.carrier, booking.carrierShipmentId, booking.trackingNumber, idempotencyKey, address],
    );
    if (inserted.length === 0) {
      const [live]: ShipmentState[] = await tx.manager.query(
        `SELECT id, carrier, tracking_number FROM shipments WHERE order_id = $1 AND status <> 'CANCELED'`,
        [orderId],
      );
      return refOf(live);
    }
    const ref = { shipmentId, carrier: booking.carrier, trackingNumber: booking.trackingNumber };
    await tx.append(
      'shipment.created',
      `shipment.created:${shipmentId}`,
      { ...ref, carrierShipmentId: booking.carrierShipmentId },
      { trackingNumber: booking.trackingNumber },
    );
    return ref;
  });
}

/** Looks booking number `booking` up at the carrier by its key and records it; false when the carrier has none. */
async function recordUnrecordedBooking(ctx: ActivityContext, orderId: string, booking: number): Promise<boolean> {
  const idempotencyKey = stepIdempotencyKey(orderWorkflowId(orderId), 'ship', booking);
  const [order]: { placed_at: Date }[] = await ctx.dataSource.query('SELECT created_at AS placed_at FROM orders WHERE id = $1', [orderId]);
  const found = await callCarrier('cancelShipment', () => ctx.carrier.findShipment({ idempotencyKey, orderId, notBefore: order.placed_at }));
  if (!found) return false;
  await recordBooking(ctx, orderId, idempotencyKey, found, found.address);
  return true;
}

/** A refusal (e.g. the parcel has left) is final; anything else is technical and retried. */
async function callCarrier<T>(step: string, call: () => Promise<T>): Promise<T> {
  try {
    return await whileHeartbeating(step, call);
  } catch (err) {
    if (err instanceof ProviderRefusedError) throw ApplicationFailure.nonRetryable(err.message, 'CarrierRefused', { code: err.code });
    throw err;
  }
}

export function shipmentActivities(ctx: ActivityContext): Pick<OrderActivities, 'createShipment' | 'cancelShipment'> {
  const { carrier } = ctx;
  return {
    async createShipment({ orderId, address }) {
      const known = await shipmentOf(ctx, orderId);
      if (!known) throw orderNotFound(orderId);
      if (known.id) return refOf(known);

      const idempotencyKey = stepIdempotencyKey(orderWorkflowId(orderId), 'ship', known.bookings + 1);
      throwIfCancelled();
      const booking = await callCarrier('createShipment', () => carrier.createShipment({ idempotencyKey, orderId, address }));
      return recordBooking(ctx, orderId, idempotencyKey, booking, address);
    },

    async cancelShipment({ orderId }) {
      let known = await shipmentOf(ctx, orderId);
      // Nothing recorded: a createShipment attempt may still have booked with the carrier and died
      // before recording. Its key names the next booking; what the carrier has under it is recorded
      // as createShipment would have, then cancelled like any booking.
      if (known && !known.id && (await recordUnrecordedBooking(ctx, orderId, known.bookings + 1))) known = await shipmentOf(ctx, orderId);
      if (!known?.id || !known.carrier_shipment_id) return; // nothing booked, or already cancelled
      const shipmentId = known.id;
      const carrierShipmentId = known.carrier_shipment_id;
      if (known.status !== 'CREATED') {
        throw ApplicationFailure.nonRetryable(`shipment ${shipmentId} has left (${known.status}) and cannot be cancelled`, 'CarrierRefused', {
          code: 'already_shipped',
        });
      }
      const idempotencyKey = stepIdempotencyKey(orderWorkflowId(orderId), 'cancel-shipment', known.bookings);
      await callCarrier('cancelShipment', () => carrier.cancelShipment({ idempotencyKey, carrierShipmentId }));
      await withLockedOrder(ctx, orderId, async (tx) => {
        const canceled: unknown[] = await tx.manager.query(
          `WITH canceled AS (
             UPDATE shipments SET status = 'CANCELED', canceled_at = now(), updated_at = now()
              WHERE id = $1 AND status = 'CREATED' RETURNING id)
           SELECT id FROM canceled`,
          [shipmentId],
        );
        if (canceled.length === 0) return;
        await tx.append('shipment.canceled', `shipment.canceled:${shipmentId}`, { shipmentId, carrierShipmentId }, { trackingNumber: null });
      });
    },
  };
}
