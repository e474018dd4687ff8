// The saga's undos, stage by stage, fast: the real order workflow on the time-skipping test
// server (a file of its own), with stubbed activities that log every call. An order is stopped at
// each stage (a step parked, a provider call held while running, the carrier awaited) and then
// cancelled, through the `cancel` update or a Temporal cancellation request, or rejected; every
// step's undo runs exactly once, newest first, after every step.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderActivities, RecordOrderEventInput } from '../../activities/contract';
import { openOrderActivities } from '../../activities/open-order';
import { type CreateOrderInput, type OrderLine, lineAmount, priceOrder } from '../../domain';
import type { orderWorkflow } from '../../workflows/order';
import {
  ORDER_WORKFLOW_TYPE,
  type OrderState,
  cancelUpdate,
  carrierEventSignal,
  orderWorkflowStartOptions,
  placeOrderUpdate,
  retrySignal,
  setStatusUpdate,
} from '../../workflows/order-definitions';
import {
  type OrderHandle,
  type RunningWorker,
  TEST_ADDRESS,
  eventually,
  orderInput,
  startOrderWorker,
  startTimeSkippingServer,
  stateEventually,
  uniqueTaskQueue,
} from '../support/temporal';

jest.setTimeout(120_000);

const STEPS = ['reserveInventory', 'createInvoice', 'authorizePayment', 'createShipment', 'capturePayment'] as const;
type StepActivity = (typeof STEPS)[number];
const UNDOS = ['releaseInventory', 'voidInvoice', 'voidPayment', 'cancelShipment'];

/** What the stubs do for one order, and what they were asked. */
class Script {
  readonly calls: string[] = [];
  readonly events: RecordOrderEventInput[] = [];
  readonly failing = new Map<StepActivity, string>();
  private readonly held = new Map<StepActivity, { reached: () => void; released: boolean; promise: Promise<void> }>();

  /** The step fails with this failure type (a business type rejects the order, anything else parks it). */
  fail(step: StepActivity, type: string): this {
    this.failing.set(step, type);
    return this;
  }

  /** The step's call waits (heartbeating) until released or cancelled; resolves once the call is reached. */
  hold(step: StepActivity): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    const promise = new Promise<void>((resolve) => (reached = resolve));
    const gate = { reached: () => reached(), released: false, promise };
    this.held.set(step, gate);
    return { reached: promise, release: () => (gate.released = true) };
  }

  /** Resolves once the held step's call is reached. */
  reached(step: StepActivity): Promise<void> {
    const gate = this.held.get(step);
    if (!gate) throw new Error(`${step} is not held`);
    return gate.promise;
  }

  async step(name: StepActivity): Promise<void> {
    this.calls.push(name);
    const gate = this.held.get(name);
    if (gate) {
      gate.reached();
      // A cancel reaches a running activity with the answer to a heartbeat, a local one (the
      // provider calls) directly; sleep() then throws.
      while (!gate.released) {
        if (!Context.current().info.isLocal) Context.current().heartbeat();
        await Context.current().sleep(100);
      }
    }
    const failure = this.failing.get(name);
    if (failure) throw ApplicationFailure.nonRetryable(`${name} failed (stubbed ${failure})`, failure);
  }

  /** The undo activities the workflow called, in order. */
  get undos(): string[] {
    return this.calls.filter((call) => UNDOS.includes(call));
  }

  event(type: string): RecordOrderEventInput | undefined {
    return this.events.find((event) => event.type === type);
  }
}

const scripts = new Map<string, Script>();

function priced(order: CreateOrderInput): { lines: OrderLine[]; totals: OrderState['totals'] & object } {
  const lines = order.lines.map(({ sku, quantity }) => {
    const line = { sku, quantity, unitPrice: 1000, unitPriceDecimal: '10.0000', discountPct: '0.00' };
    return { ...line, amount: lineAmount(line) };
  });
  return { lines, totals: priceOrder({ lines, tier: null, country: order.shippingAddress.country }).totals };
}

function stubbedActivities(): OrderActivities {
  const script = (orderId: string) => {
    const found = scripts.get(orderId);
    if (!found) throw new Error(`no script for order ${orderId}`);
    return found;
  };
  const undo = (name: string) => async ({ orderId }: { orderId: string }) => void script(orderId).calls.push(name);
  const stubs: Omit<OrderActivities, 'openOrder'> = {
    async placeOrder({ order }) {
      script(order.orderId).calls.push('placeOrder');
      return { accepted: true, tier: null, ...priced(order) };
    },
    async adoptLegacyOrder() {
      throw new Error('not used here');
    },
    async prepareChange() {
      throw new Error('not used here');
    },
    async authorizeDifference() {
      throw new Error('not used here');
    },
    reserveInventory: ({ orderId }) => script(orderId).step('reserveInventory'),
    async createInvoice({ orderId, lines, country }) {
      await script(orderId).step('createInvoice');
      return { invoiceId: `invoice-${orderId}`, totals: priceOrder({ lines, tier: null, country }).totals };
    },
    async authorizePayment({ orderId }) {
      await script(orderId).step('authorizePayment');
      return { authorizationId: `auth-${orderId}` };
    },
    async createShipment({ orderId }) {
      await script(orderId).step('createShipment');
      return { shipmentId: `shipment-${orderId}`, carrier: 'stub', trackingNumber: '1ZSTUB' };
    },
    async capturePayment({ orderId }) {
      await script(orderId).step('capturePayment');
      return { captureId: `capture-${orderId}` };
    },
    releaseInventory: undo('releaseInventory'),
    voidInvoice: undo('voidInvoice'),
    voidPayment: undo('voidPayment'),
    cancelShipment: undo('cancelShipment'),
    async recordOrderEvent(event) {
      const { events } = script(event.orderId);
      events.push(event);
      return { seq: events.length };
    },
  };
  // A new order's first three steps run as one (openOrder), each still a stub of its own.
  return { ...stubs, ...openOrderActivities(stubs) };
}

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
const taskQueue = uniqueTaskQueue('order-undo-at-every-stage');

beforeAll(async () => {
  env = await startTimeSkippingServer();
  worker = await startOrderWorker({ env, taskQueue, activities: stubbedActivities() });
});

afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

/**
 * Places an order as the API does. A short workflow task timeout: while a local activity runs the
 * worker extends its workflow task at 80% of it, and only then does a cancel reach the order.
 */
async function place(script: Script): Promise<OrderHandle> {
  const order = orderInput('customer-1', [{ sku: 'SKU-1', quantity: 2 }], { shippingAddress: TEST_ADDRESS });
  scripts.set(order.orderId, script);
  const start = new WithStartWorkflowOperation<typeof orderWorkflow>(ORDER_WORKFLOW_TYPE, {
    ...orderWorkflowStartOptions({ order }, taskQueue),
    workflowTaskTimeout: '4s',
  });
  await env.client.workflow.executeUpdateWithStart(placeOrderUpdate, { updateId: order.orderId, startWorkflowOperation: start });
  return start.workflowHandle();
}

const parked = (handle: OrderHandle) => stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the order to park');
const awaiting = (waitingFor: string) => (handle: OrderHandle) => stateEventually(handle, (s) => s.waitingFor.startsWith(waitingFor), waitingFor);

/** Each undo exactly once, newest first, all after the last step call; and the final event says which. */
function expectUndone(script: Script, expected: string[], finalEvent: 'order.canceled' | 'order.rejected' = 'order.canceled'): void {
  expect(script.undos).toEqual(expected);
  const lastStep = Math.max(...STEPS.map((step) => script.calls.lastIndexOf(step)));
  if (expected.length > 0) expect(script.calls.indexOf(expected[0])).toBeGreaterThan(lastStep);
  expect(script.event(finalEvent)?.data).toMatchObject({ undone: expected });
}

const ALL_BUT_SHIPMENT = ['voidPayment', 'voidInvoice', 'releaseInventory'];
const ALL = ['cancelShipment', ...ALL_BUT_SHIPMENT];

/** A stage to stop the order at: how to set it up, how to know it is there, what a cancel undoes. */
const STAGES: [string, (script: Script) => unknown, (handle: OrderHandle, script: Script) => Promise<unknown>, string[]][] = [
  ['parked at the authorization', (s) => s.fail('authorizePayment', 'StubOutage'), parked, ALL_BUT_SHIPMENT],
  ['while the authorization runs', (s) => s.hold('authorizePayment'), awaiting('authorizing the payment'), ALL_BUT_SHIPMENT],
  ['parked at the booking', (s) => s.fail('createShipment', 'StubOutage'), parked, ALL],
  ['while the booking runs', (s) => s.hold('createShipment'), awaiting('booking the shipment'), ALL],
  ['awaiting pickup', () => undefined, awaiting('the carrier to pick up'), ALL],
  [
    'parked by a carrier exception',
    () => undefined,
    async (handle) => {
      await awaiting('the carrier to pick up')(handle);
      await handle.signal(carrierEventSignal, { kind: 'exception', detail: 'parcel damaged' });
      return parked(handle);
    },
    ALL,
  ],
];

describe('undos at every stage', () => {
  describe.each(STAGES)('%s', (_stage, setUp, reach, undos) => {
    it('a cancel undoes every step once, newest first', async () => {
      const script = new Script();
      setUp(script);
      const handle = await place(script);
      await reach(handle, script);
      const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
      expect(cancelled).toMatchObject({ status: 'CANCELLED', statusReason: 'changed my mind' });
      expectUndone(script, undos);
      expect(script.event('order.canceled')?.data).toMatchObject({ by: 'request' });
    });

    it('a Temporal cancellation request does the same', async () => {
      const script = new Script();
      setUp(script);
      const handle = await place(script);
      await reach(handle, script);
      await handle.cancel();
      expect(await handle.result()).toMatchObject({ status: 'CANCELLED', statusReason: 'cancellation requested through Temporal' });
      expectUndone(script, undos);
      expect(script.event('order.canceled')?.data).toMatchObject({ by: 'workflow-cancellation' });
    });
  });

  // The first workflow task records, reserves and invoices in one local activity (openOrder),
  // which runs whole: a cancel accepted while it runs undoes all three once it is done.
  describe.each(['reserveInventory', 'createInvoice'] as const)('while %s runs in the first workflow task', (step) => {
    const startHeld = async (script: Script) => {
      const order = orderInput('customer-1', [{ sku: 'SKU-1', quantity: 2 }], { shippingAddress: TEST_ADDRESS });
      scripts.set(order.orderId, script);
      const gate = script.hold(step);
      // No waiting for the placeOrder update here: it answers once the held activity is done.
      const handle = await env.client.workflow.start<typeof orderWorkflow>(ORDER_WORKFLOW_TYPE, { ...orderWorkflowStartOptions({ order }, taskQueue), workflowTaskTimeout: '4s' });
      await gate.reached;
      return { handle, release: gate.release };
    };

    it('a cancel is accepted meanwhile and undoes the reservation and the invoice after it', async () => {
      const script = new Script();
      const { handle, release } = await startHeld(script);
      const cancel = await handle.startUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      release();
      expect(await cancel.result()).toMatchObject({ status: 'CANCELLED', statusReason: 'changed my mind' });
      expectUndone(script, ['voidInvoice', 'releaseInventory']);
    });

    it('a Temporal cancellation request does the same', async () => {
      const script = new Script();
      const { handle, release } = await startHeld(script);
      await handle.cancel();
      // Released once the workflow has the request (a workflow task completed after it); before,
      // the order would be past openOrder and this would be the authorization's stage.
      await eventually(async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const requested = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
        return requested >= 0 && events.slice(requested).some((e) => e.workflowTaskCompletedEventAttributes);
      }, 'the cancellation request to reach the workflow');
      release();
      // Not handle.result() at once: it lets the test server skip time, past the workflow task the held activity keeps open.
      await eventually(async () => (await handle.describe()).status.name !== 'RUNNING', 'the order to finish');
      expect(await handle.result()).toMatchObject({ status: 'CANCELLED', statusReason: 'cancellation requested through Temporal' });
      expectUndone(script, ['voidInvoice', 'releaseInventory']);
    });
  });

  it('a parked order nobody touches is auto-cancelled with the same undos', async () => {
    const script = new Script().fail('createShipment', 'StubOutage');
    const handle = await place(script);
    await parked(handle);
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED', statusReason: expect.stringMatching(/^auto-cancelled: needed attention for 72h/) });
    expectUndone(script, ALL);
    expect(script.event('order.canceled')?.data).toMatchObject({ by: 'auto-cancel' });
  });

  it('two cancels at once undo every step once', async () => {
    const script = new Script();
    const handle = await place(script);
    await awaiting('the carrier to pick up')(handle);
    const answers = await Promise.all([
      handle.executeUpdate(cancelUpdate, { args: [{ reason: 'first' }] }),
      handle.executeUpdate(setStatusUpdate, { args: [{ status: 'CANCELLED', reason: 'second' }] }),
    ]);
    expect(answers[0]).toEqual(answers[1]);
    expectUndone(script, ALL);
  });

  it('a business failure rejects the order with the undos of the steps before it', async () => {
    const outOfStock = new Script().fail('reserveInventory', 'OutOfStock');
    const invalid = new Script().fail('createInvoice', 'InvalidOrder');
    const declined = new Script().fail('authorizePayment', 'PaymentDeclined');
    const handles = await Promise.all([outOfStock, invalid, declined].map(place));
    for (const handle of handles) expect(await handle.result()).toMatchObject({ status: 'REJECTED' });
    expectUndone(outOfStock, ['releaseInventory'], 'order.rejected');
    expectUndone(invalid, ['voidInvoice', 'releaseInventory'], 'order.rejected');
    expectUndone(declined, ALL_BUT_SHIPMENT, 'order.rejected');
  });

  it('once the goods left nothing is undone: a cancel is refused and the order is delivered', async () => {
    const script = new Script().fail('capturePayment', 'StubOutage');
    const handle = await place(script);
    await awaiting('the carrier to pick up')(handle);
    await handle.signal(carrierEventSignal, { kind: 'shipped' });
    await parked(handle); // the capture failed: parked after shipping
    const refused = await handle.executeUpdate(cancelUpdate, { args: [{}] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('IllegalTransition');
    await handle.cancel(); // ignored: the goods left

    script.failing.delete('capturePayment');
    await handle.signal(retrySignal, { operator: 'ops' });
    await awaiting('the carrier to deliver')(handle);
    await handle.signal(carrierEventSignal, { kind: 'delivered' });
    expect(await handle.result()).toMatchObject({ status: 'DELIVERED' });
    expect(script.undos).toEqual([]);
    expect(script.calls.filter((call) => call === 'capturePayment')).toHaveLength(2);
  });
});
