// The webhook dispatcher's stored histories (test/histories/webhooks/), replayed against the
// current code: a dispatcher run in flight during a deploy must go on. The generation before
// patched('dispatch-in-one-activity') (fan-out, due endpoints, startChild from the workflow) is
// in before-dispatch-in-one-activity/. Recording is explicit, as for orders:
//
//   RECORD_HISTORIES=1 ./dev test test/workflows/webhook-replay.test.ts
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { webhookDispatchWorkflow } from '../../workflows/webhooks';
import { openTestDataSource } from '../support/db';
import { ordersOf } from '../support/events';
import { storedHistoryTests } from '../support/stored-histories';
import { connectToDevServer, eventually } from '../support/temporal';
import { startReceiver, startWebhookWorker } from '../support/webhooks';

jest.setTimeout(240_000);

const HISTORIES = path.resolve(__dirname, '../histories/webhooks');

const SCENARIOS: Record<string, () => Promise<WorkflowHandle>> = {
  /** One run that finds an event for an endpoint and starts the endpoint's delivery workflow. */
  async 'dispatch-started-a-delivery'() {
    const env = await connectToDevServer();
    const dataSource = await openTestDataSource({ poolSize: 5 });
    const receiver = await startReceiver();
    const worker = await startWebhookWorker({ env, dataSource, schedule: false });
    try {
      const storefront = `replay-${randomUUID().slice(0, 8)}`;
      await dataSource.query('INSERT INTO webhook_endpoints (id, storefront, url, secret) VALUES ($1, $2, $3, $4)', [randomUUID(), storefront, receiver.url, `whsec_${Buffer.alloc(32, 3).toString('base64')}`]);
      await ordersOf(dataSource, storefront, 1);
      const handle = await env.client.workflow.start<typeof webhookDispatchWorkflow>('webhookDispatchWorkflow', {
        workflowId: `replay-dispatch-${randomUUID()}`,
        taskQueue: worker.taskQueue,
        args: [{ runSeconds: 2, pollMs: 200 }],
      });
      await handle.result();
      await eventually(async () => receiver.received.length > 0, 'the delivery');
      return handle;
    } finally {
      await worker.stop();
      await receiver.close();
      await dataSource.destroy();
    }
  },
};

storedHistoryTests({
  kind: 'webhook dispatcher',
  dir: HISTORIES,
  scenarios: SCENARIOS,
  alsoStored: ['before-dispatch-in-one-activity/dispatch-started-a-delivery.json'],
});
