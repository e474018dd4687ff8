// The return workflow's stored histories (test/histories/returns/), one per path below, replayed
// against the current code (order-replay.test.ts replays them too: it reads test/histories/
// recursively). Recording is explicit, as for orders:
//
//   RECORD_HISTORIES=1 ./dev test test/workflows/return-replay.test.ts
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { returnWorkflowId } from '../../domain/ids';
import {
  cancelReturnUpdate,
  receiveReturnUpdate,
  requestReturnUpdate,
  RETURN_WORKFLOW_TYPE,
  type ReturnWorkflowInput,
  returnWorkflowStartOptions,
} from '../../workflows/return-definitions';
import { RECORD_HISTORIES, storedHistoryTests } from '../support/stored-histories';
import { SagaTestBed, stateEventually } from '../support/temporal';

jest.setTimeout(300_000);

const HISTORIES = path.resolve(__dirname, '../histories/returns');
const bed = new SagaTestBed('return-replay');
afterAll(async () => {
  if (RECORD_HISTORIES) await bed.stop();
});

/** A delivered order of 2 units, and a return of `quantity` of them (its workflow handle once requested, or refused). */
async function requestedReturn(quantity: number, receiptDays = 14): Promise<{ handle: WorkflowHandle; sku: string }> {
  const { order, sku } = await bed.simpleOrder({ quantity: 2 });
  const { handle: orderHandle } = await bed.place(order);
  await stateEventually(orderHandle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the shipment to be booked');
  await bed.carrierReports(order.orderId, 'shipped');
  await bed.carrierReports(order.orderId, 'delivered');
  await orderHandle.result();
  const returnId = randomUUID();
  const input: ReturnWorkflowInput = { returnId, orderId: order.orderId, lines: [{ sku, quantity, reason: 'does not fit' }], requestedAt: new Date().toISOString(), windowDays: 30, receiptDays };
  await bed.client.workflow
    .executeUpdateWithStart(requestReturnUpdate, { updateId: returnId, startWorkflowOperation: new WithStartWorkflowOperation(RETURN_WORKFLOW_TYPE, returnWorkflowStartOptions(input, bed.taskQueue)) })
    .catch(() => undefined); // refused requests are a scenario too
  return { handle: bed.client.workflow.getHandle(returnWorkflowId(returnId)), sku };
}

const SCENARIOS: Record<string, () => Promise<WorkflowHandle>> = {
  async 'return-received-refunded'() {
    const { handle, sku } = await requestedReturn(2);
    await handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ sku, receivedQuantity: 2, disposition: 'damaged' }] }] });
    await handle.result();
    return handle;
  },
  async 'return-expired'() {
    const { handle } = await requestedReturn(1, 1 / 86400);
    await handle.result();
    return handle;
  },
  async 'return-cancelled'() {
    const { handle } = await requestedReturn(1);
    await handle.executeUpdate(cancelReturnUpdate);
    await handle.result();
    return handle;
  },
  async 'return-rejected-more-than-delivered'() {
    const { handle } = await requestedReturn(3);
    await handle.result();
    return handle;
  },
};

storedHistoryTests({ kind: 'return', dir: HISTORIES, scenarios: SCENARIOS, beforeRecording: () => bed.start() });
