// Cancelling an order at every stage of the saga, through the `cancel` update and through a
// Temporal cancellation request: every completed step is undone exactly once, newest first, and
// a compensation never overtakes the step it undoes. The simulated providers answer slowly here,
// so a cancel can arrive while a step is running.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stockOf } from '../support/db';
import { FAST_PROVIDER_RETRY, SagaTestBed, bookingUnderWay, eventTypes, hasUpdateAccepted, historyEvents, invoicesOf, orderRow, stateEventually } from '../support/temporal';
import { cancelUpdate, setStatusUpdate } from '../../workflows/order-definitions';

// Real servers and simulated provider latency: the project-level testTimeout does not reach here.
jest.setTimeout(90_000);

const bed = new SagaTestBed('order-cancellation', { paymentLatencyMs: 1000, carrierLatencyMs: 1000 });
beforeAll(() => bed.start());
afterAll(() => bed.stop());

const UNDO: Record<string, string> = {
  'inventory.reserved': 'inventory.released',
  'invoice.created': 'invoice.voided',
  'payment.authorized': 'payment.voided',
  'shipment.created': 'shipment.canceled',
};

/** Each step that happened is undone exactly once, after every step, newest first; CANCELLED last. */
function expectUndoneOnceInReverse(events: string[]): void {
  const done = events.filter((type) => type in UNDO);
  const undone = events.filter((type) => Object.values(UNDO).includes(type));
  expect(undone).toEqual(done.map((type) => UNDO[type]).reverse());
  const lastStep = Math.max(...done.map((type) => events.lastIndexOf(type)));
  const firstUndo = Math.min(...undone.map((type) => events.indexOf(type)));
  if (done.length > 0) expect(firstUndo).toBeGreaterThan(lastStep);
  expect(events.at(-1)).toBe('order.canceled');
  expect(events.filter((type) => type === 'order.canceled')).toHaveLength(1);
}

async function expectNothingHeld(orderId: string, sku: string): Promise<void> {
  expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 100, reserved: 0, available: 100 });
  for (const invoice of await invoicesOf(bed.dataSource, orderId)) expect(invoice.status).toBe('VOID');
  const payments: { status: string }[] = await bed.dataSource.query('SELECT status FROM payments WHERE order_id = $1', [orderId]);
  for (const payment of payments) expect(payment.status).toBe('VOIDED');
  const shipments: { status: string }[] = await bed.dataSource.query('SELECT status FROM shipments WHERE order_id = $1', [orderId]);
  for (const shipment of shipments) expect(shipment.status).toBe('CANCELED');
  expect(await orderRow(bed.dataSource, orderId)).toMatchObject({ status: 'CANCELLED' });
}

/** An order cancelled while (or after) its payment was being authorized: every step undone, newest first. */
const UNDONE_AFTER_AUTHORIZATION = [
  'order.created',
  'inventory.reserved',
  'invoice.created',
  'payment.authorized',
  'payment.voided',
  'invoice.voided',
  'inventory.released',
  'order.canceled',
];

const is = (waitingFor: string) => (s: { waitingFor: string }) => s.waitingFor.startsWith(waitingFor);

describe('cancelling an order', () => {
  it('undoes whatever ran when cancelled as soon as the order is recorded', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });

    expect(cancelled).toMatchObject({ status: 'CANCELLED', statusReason: 'changed my mind' });
    expectUndoneOnceInReverse(await eventTypes(bed.dataSource, order.orderId));
    await expectNothingHeld(order.orderId, sku);
  });

  it('waits for a running payment authorization, then voids it (the undo never overtakes the step)', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, is('authorizing the payment'), 'the authorization to be running');
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{}] });

    expect(cancelled.status).toBe('CANCELLED');
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(UNDONE_AFTER_AUTHORIZATION);
    await expectNothingHeld(order.orderId, sku);
  });

  it('cancels the shipment the carrier was booking when cancelled during the booking', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await bookingUnderWay(handle); // a local activity: a query would wait for its task
    await handle.executeUpdate(cancelUpdate, { args: [{}] });

    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual([
      'order.created',
      'inventory.reserved',
      'invoice.created',
      'payment.authorized',
      'shipment.created',
      'shipment.canceled',
      'payment.voided',
      'invoice.voided',
      'inventory.released',
      'order.canceled',
    ]);
    await expectNothingHeld(order.orderId, sku);
    const [carrierSide]: { status: string }[] = await bed.dataSource.query('SELECT status FROM sim_carrier_shipments WHERE order_id = $1', [order.orderId]);
    expect(carrierSide.status).toBe('CANCELED');
  });

  it('undoes every step when cancelled while waiting for the carrier to pick the parcel up', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, is('the carrier to pick up'), 'the shipment to be booked');
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'found it cheaper' }] });

    expect(cancelled).toMatchObject({ status: 'CANCELLED', statusReason: 'found it cheaper', waitingFor: 'nothing: the order is CANCELLED' });
    const events = await eventTypes(bed.dataSource, order.orderId);
    expectUndoneOnceInReverse(events);
    expect(events).toContain('shipment.canceled');
    await expectNothingHeld(order.orderId, sku);
    expect((await handle.result()).status).toBe('CANCELLED');
  });

  it('cancels a parked (NEEDS_ATTENTION) order and undoes its steps, once the carrier can say what it booked', async () => {
    const { order, sku } = await bed.simpleOrder();
    bed.carrier.setFailing(true);
    try {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the order to be parked', 60_000);
      const cancelling = handle.executeUpdate(cancelUpdate, { args: [{ reason: 'carrier outage' }] });
      // A booking attempt may have reached the carrier unrecorded: the undo asks it, so it waits for it.
      await stateEventually(handle, (s) => s.waitingFor.startsWith('undoing'), 'the undo to wait for the carrier');
      bed.carrier.setFailing(false);
      const cancelled = await cancelling;
      expect(cancelled).toMatchObject({ status: 'CANCELLED', parkedFrom: null });
      const events = await eventTypes(bed.dataSource, order.orderId);
      expect(events).toContain('order.needs_attention');
      expectUndoneOnceInReverse(events);
      await expectNothingHeld(order.orderId, sku);
    } finally {
      bed.carrier.setFailing(false);
    }
  });

  it('treats a cancellation request from a Temporal client (the UI button) like cancel', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, is('the carrier to pick up'), 'the shipment to be booked');
    await handle.cancel();

    const final = await handle.result();
    expect(final).toMatchObject({ status: 'CANCELLED', statusReason: 'cancellation requested through Temporal' });
    expectUndoneOnceInReverse(await eventTypes(bed.dataSource, order.orderId));
    await expectNothingHeld(order.orderId, sku);
    // The saga ends normally with the order CANCELLED: one outcome, whoever cancelled.
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('treats a Temporal cancellation request during a running step like cancel', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, is('authorizing the payment'), 'the authorization to be running');
    await handle.cancel();

    expect((await handle.result()).status).toBe('CANCELLED');
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(UNDONE_AFTER_AUTHORIZATION);
    await expectNothingHeld(order.orderId, sku);
  });

  it('refuses to cancel once SHIPPED (nothing enters history) and ignores a Temporal cancellation request', async () => {
    const { order } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, is('the carrier to pick up'), 'the shipment to be booked');
    const shipped = await handle.executeUpdate(setStatusUpdate, { args: [{ status: 'SHIPPED', trackingNumber: '1Z999' }] });
    expect(shipped).toMatchObject({ status: 'SHIPPED', trackingNumber: '1Z999' });

    const refused = await handle.executeUpdate(cancelUpdate, { args: [{}] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('IllegalTransition');
    expect(hasUpdateAccepted(await historyEvents(handle), 'cancel')).toBe(false);

    await handle.cancel(); // too late: the goods left
    await bed.carrierReports(order.orderId, 'delivered');
    expect((await handle.result()).status).toBe('DELIVERED');
    const events = await eventTypes(bed.dataSource, order.orderId);
    expect(events).not.toContain('order.canceled');
    expect(events.at(-1)).toBe('order.delivered');
  });

  it('answers a second cancel with the same CANCELLED state and undoes nothing twice', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, is('the carrier to pick up'), 'the shipment to be booked');
    const [first, second] = await Promise.all([
      handle.executeUpdate(cancelUpdate, { args: [{ reason: 'first' }] }),
      handle.executeUpdate(cancelUpdate, { args: [{ reason: 'second' }] }),
    ]);
    expect(first).toEqual(second); // whichever came first decided; the other changed nothing
    expect(first.status).toBe('CANCELLED');
    expect(['first', 'second']).toContain(first.statusReason);
    await handle.result();

    // Once the workflow has finished, Temporal answers "not found"; the API then reads the projection.
    await expect(handle.executeUpdate(cancelUpdate, { args: [{}] })).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expectUndoneOnceInReverse(await eventTypes(bed.dataSource, order.orderId));
    await expectNothingHeld(order.orderId, sku);
  });

  it('gives up the cancellation when the parcel left before the carrier got it, and delivers the order', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, is('the carrier to pick up'), 'the shipment to be booked');
    // The carrier scanned the parcel; its "shipped" event has not reached the order yet.
    await bed.dataSource.query(`UPDATE sim_carrier_shipments SET status = 'SHIPPED', shipped_at = now() WHERE order_id = $1`, [order.orderId]);

    const refused = await handle.executeUpdate(cancelUpdate, { args: [{}] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('IllegalTransition');

    await bed.carrierReports(order.orderId, 'shipped');
    await bed.carrierReports(order.orderId, 'delivered');
    expect((await handle.result()).status).toBe('DELIVERED');
    const events = await eventTypes(bed.dataSource, order.orderId);
    expect(events.filter((type) => Object.values(UNDO).includes(type))).toEqual([]);
    expect(events.slice(-3)).toEqual(['order.shipped', 'payment.captured', 'order.delivered']);
    expect(await stockOf(bed.dataSource, sku)).toMatchObject({ onHand: 98, reserved: 0 });
  });
});
