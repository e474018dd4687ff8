// Long-lived orders must keep replaying after every deploy. test/histories/ keeps the histories of
// finished orders (committed), one per scenario below; each is replayed against the current
// workflow code. A scenario without a stored history fails the test: recording is an explicit act,
//
//   RECORD_HISTORIES=1 ./dev test test/workflows/order-replay.test.ts
//
// which runs the scenarios that have no history yet on the dev server and writes theirs.
//
// A change that breaks one of these replays ships behind `patched('<id>')`, never by
// re-recording the history. When a patch ships, the histories recorded before it move to
// test/histories/before-<patch id>/ (still replayed: orders of that age may still be running) and
// the scenarios record their histories again with the new code.
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { CreateOrderInput } from '../../domain';
import { clientAddingCause } from '../../api/request-cause-header';
import { withRequestContext } from '../../runtime/logger';
import { RECORD_HISTORIES, storedHistoryTests } from '../support/stored-histories';
import {
  FAST_PROVIDER_RETRY,
  SagaTestBed,
  bookingUnderWay,
  type OrderHandle,
  orderInput,
  placeOrder,
  stateEventually,
} from '../support/temporal';
import {
  type AdoptedStatus,
  ORDER_WORKFLOW_TYPE,
  type OrderState,
  cancelUpdate,
  carrierEventSignal,
  changeAddressUpdate,
  changeLinesUpdate,
  changeOrderUpdate,
  orderWorkflowStartOptions,
  retrySignal,
  setStatusUpdate,
} from '../../workflows/order-definitions';
import type { orderWorkflow } from '../../workflows/order';

jest.setTimeout(300_000);

const HISTORIES = path.resolve(__dirname, '../histories');

const bed = new SagaTestBed('order-replay');
/** Slow providers, so that a cancel or a carrier report can arrive while a provider call runs. */
const slow = new SagaTestBed('order-replay-slow', { paymentLatencyMs: 1500, carrierLatencyMs: 2000 });
afterAll(async () => {
  if (RECORD_HISTORIES) await Promise.all([bed.stop(), slow.stop()]);
});

const awaitingPickup = (s: { waitingFor: string }) => s.waitingFor.startsWith('the carrier to pick up');
const parked = (s: OrderState) => s.status === 'NEEDS_ATTENTION';

async function deliver(handle: OrderHandle, orderId: string, on: SagaTestBed = bed): Promise<void> {
  await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
  await on.carrierReports(orderId, 'shipped');
  await on.carrierReports(orderId, 'delivered');
  await handle.result();
}

/** An order placed and booked, waiting for the carrier to pick it up. */
async function awaitingPickupOrder(options?: { providerRetry: typeof FAST_PROVIDER_RETRY }): Promise<{ order: CreateOrderInput; handle: OrderHandle }> {
  const { order } = await bed.simpleOrder();
  const { handle } = await bed.place(order, options ? { options } : {});
  await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
  return { order, handle };
}

/**
 * An order on the slow providers while its authorization (an activity: a query sees it) or its
 * booking (a local activity, patch 'local-provider-calls': a query would wait for its task) runs.
 */
async function slowOrderWhile(call: 'authorizing' | 'booking'): Promise<OrderHandle> {
  const { order } = await slow.simpleOrder();
  const { handle } = await slow.place(order);
  if (call === 'authorizing') await stateEventually(handle, (s) => s.waitingFor === 'authorizing the payment', 'the authorization');
  else await bookingUnderWay(handle);
  return handle;
}

/** Runs `fn` with the provider down (the order parks once its retries run out). */
async function whileDown<T>(provider: 'payment' | 'carrier', fn: () => Promise<T>): Promise<T> {
  bed[provider].setFailing(true);
  try {
    return await fn();
  } finally {
    bed[provider].setFailing(false);
  }
}

/**
 * A legacy order as the migration leaves it (a projection in `from`, with a legacy order number),
 * adopted by an order workflow started the way the migration starts it.
 */
async function adopt(from: AdoptedStatus): Promise<{ handle: OrderHandle; orderId: string }> {
  const { order } = await bed.simpleOrder();
  const placed = await bed.activities.placeOrder({ order, placedAt: new Date().toISOString() });
  if (!placed.accepted) throw new Error(`could not write the projection: ${placed.reason}`);
  await bed.dataSource.query('UPDATE orders SET status = $2, legacy_order_no = $3, tracking_number = $4 WHERE id = $1', [
    order.orderId,
    from,
    randomInt(1_000_000_000, 2_000_000_000),
    from === 'SHIPPED' ? '1ZLEGACY' : null,
  ]);
  const { legacyOrderNo } = (await bed.dataSource.query('SELECT legacy_order_no AS "legacyOrderNo" FROM orders WHERE id = $1', [order.orderId]))[0];
  const input = { order: { ...order, payment: { token: '' } }, adoption: { legacyOrderNo, from } };
  const handle = await bed.client.workflow.start<typeof orderWorkflow>(ORDER_WORKFLOW_TYPE, orderWorkflowStartOptions(input, bed.taskQueue));
  return { handle, orderId: order.orderId };
}

/** Each scenario runs one order to its end and returns its handle. */
const SCENARIOS: Record<string, () => Promise<OrderHandle>> = {
  async 'delivered'() {
    const { order } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await deliver(handle, order.orderId);
    return handle;
  },
  async 'rejected-card-declined'() {
    const { order } = await bed.simpleOrder({ payment: { token: 'tok_decline' } });
    const { handle } = await bed.place(order);
    await handle.result();
    return handle;
  },
  async 'rejected-out-of-stock'() {
    const { order } = await bed.simpleOrder({ quantity: 5, onHand: 4 });
    const { handle } = await bed.place(order);
    await handle.result();
    return handle;
  },
  async 'rejected-unknown-sku'() {
    const order = orderInput(await bed.customer(), [{ sku: 'NO-SUCH-SKU', quantity: 1 }]);
    const { handle } = await bed.place(order);
    await handle.result();
    return handle;
  },
  async 'cancelled-awaiting-pickup'() {
    const { handle } = await awaitingPickupOrder();
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
    await handle.result();
    return handle;
  },
  async 'cancelled-twice-at-once'() {
    const { handle } = await awaitingPickupOrder();
    await Promise.all([
      handle.executeUpdate(cancelUpdate, { args: [{ reason: 'first' }] }),
      handle.executeUpdate(setStatusUpdate, { args: [{ status: 'CANCELLED', reason: 'second' }] }),
    ]);
    await handle.result();
    return handle;
  },
  async 'cancelled-by-temporal-request'() {
    const { handle } = await awaitingPickupOrder();
    await handle.cancel();
    await handle.result();
    return handle;
  },
  async 'cancelled-while-authorizing'() {
    const handle = await slowOrderWhile('authorizing');
    await handle.executeUpdate(cancelUpdate, { args: [{}] });
    await handle.result();
    return handle;
  },
  async 'cancelled-by-temporal-request-while-booking'() {
    const handle = await slowOrderWhile('booking');
    await handle.cancel();
    await handle.result();
    return handle;
  },
  async 'cancel-refused-parcel-left-delivered'() {
    const { order, handle } = await awaitingPickupOrder();
    // The carrier scanned the parcel; its "shipped" report has not reached the order yet.
    await bed.dataSource.query(`UPDATE sim_carrier_shipments SET status = 'SHIPPED', shipped_at = now() WHERE order_id = $1`, [order.orderId]);
    await handle.executeUpdate(cancelUpdate, { args: [{}] }).catch(() => undefined); // refused: the goods left
    await bed.carrierReports(order.orderId, 'shipped');
    await bed.carrierReports(order.orderId, 'delivered');
    await handle.result();
    return handle;
  },
  async 'parked-carrier-down-retried-delivered'() {
    const { order } = await bed.simpleOrder();
    return whileDown('carrier', async () => {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      await stateEventually(handle, parked, 'the order to be parked');
      bed.carrier.setFailing(false);
      await handle.signal(retrySignal, { operator: 'ops' });
      await deliver(handle, order.orderId);
      return handle;
    });
  },
  async 'parked-carrier-down-cancelled'() {
    const { order } = await bed.simpleOrder();
    return whileDown('carrier', async () => {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      await stateEventually(handle, parked, 'the order to be parked');
      const cancelled = handle.executeUpdate(cancelUpdate, { args: [{ reason: 'carrier outage' }] });
      // The booking's undo asks the carrier what the failed attempts left: it waits for the carrier.
      await stateEventually(handle, (s) => s.waitingFor.startsWith('undoing'), 'the undo to wait for the carrier');
      bed.carrier.setFailing(false);
      await cancelled;
      await handle.result();
      return handle;
    });
  },
  async 'parked-escalated-auto-cancelled'() {
    const { order } = await bed.simpleOrder();
    return whileDown('carrier', async () => {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY, escalateAfter: '1s', autoCancelAfter: '2s' } });
      await stateEventually(handle, parked, 'the order to be parked');
      bed.carrier.setFailing(false); // back before the auto-cancel's undo asks it
      await handle.result();
      return handle;
    });
  },
  async 'carrier-exception-retried-delivered'() {
    const { order, handle } = await awaitingPickupOrder();
    await handle.signal(carrierEventSignal, { kind: 'exception', detail: 'address not found' });
    await stateEventually(handle, parked, 'the order to be parked');
    await handle.signal(retrySignal, { operator: 'ops', note: 'address confirmed' });
    await deliver(handle, order.orderId);
    return handle;
  },
  async 'capture-parked-after-shipped-retried-delivered'() {
    const { order, handle } = await awaitingPickupOrder({ providerRetry: FAST_PROVIDER_RETRY });
    await whileDown('payment', async () => {
      await bed.carrierReports(order.orderId, 'shipped');
      await stateEventually(handle, parked, 'the capture to park the order');
    });
    await handle.signal(retrySignal, {});
    await stateEventually(handle, (s) => s.waitingFor === 'the carrier to deliver the parcel', 'the capture');
    await bed.carrierReports(order.orderId, 'delivered');
    await handle.result();
    return handle;
  },
  async 'lines-changed-before-authorization-delivered'() {
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    return whileDown('payment', async () => {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      await stateEventually(handle, parked, 'the order to be parked');
      await handle.executeUpdate(changeLinesUpdate, { args: [{ lines: [{ sku, quantity: 3 }] }] });
      bed.payment.setFailing(false);
      await handle.signal(retrySignal, {});
      await deliver(handle, order.orderId);
      return handle;
    });
  },
  async 'order-and-address-changed-before-authorization-delivered'() {
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    return whileDown('payment', async () => {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      await stateEventually(handle, parked, 'the order to be parked');
      // Another country: repriced (tax, shipping), so a new invoice revision.
      await handle.executeUpdate(changeOrderUpdate, { args: [{ lines: [{ sku, quantity: 1 }], shippingAddress: { ...order.shippingAddress, country: 'CA' } }] });
      // Same country, same lines: only the address changes.
      await handle.executeUpdate(changeAddressUpdate, { args: [{ shippingAddress: { ...order.shippingAddress, line1: '2 Main St', country: 'CA' } }] });
      bed.payment.setFailing(false);
      await handle.signal(retrySignal, {});
      await deliver(handle, order.orderId);
      return handle;
    });
  },
  async 'placed-and-cancelled-through-the-api'() {
    // As the API does it: the start, the update and the steps carry the request cause header.
    const { order } = await bed.simpleOrder();
    const client = clientAddingCause(bed.client);
    const { handle } = await withRequestContext({ requestId: 'req-place', clientId: 'shop' }, () => placeOrder(client, order, { taskQueue: bed.taskQueue }));
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await withRequestContext({ requestId: 'req-cancel', clientId: 'shop' }, () =>
      client.workflow.getHandle(handle.workflowId).executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] }),
    );
    await handle.result();
    return handle;
  },
  async 'shipped-by-operator-delivered'() {
    const { handle } = await awaitingPickupOrder();
    await handle.executeUpdate(setStatusUpdate, { args: [{ status: 'SHIPPED', trackingNumber: '1Z999' }] });
    await handle.executeUpdate(setStatusUpdate, { args: [{ status: 'DELIVERED' }] });
    await handle.result();
    return handle;
  },
  async 'carrier-reports-during-booking-delivered'() {
    const handle = await slowOrderWhile('booking');
    await handle.signal(carrierEventSignal, { kind: 'shipped' });
    await handle.signal(carrierEventSignal, { kind: 'delivered' });
    await handle.result();
    return handle;
  },
  // ---- changes after payment (patched 'changes-after-payment')
  async 'lines-changed-down-after-authorization-delivered'() {
    const { order, sku } = await bed.simpleOrder({ quantity: 3 });
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await handle.executeUpdate(changeLinesUpdate, { args: [{ lines: [{ sku, quantity: 1 }] }] });
    await deliver(handle, order.orderId);
    return handle;
  },
  async 'lines-changed-up-by-increment-with-new-sku-delivered'() {
    const { order, sku } = await bed.simpleOrder({ quantity: 1 });
    const added = await bed.product();
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await handle.executeUpdate(changeOrderUpdate, { args: [{ lines: [{ sku, quantity: 2 }, { sku: added, quantity: 1 }] }] });
    await deliver(handle, order.orderId);
    return handle;
  },
  async 'lines-changed-up-by-separate-authorization-delivered'() {
    const { order, sku } = await bed.simpleOrder({ quantity: 1, payment: { token: 'tok_no_increment' } });
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await handle.executeUpdate(changeLinesUpdate, { args: [{ lines: [{ sku, quantity: 4 }] }] });
    await deliver(handle, order.orderId);
    return handle;
  },
  async 'increment-declined-then-stale-version-refused-delivered'() {
    const { order, sku } = await bed.simpleOrder({ quantity: 2, payment: { token: 'tok_limit_3000' } });
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await handle.executeUpdate(changeLinesUpdate, { args: [{ lines: [{ sku, quantity: 3 }] }] }).catch(() => undefined); // declined
    await handle.executeUpdate(changeOrderUpdate, { args: [{ lines: [{ sku, quantity: 1 }], expectedVersion: 0 }] }).catch(() => undefined); // stale
    await deliver(handle, order.orderId);
    return handle;
  },
  async 'address-changed-after-booking-rebooked-delivered'() {
    const { order, handle } = await awaitingPickupOrder();
    await handle.executeUpdate(changeAddressUpdate, { args: [{ shippingAddress: { ...order.shippingAddress, line1: '9 New Rd' } }] });
    await deliver(handle, order.orderId);
    return handle;
  },
  async 'separate-authorization-then-cancelled'() {
    const { order, sku } = await bed.simpleOrder({ quantity: 1, payment: { token: 'tok_no_increment' } });
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await handle.executeUpdate(changeLinesUpdate, { args: [{ lines: [{ sku, quantity: 2 }] }] });
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
    await handle.result();
    return handle;
  },
  async 'adopted-processing-delivered'() {
    const { handle, orderId } = await adopt('PROCESSING');
    await deliver(handle, orderId);
    return handle;
  },
  async 'adopted-shipped-delivered'() {
    const { handle } = await adopt('SHIPPED');
    await stateEventually(handle, (s) => s.waitingFor === 'the carrier to deliver the parcel', 'the capture');
    await handle.signal(carrierEventSignal, { kind: 'delivered', trackingNumber: '1ZLEGACY' }); // booked in the legacy system
    await handle.result();
    return handle;
  },
  async 'adopted-without-payment-cancelled'() {
    const { handle } = await adopt('NEEDS_ATTENTION');
    await stateEventually(handle, (s) => s.waitingFor.startsWith('an operator to cancel'), 'the order to be parked');
    await handle.signal(retrySignal, {}); // refused: there is no payment to authorize
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'no payment' }] });
    await handle.result();
    return handle;
  },
};

storedHistoryTests({
  kind: 'order',
  dir: HISTORIES,
  scenarios: SCENARIOS,
  beforeRecording: async () => {
    await Promise.all([bed.start(), slow.start()]);
  },
  olderGenerations: true,
});
