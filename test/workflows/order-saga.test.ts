// The order saga end to end on the Temporal dev server, with the real activities, PostgreSQL and
// Redis: the happy path, business failures, retries, parking and changes before authorization.
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stockOf } from '../support/db';
import {
  FAST_PROVIDER_RETRY,
  HAPPY_PATH_EVENTS,
  SagaTestBed,
  eventTypes,
  eventually,
  historyEvents,
  localActivityType,
  invoicesOf,
  orderInput,
  orderRow,
  stateEventually,
} from '../support/temporal';
import { changeLinesUpdate, changeOrderUpdate, retrySignal } from '../../workflows/order-definitions';

// Real servers and simulated provider latency: the project-level testTimeout does not reach here.
jest.setTimeout(90_000);

const bed = new SagaTestBed('order-saga');
beforeAll(() => bed.start());
afterAll(() => bed.stop());

/** Workflow tasks scheduled after the start, an activity's result or a signal: not the heartbeats. */
function tasksAskedForFromOutside(events: Awaited<ReturnType<typeof historyEvents>>): number {
  let tasks = 0;
  let asked = false;
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes) {
      if (asked) tasks++;
      asked = false;
    } else if (e.workflowExecutionStartedEventAttributes || e.activityTaskCompletedEventAttributes || e.workflowExecutionSignaledEventAttributes) {
      asked = true;
    }
  }
  return tasks;
}

const awaitingPickup = (s: { waitingFor: string }) => s.waitingFor.startsWith('the carrier to pick up');

describe('the order saga', () => {
  it('takes an order from PENDING to DELIVERED and leaves the invoice PAID', async () => {
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    const { handle, state } = await bed.place(order);

    // The update answers once the order is recorded, so a read right after the POST finds it.
    expect(state).toMatchObject({ orderId: order.orderId, status: 'PENDING', lines: [{ sku, quantity: 2, amount: 2000 }] });
    expect(state.totals).toEqual({ subtotal: 2000, discount: 0, shipping: 750, tax: 0, total: 2750 });
    expect(await orderRow(bed.dataSource, order.orderId)).toBeDefined();
    expect((await eventTypes(bed.dataSource, order.orderId))[0]).toBe('order.created');

    const booked = await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    expect(booked).toMatchObject({ status: 'PROCESSING', invoiceRevision: 1 });
    expect(booked.trackingNumber).toMatch(/^1ZSIM/);
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 100, reserved: 2, available: 98 });

    await bed.carrierReports(order.orderId, 'shipped');
    await stateEventually(handle, (s) => s.waitingFor === 'the carrier to deliver the parcel', 'the payment capture');
    await bed.carrierReports(order.orderId, 'delivered');
    const final = await handle.result();

    expect(final).toMatchObject({ status: 'DELIVERED', trackingNumber: booked.trackingNumber });
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(HAPPY_PATH_EVENTS);
    expect(await invoicesOf(bed.dataSource, order.orderId)).toEqual([{ revision: 1, status: 'PAID' }]);
    expect(await orderRow(bed.dataSource, order.orderId)).toMatchObject({ status: 'DELIVERED', tracking_number: booked.trackingNumber });
    // The goods left the warehouse: on hand drops, nothing stays reserved.
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 98, reserved: 0, available: 98 });

    const description = await handle.describe();
    expect(description.typedSearchAttributes.getAll()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: expect.objectContaining({ name: 'OrderStatus' }), value: 'DELIVERED' }),
        expect.objectContaining({ key: expect.objectContaining({ name: 'CustomerId' }), value: order.customerId }),
        expect.objectContaining({ key: expect.objectContaining({ name: 'OrderTotal' }), value: 2750 }),
      ]),
    );
    expect(await description.staticSummary()).toContain(order.orderId);

    // Every step but the authorization ran as a local activity in the task that asked for it
    // (openOrder, book, order.shipped, capture, order.delivered). The authorization is an activity:
    // the task that schedules it carries the POST's answer. Four tasks: the placement, the
    // authorization's result (book), the carrier's pickup and its delivery. (Under load a local
    // activity can outlast most of the task timeout: the worker then completes the task and asks for
    // another, a heartbeat, which no event from outside asked for and which is not counted.)
    const events = await historyEvents(handle);
    expect(events.flatMap((e) => (e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? [localActivityType(e)] : []))).toEqual([
      'openOrder',
      'createShipment',
      'recordOrderEvent',
      'capturePayment',
      'recordOrderEvent',
    ]);
    expect(events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [])).toEqual(['authorizePayment']);
    expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(0);
    expect(tasksAskedForFromOutside(events)).toBe(4);
  });

  it('answers a repeated POST (same idempotency key) with the same order, started once', async () => {
    const { order } = await bed.simpleOrder();
    const first = await bed.place(order, { idempotencyKey: `key-${order.orderId}` });
    const again = await bed.place(order, { idempotencyKey: `key-${order.orderId}` });
    expect(again.handle.workflowId).toBe(first.handle.workflowId);
    expect(again.state.orderId).toBe(order.orderId);
    expect((await eventTypes(bed.dataSource, order.orderId)).filter((t) => t === 'order.created')).toHaveLength(1);
    await handleToDelivery(first.handle, order.orderId);
  });

  it('answers a late repeat of the POST with the first outcome, and never starts a finished order again', async () => {
    const customerId = await bed.customer();
    const order = orderInput(customerId, [{ sku: 'NO-SUCH-SKU', quantity: 1 }]);
    const key = `key-${order.orderId}`;
    const first = await bed.place(order, { idempotencyKey: key });
    await first.handle.result(); // rejected at once: the workflow is closed

    // Same key: Temporal still knows the update and returns its result.
    expect((await bed.place(order, { idempotencyKey: key })).state).toEqual(first.state);
    // Another update on the closed workflow id: REJECT_DUPLICATE refuses to start it again.
    await expect(bed.place(order, { idempotencyKey: `${key}-other` })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(['order.created', 'order.rejected']);
  });

  it('rejects the order, voids the invoice and releases the stock when the card is declined', async () => {
    const { order, sku } = await bed.simpleOrder({ payment: { token: 'tok_decline' } });
    const { handle } = await bed.place(order);
    const final = await handle.result();

    expect(final.status).toBe('REJECTED');
    expect(final.statusReason).toMatch(/declined/);
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual([
      'order.created',
      'inventory.reserved',
      'invoice.created',
      'invoice.voided',
      'inventory.released',
      'order.rejected',
    ]);
    expect(await invoicesOf(bed.dataSource, order.orderId)).toEqual([{ revision: 1, status: 'VOID' }]);
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 100, reserved: 0, available: 100 });
    expect(await orderRow(bed.dataSource, order.orderId)).toMatchObject({ status: 'REJECTED' });
  });

  it('rejects the order without reserving anything when stock runs out', async () => {
    const { order, sku } = await bed.simpleOrder({ quantity: 5, onHand: 4 });
    const { handle } = await bed.place(order);
    const final = await handle.result();

    expect(final.status).toBe('REJECTED');
    expect(final.statusReason).toMatch(/out of stock/);
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(['order.created', 'order.rejected']);
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 4, reserved: 0, available: 4 });
  });

  it('rejects an order whose SKU left the catalogue, answering the POST with REJECTED', async () => {
    const customerId = await bed.customer();
    const order = orderInput(customerId, [{ sku: 'NO-SUCH-SKU', quantity: 1 }]);
    const { handle, state } = await bed.place(order);
    expect(state).toMatchObject({ status: 'REJECTED', statusReason: expect.stringMatching(/unknown sku/) });
    expect((await handle.result()).status).toBe('REJECTED');
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(['order.created', 'order.rejected']);
  });

  it('lets exactly 10 of 50 concurrent orders have the last 10 units and rejects the rest out of stock', async () => {
    const customerId = await bed.customer();
    const sku = await bed.product({ onHand: 10 });
    const placed = await Promise.all(Array.from({ length: 50 }, () => bed.place(orderInput(customerId, [{ sku, quantity: 1 }]))));
    const outcomes = await Promise.all(
      placed.map(({ handle }) => stateEventually(handle, (s) => s.status === 'REJECTED' || awaitingPickup(s), 'the order to settle', 60_000)),
    );
    const rejected = outcomes.filter((s) => s.status === 'REJECTED');
    expect(outcomes.filter((s) => s.status === 'PROCESSING')).toHaveLength(10);
    expect(rejected).toHaveLength(40);
    for (const state of rejected) expect(state.statusReason).toMatch(/out of stock/);
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 10, reserved: 10, available: 0 });

    // Cancelling the ten gives the stock back.
    await Promise.all(placed.filter((_, i) => outcomes[i].status === 'PROCESSING').map(({ handle }) => handle.executeUpdate('cancel', { args: [{}] })));
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 10, reserved: 0, available: 10 });
  });

  it('authorizes a flaky card once its transient failures pass, without parking', async () => {
    const { order } = await bed.simpleOrder({ payment: { token: 'tok_flaky_2' } });
    const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');

    const [operation]: { transient_failures: number; outcome: string }[] = await bed.dataSource.query(
      `SELECT transient_failures, outcome FROM sim_payment_operations WHERE request->>'orderId' = $1 AND operation = 'authorize'`,
      [order.orderId],
    );
    expect(operation).toEqual({ transient_failures: 2, outcome: 'succeeded' });
    expect(await eventTypes(bed.dataSource, order.orderId)).not.toContain('order.needs_attention');
    await handleToDelivery(handle, order.orderId);
  });

  it('parks the order NEEDS_ATTENTION when the carrier stays down, and completes after an operator retry', async () => {
    const { order } = await bed.simpleOrder();
    bed.carrier.setFailing(true);
    try {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      const parked = await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the order to be parked');
      expect(parked).toMatchObject({ parkedFrom: 'PROCESSING', statusReason: expect.stringMatching(/^shipment booking failed/) });
      expect(parked.waitingFor).toMatch(/an operator to retry or cancel/);
      await eventually(async () => (await orderRow(bed.dataSource, order.orderId))?.status === 'NEEDS_ATTENTION', 'the projection to say NEEDS_ATTENTION');
      const description = await handle.describe();
      expect(description.typedSearchAttributes.getAll()).toEqual(
        expect.arrayContaining([expect.objectContaining({ key: expect.objectContaining({ name: 'OrderStatus' }), value: 'NEEDS_ATTENTION' })]),
      );

      bed.carrier.setFailing(false);
      await handle.signal(retrySignal, { operator: 'ops@example.test', note: 'carrier is back' });
      await stateEventually(handle, awaitingPickup, 'the shipment to be booked after the retry');
      await handleToDelivery(handle, order.orderId);
      expect(await eventTypes(bed.dataSource, order.orderId)).toEqual([
        'order.created',
        'inventory.reserved',
        'invoice.created',
        'payment.authorized',
        'order.needs_attention',
        'order.resumed',
        'shipment.created',
        'order.shipped',
        'payment.captured',
        'order.delivered',
      ]);
    } finally {
      bed.carrier.setFailing(false);
    }
  });

  it('issues invoice revision 2 when the lines change before the payment is authorized', async () => {
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    bed.payment.setFailing(true); // the payment provider is down: the order waits before authorization
    try {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the order to be parked before authorization');

      const changed = await handle.executeUpdate(changeLinesUpdate, { args: [{ lines: [{ sku, quantity: 3 }] }] });
      expect(changed).toMatchObject({ invoiceRevision: 2, lines: [{ sku, quantity: 3, amount: 3000 }] });
      expect(changed.totals?.total).toBe(3750);
      expect(await invoicesOf(bed.dataSource, order.orderId)).toEqual([
        { revision: 1, status: 'VOID' },
        { revision: 2, status: 'ISSUED' },
      ]);
      expect(await stockOf(bed.dataSource, sku)).toMatchObject({ reserved: 3 });

      bed.payment.setFailing(false);
      await handle.signal(retrySignal, {});
      await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
      const [payment]: { amount: string }[] = await bed.dataSource.query('SELECT amount FROM payments WHERE order_id = $1', [order.orderId]);
      expect(Number(payment.amount)).toBe(3750);
      await handleToDelivery(handle, order.orderId);
      expect(await invoicesOf(bed.dataSource, order.orderId)).toEqual([
        { revision: 1, status: 'VOID' },
        { revision: 2, status: 'PAID' },
      ]);
    } finally {
      bed.payment.setFailing(false);
    }
  });

  it('has a change after payment in the history before the change does anything', async () => {
    // The task that accepts the update completes with prepareChange (an ordinary activity)
    // scheduled and no local activity run: what the change commits can never outlive a lost update.
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    const changed = await handle.executeUpdate(changeOrderUpdate, { args: [{ lines: [{ sku, quantity: 3 }] }] });
    expect(changed.lines).toMatchObject([{ sku, quantity: 3 }]);
    expect(await stockOf(bed.dataSource, sku)).toMatchObject({ reserved: 3 });

    const events = await historyEvents(handle);
    const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'changeOrder');
    expect(accepted).toBeGreaterThan(0);
    const acceptingTask = events
      .slice(0, accepted)
      .reverse()
      .find((e) => e.workflowTaskCompletedEventAttributes)!.eventId;
    const ofThatTask = events.filter(
      (e) => e.markerRecordedEventAttributes?.workflowTaskCompletedEventId?.toString() === acceptingTask?.toString() ||
        e.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId?.toString() === acceptingTask?.toString(),
    );
    expect(ofThatTask.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? `local ${localActivityType(e)}`)).toEqual(['prepareChange']);
    // The change's work ran in later tasks: the stock, the invoice revision, the event.
    expect(events.slice(accepted).filter((e) => e.markerRecordedEventAttributes).map(localActivityType)).toEqual(
      expect.arrayContaining(['reserveInventory', 'recordOrderEvent']),
    );
    await handleToDelivery(handle, order.orderId);
  });

  it('refuses illegal updates in the validator, so nothing enters the history', async () => {
    const { order, sku } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');

    const refusals = await Promise.all([
      // a version that cannot be
      handle.executeUpdate('changeOrder', { args: [{ lines: [{ sku, quantity: 1 }], expectedVersion: -1 }] }).catch((err: unknown) => err),
      // a status the saga owns
      handle.executeUpdate('setStatus', { args: [{ status: 'PROCESSING' }] }).catch((err: unknown) => err),
      // not in the transition table
      handle.executeUpdate('setStatus', { args: [{ status: 'DELIVERED' }] }).catch((err: unknown) => err),
      // an address without a city
      handle.executeUpdate('changeAddress', { args: [{ shippingAddress: { ...order.shippingAddress, city: '' } }] }).catch((err: unknown) => err),
      // malformed
      handle.executeUpdate(changeLinesUpdate, { args: [{ lines: [] }] }).catch((err: unknown) => err),
    ]);
    const types = refusals.map((err) => {
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (err as WorkflowUpdateFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      return (cause as ApplicationFailure).type;
    });
    expect(types).toEqual(['InvalidChange', 'IllegalTransition', 'IllegalTransition', 'InvalidChange', 'InvalidChange']);

    const history = await historyEvents(handle);
    const accepted = history.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes != null);
    // Only update-with-start's placeOrder was ever accepted.
    expect(accepted.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)).toEqual(['placeOrder']);
    await handleToDelivery(handle, order.orderId);
  });
});

async function handleToDelivery(handle: Awaited<ReturnType<typeof bed.place>>['handle'], orderId: string): Promise<void> {
  await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
  await bed.carrierReports(orderId, 'shipped');
  await bed.carrierReports(orderId, 'delivered');
  expect((await handle.result()).status).toBe('DELIVERED');
  await eventually(async () => (await orderRow(bed.dataSource, orderId))?.status === 'DELIVERED', 'the projection to say DELIVERED');
}
