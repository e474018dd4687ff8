// A worker killed while a return is received and while it is refunded (SIGKILL, a real worker
// process): another worker finishes the return, the refund is paid once and the stock moves once.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { returnWorkflowId, stepIdempotencyKey } from '../../domain/ids';
import { receiveReturnUpdate, requestReturnUpdate, RETURN_WORKFLOW_TYPE, returnWorkflowStartOptions } from '../../workflows/return-definitions';
import { someoneWaitsOnLock, stockOf, whileRowsHeld } from '../support/db';
import { activityRunning, eventually, historyEvents, stateEventually } from '../support/temporal';
import { killableWorkers } from './support/worker-process';

jest.setTimeout(240_000);

const { bed, startProcess, killProcess } = killableWorkers('return-kill');

async function deliveredOrder(): Promise<{ orderId: string; sku: string }> {
  await bed.startWorker();
  const { order, sku } = await bed.simpleOrder({ quantity: 2 });
  const { handle } = await bed.place(order);
  await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the shipment to be booked');
  await bed.carrierReports(order.orderId, 'shipped');
  await bed.carrierReports(order.orderId, 'delivered');
  expect((await handle.result()).status).toBe('DELIVERED');
  await bed.worker?.stop();
  bed.worker = undefined;
  return { orderId: order.orderId, sku };
}

it('finishes the return on another worker: refund paid once, stock moved once (SIGKILL while receiving, then while refunding)', async () => {
  const { orderId, sku } = await deliveredOrder();
  expect(await stockOf(bed.dataSource, sku)).toMatchObject({ onHand: 98 });
  await startProcess();

  const returnId = randomUUID();
  const input = { returnId, orderId, lines: [{ sku, quantity: 2 }], requestedAt: new Date().toISOString(), windowDays: 30, receiptDays: 14 };
  const requested = await bed.client.workflow.executeUpdateWithStart(requestReturnUpdate, {
    updateId: returnId,
    startWorkflowOperation: new WithStartWorkflowOperation(RETURN_WORKFLOW_TYPE, returnWorkflowStartOptions(input, bed.taskQueue)),
  });
  expect(requested.status).toBe('REQUESTED');
  const handle = bed.client.workflow.getHandle(returnWorkflowId(returnId));

  // Hold the product row: the receive (restock) waits on it inside its transaction when the worker dies.
  await whileRowsHeld(bed.dataSource, 'SELECT sku FROM products WHERE sku = $1 FOR NO KEY UPDATE', [sku], async () => {
    const receiving = handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ sku, receivedQuantity: 2, disposition: 'restock' }] }] });
    receiving.catch(() => undefined);
    await eventually(
      () => someoneWaitsOnLock(bed.dataSource, '%FROM products WHERE sku = ANY%FOR NO KEY UPDATE%'),
      'the receive to wait on the product row',
    );
    killProcess();
  });

  // A second worker runs the receive again (its attempt timed out) and dies in the provider's refund (3 s).
  await startProcess();
  await eventually(() => activityRunning(handle, 'refundReturn'), 'the refund to be running on the doomed worker', 120_000, 200);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // inside the provider call
  killProcess();
  await bed.startWorker();

  const result = await handle.result();
  expect(result.status).toBe('REFUNDED');

  const [counts]: Record<string, number>[] = await bed.dataSource.query(
    `SELECT (SELECT count(*)::int FROM sim_payment_operations o JOIN payments p ON o.request->>'authorizationId' = p.authorization_id
              WHERE p.order_id = $1 AND o.operation = 'refund') AS providerRefunds,
            (SELECT count(*)::int FROM payment_movements WHERE order_id = $1 AND kind = 'refund') AS ledgerRefunds,
            (SELECT COALESCE(sum(amount), 0)::int FROM payment_movements WHERE order_id = $1 AND kind = 'refund') AS refunded,
            (SELECT COALESCE(sum(amount), 0)::int FROM payment_movements WHERE order_id = $1 AND kind = 'capture') AS captured,
            (SELECT count(*)::int FROM credit_notes WHERE order_id = $1) AS creditNotes,
            (SELECT count(*)::int FROM stock_movements WHERE order_id = $1 AND reason = 'return') AS restocks,
            (SELECT count(*)::int FROM order_events WHERE order_id = $1 AND type = 'payment.refunded') AS refundEvents`,
    [orderId],
  );
  expect(counts).toEqual({ providerrefunds: 1, ledgerrefunds: 1, refunded: counts.captured, captured: counts.captured, creditnotes: 1, restocks: 1, refundevents: 1 });
  expect(counts.captured).toBeGreaterThan(0);
  expect(await stockOf(bed.dataSource, sku)).toMatchObject({ onHand: 100 });
  const [movement]: { idempotency_key: string }[] = await bed.dataSource.query(`SELECT idempotency_key FROM payment_movements WHERE order_id = $1 AND kind = 'refund'`, [orderId]);
  expect(movement.idempotency_key).toBe(stepIdempotencyKey(returnWorkflowId(returnId), 'refund'));

  // The attempts that died never reported back: the recorded ones are retries.
  const history = await historyEvents(handle);
  const startedAttempts = history.filter((e) => e.activityTaskStartedEventAttributes != null).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
  expect(startedAttempts.filter((a) => a > 1).length).toBeGreaterThanOrEqual(2);
});
