// The floor the order saga is measured against: the saga's shape with nothing inside. It is
// started by update-with-start like an order, answers the update once its first activity is done
// (the saga answers once the order is recorded), then runs the remaining activities one after
// another. The activities do nothing, so what is left is Temporal's own cost per order: workflow
// tasks, activity tasks, history. Bundled on its own, for the benchmark's floor worker only.
import { allHandlersFinished, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export const FLOOR_WORKFLOW_TYPE = 'floorWorkflow';

/** Same name as the saga's placeOrderUpdate; answers with the step that recorded the order. */
export const floorPlacedUpdate = defineUpdate<{ recordedBy: number }>('placeOrder');

export interface FloorActivities {
  /** Does nothing but tell the benchmark which step of which order ran. */
  floorStep(input: { orderId: string; step: number }): Promise<void>;
}

export interface FloorWorkflowInput {
  orderId: string;
  /** Activities to run, one after another (the saga's happy path runs 8). */
  steps: number;
}

const { floorStep } = proxyActivities<FloorActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function floorWorkflow({ orderId, steps }: FloorWorkflowInput): Promise<void> {
  let recorded = false;
  setHandler(floorPlacedUpdate, async () => {
    await condition(() => recorded);
    return { recordedBy: 1 };
  });
  await floorStep({ orderId, step: 1 });
  recorded = true;
  for (let step = 2; step <= steps; step++) await floorStep({ orderId, step });
  await condition(allHandlersFinished);
}
