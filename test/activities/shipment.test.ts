// Step 5 and its compensation through the carrier simulator (manual mode: nothing ships by itself).
import { type Kit, dyingAfterProvider, eventsOf, failureOf, openKit, orderRow, orderSnapshot, placedOrder } from './fixtures';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

const shipmentsOf = (orderId: string) =>
  kit.dataSource.query('SELECT id, status, tracking_number, idempotency_key FROM shipments WHERE order_id = $1 ORDER BY created_at', [orderId]);

describe('createShipment', () => {
  it('books the shipment, records it with the tracking number on the order, and appends shipment.created', async () => {
    const { orderId, order } = await placedOrder(kit);

    const ref = await kit.activities.createShipment({ orderId, address: order.shippingAddress });

    expect(ref).toEqual({ shipmentId: expect.any(String), carrier: 'SIMCARRIER', trackingNumber: expect.stringMatching(/^1ZSIM/) });
    expect(await shipmentsOf(orderId)).toEqual([
      { id: ref.shipmentId, status: 'CREATED', tracking_number: ref.trackingNumber, idempotency_key: `order-${orderId}:ship:1` },
    ]);
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ tracking_number: ref.trackingNumber });
    expect((await eventsOf(kit.dataSource, orderId)).at(-1)).toMatchObject({ type: 'shipment.created', data: { shipmentId: ref.shipmentId } });
  });

  it('returns the same shipment and changes nothing when called again', async () => {
    const { orderId, order, skus } = await placedOrder(kit);
    const first = await kit.activities.createShipment({ orderId, address: order.shippingAddress });
    const before = await orderSnapshot(kit.dataSource, orderId, skus);

    expect(await kit.activities.createShipment({ orderId, address: order.shippingAddress })).toEqual(first);
    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(before);
  });

  it('books anew after a cancellation, under the next idempotency key', async () => {
    const { orderId, order } = await placedOrder(kit);
    const first = await kit.activities.createShipment({ orderId, address: order.shippingAddress });
    await kit.activities.cancelShipment({ orderId });

    const second = await kit.activities.createShipment({ orderId, address: order.shippingAddress });

    expect(second.shipmentId).not.toBe(first.shipmentId);
    expect((await shipmentsOf(orderId)).map((s: { status: string; idempotency_key: string }) => [s.status, s.idempotency_key])).toEqual([
      ['CANCELED', `order-${orderId}:ship:1`],
      ['CREATED', `order-${orderId}:ship:2`],
    ]);
  });
});

describe('cancelShipment', () => {
  it('cancels with the carrier, clears the tracking number and appends shipment.canceled once', async () => {
    const { orderId, order, skus } = await placedOrder(kit);
    const { shipmentId } = await kit.activities.createShipment({ orderId, address: order.shippingAddress });

    await kit.activities.cancelShipment({ orderId });
    const before = await orderSnapshot(kit.dataSource, orderId, skus);
    await kit.activities.cancelShipment({ orderId });

    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(before);
    expect(await shipmentsOf(orderId)).toMatchObject([{ id: shipmentId, status: 'CANCELED' }]);
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ tracking_number: null });
    expect((await eventsOf(kit.dataSource, orderId)).at(-1)).toMatchObject({ type: 'shipment.canceled', data: { shipmentId } });
  });

  it('is a no-op when nothing was booked', async () => {
    const { orderId } = await placedOrder(kit);

    await kit.activities.cancelShipment({ orderId });

    expect((await eventsOf(kit.dataSource, orderId)).map((e) => e.type)).toEqual(['order.created']);
  });

  it('fails CarrierRefused (non-retryable) once the carrier has picked the parcel up', async () => {
    const { orderId, order } = await placedOrder(kit);
    const { shipmentId } = await kit.activities.createShipment({ orderId, address: order.shippingAddress });
    // The carrier scanned it, but the order has not heard yet.
    await kit.dataSource.query(`UPDATE sim_carrier_shipments SET status = 'SHIPPED' WHERE order_id = $1`, [orderId]);

    const failure = await failureOf(kit.activities.cancelShipment({ orderId }));

    expect(failure).toMatchObject({ type: 'CarrierRefused', nonRetryable: true, details: [{ code: 'already_shipped' }] });
    expect(await shipmentsOf(orderId)).toMatchObject([{ id: shipmentId, status: 'CREATED' }]);
  });

  it('follows the order: SHIPPED and DELIVERED move the live shipment too', async () => {
    const { orderId, order } = await placedOrder(kit);
    await kit.activities.createShipment({ orderId, address: order.shippingAddress });

    await kit.activities.recordOrderEvent({ orderId, type: 'order.shipped', dedupeKey: 'shipped', status: 'SHIPPED' });
    expect(await shipmentsOf(orderId)).toMatchObject([{ status: 'SHIPPED' }]);
    await kit.activities.recordOrderEvent({ orderId, type: 'order.delivered', dedupeKey: 'delivered', status: 'DELIVERED' });
    expect(await shipmentsOf(orderId)).toMatchObject([{ status: 'DELIVERED' }]);
  });
});

describe('cancelShipment after a booking that was never recorded', () => {
  it("finds it at the carrier by the step's key, records it and cancels it there, once", async () => {
    const { orderId, order, skus } = await placedOrder(kit);
    await expect(dyingAfterProvider(kit, 'carrier', 'createShipment').createShipment({ orderId, address: order.shippingAddress })).rejects.toThrow(
      'the worker died',
    );
    const carrierSide = () =>
      kit.dataSource.query('SELECT shipment_id, status FROM sim_carrier_shipments WHERE idempotency_key = $1', [`order-${orderId}:ship:1`]);
    const [booked] = await carrierSide();
    expect(booked).toMatchObject({ status: 'BOOKED' });
    expect(await shipmentsOf(orderId)).toEqual([]); // PostgreSQL never heard of it

    await kit.activities.cancelShipment({ orderId });
    const after = await orderSnapshot(kit.dataSource, orderId, skus);
    await kit.activities.cancelShipment({ orderId });

    expect(await carrierSide()).toEqual([{ shipment_id: booked.shipment_id, status: 'CANCELED' }]);
    expect(await shipmentsOf(orderId)).toMatchObject([{ status: 'CANCELED', idempotency_key: `order-${orderId}:ship:1` }]);
    expect((await eventsOf(kit.dataSource, orderId)).slice(-2).map((e) => e.type)).toEqual(['shipment.created', 'shipment.canceled']);
    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(after);
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ tracking_number: null });
  });
});
