// Long-lived orders must keep replaying after every deploy. test/histories/ keeps the histories of
// finished orders (committed); each is replayed against the current workflow code. A scenario
// whose history file is missing is run on the dev server first and its history written, so
// adding a scenario here (or deleting a file) records a new one.
//
// A change that breaks one of these replays ships behind `patched('<id>')`, never by
// re-recording the history. When a patch ships, the histories recorded before it move to
// test/histories/before-<patch id>/ (still replayed: orders of that age may still be running) and
// the scenarios record their histories again with the new code.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { clientAddingCause } from '../../api/request-cause-header';
import { withRequestContext } from '../../runtime/logger';
import { FAST_PROVIDER_RETRY, SagaTestBed, type OrderHandle, historyFromJson, historyToJson, orderWorkflowBundle, placeOrder, stateEventually } from '../support/temporal';
import { cancelUpdate, changeLinesUpdate, retrySignal, setStatusUpdate } from '../../workflows/order-definitions';

jest.setTimeout(120_000);

const HISTORIES = path.resolve(__dirname, '../histories');

const bed = new SagaTestBed('order-replay');
afterAll(() => bed.stop());

const awaitingPickup = (s: { waitingFor: string }) => s.waitingFor.startsWith('the carrier to pick up');

async function deliver(handle: OrderHandle, orderId: string): Promise<void> {
  await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
  await bed.carrierReports(orderId, 'shipped');
  await bed.carrierReports(orderId, 'delivered');
  await handle.result();
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
  async 'cancelled-awaiting-pickup'() {
    const { order } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
    await handle.result();
    return handle;
  },
  async 'cancelled-by-temporal-request'() {
    const { order } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await handle.cancel();
    await handle.result();
    return handle;
  },
  async 'parked-carrier-down-retried-delivered'() {
    const { order } = await bed.simpleOrder();
    bed.carrier.setFailing(true);
    try {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the order to be parked');
      bed.carrier.setFailing(false);
      await handle.signal(retrySignal, { operator: 'ops' });
      await deliver(handle, order.orderId);
      return handle;
    } finally {
      bed.carrier.setFailing(false);
    }
  },
  async 'lines-changed-before-authorization-delivered'() {
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    bed.payment.setFailing(true);
    try {
      const { handle } = await bed.place(order, { options: { providerRetry: FAST_PROVIDER_RETRY } });
      await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the order to be parked');
      await handle.executeUpdate(changeLinesUpdate, { args: [{ lines: [{ sku, quantity: 3 }] }] });
      bed.payment.setFailing(false);
      await handle.signal(retrySignal, {});
      await deliver(handle, order.orderId);
      return handle;
    } finally {
      bed.payment.setFailing(false);
    }
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
    const { order } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await handle.executeUpdate(setStatusUpdate, { args: [{ status: 'SHIPPED', trackingNumber: '1Z999' }] });
    await handle.executeUpdate(setStatusUpdate, { args: [{ status: 'DELIVERED' }] });
    await handle.result();
    return handle;
  },
};

describe('stored order histories', () => {
  it('records the history of every scenario that has none yet', async () => {
    const missing = Object.keys(SCENARIOS).filter((name) => !existsSync(path.join(HISTORIES, `${name}.json`)));
    if (missing.length === 0) return;
    await bed.start();
    await mkdir(HISTORIES, { recursive: true });
    for (const name of missing) {
      const handle = await SCENARIOS[name]();
      await writeFile(path.join(HISTORIES, `${name}.json`), `${historyToJson(await handle.fetchHistory())}\n`);
    }
  });

  it('replays every stored history against the current workflow code', async () => {
    const files = (await readdir(HISTORIES, { recursive: true })).filter((file) => file.endsWith('.json')).sort();
    expect(files.filter((file) => !file.includes(path.sep)).length).toBe(Object.keys(SCENARIOS).length);
    expect(files.length).toBeGreaterThan(Object.keys(SCENARIOS).length); // and the generations before the last patch
    const histories = await Promise.all(
      files.map(async (file) => ({ workflowId: file.replace(/\.json$/, ''), history: historyFromJson(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8'))) })),
    );

    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await orderWorkflowBundle() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
