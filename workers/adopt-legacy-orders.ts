// The migration's adoption hook (see activities/migration/adopt-legacy-orders.ts) on a Temporal
// client: one order workflow per awaiting order with the usual start options (id order-<uuid>,
// conflict policy USE_EXISTING, reuse policy REJECT_DUPLICATE), so a re-run or a retried page
// reaches the workflow it started before.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { type AdoptOrders, adoptionInputs } from '../activities/migration';
import { ORDERS_TASK_QUEUE } from '../domain/ids';
import type { orderWorkflow } from '../workflows/order';
import { ORDER_WORKFLOW_TYPE, type OrderWorkflowInput, orderWorkflowStartOptions } from '../workflows/order-definitions';

/** Starts the workflows a few at a time and answers every id whose workflow now exists, whether started now or before. */
export function startOrderWorkflows(client: Client, dataSource: DataSource, opts: { taskQueue?: string; concurrency?: number } = {}): AdoptOrders {
  const taskQueue = opts.taskQueue ?? ORDERS_TASK_QUEUE;
  const concurrency = opts.concurrency ?? 20;
  return async (orders) => {
    const inputs: OrderWorkflowInput[] = await adoptionInputs(dataSource, orders);
    const adopted: string[] = [];
    let next = 0;
    const startNext = async (): Promise<void> => {
      while (next < inputs.length) {
        const input = inputs[next++];
        try {
          await client.workflow.start<typeof orderWorkflow>(ORDER_WORKFLOW_TYPE, orderWorkflowStartOptions(input, taskQueue));
        } catch (err) {
          // Already ran to its end (reuse policy REJECT_DUPLICATE): adopted before.
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        adopted.push(input.order.orderId);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, startNext));
    return adopted;
  };
}
