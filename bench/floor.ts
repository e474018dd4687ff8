// The floor worker: floor-workflow.ts with do-nothing activities on a task queue of its own, and
// update-with-start in the same shape as an order's (conflict and reuse policies, search attributes).
import path from 'node:path';
import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import { bundleWorkflowCode, type NativeConnection, Worker } from '@temporalio/worker';
import { OrderSearchAttributes } from '../workflows/order-definitions';
import { type FloorActivities, FLOOR_WORKFLOW_TYPE, floorPlacedUpdate, type FloorWorkflowInput } from './floor-workflow';
import { pollerOptions, type SagaWorkerSettings } from './support';

export function createFloorActivities(onStep: (orderId: string, step: number) => void): FloorActivities {
  return {
    async floorStep({ orderId, step }) {
      onStep(orderId, step);
    },
  };
}

export function bundleFloorWorkflow(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, 'floor-workflow.ts') });
}

/** The floor worker takes the order worker's settings, so only the workflow differs. */
export function createFloorWorker(opts: {
  connection: NativeConnection;
  taskQueue: string;
  activities: FloorActivities;
  workflowBundle: { code: string };
  settings: SagaWorkerSettings;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: 'default',
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    workflowBundle: opts.workflowBundle,
    maxConcurrentActivityTaskExecutions: opts.settings.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: opts.settings.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: opts.settings.maxCachedWorkflows,
    ...pollerOptions(opts.settings),
    maxHeartbeatThrottleInterval: '1s',
    shutdownGraceTime: '10s',
  });
}

/** As POST /v1/orders starts an order: update-with-start, answered once step 1 is done. */
export async function placeFloorOrder(client: Client, input: FloorWorkflowInput & { customerId: string }, taskQueue: string): Promise<void> {
  const startWorkflowOperation = new WithStartWorkflowOperation(FLOOR_WORKFLOW_TYPE, {
    workflowId: `floor-${input.orderId}`,
    taskQueue,
    args: [{ orderId: input.orderId, steps: input.steps }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: OrderSearchAttributes.customerId, value: input.customerId },
      { key: OrderSearchAttributes.status, value: 'PENDING' },
    ],
  });
  await client.workflow.executeUpdateWithStart(floorPlacedUpdate, { updateId: input.orderId, startWorkflowOperation });
}
