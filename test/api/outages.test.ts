// Parts of the stack away: with Redis unreachable reads and creation keep working; with the
// worker stopped, updates answer 503 + Retry-After within the Temporal deadline and nothing is
// stored as the idempotent answer; an order whose workflow task keeps failing answers 503 too;
// with PostgreSQL away, reads answer 503. Readiness needs PostgreSQL and Temporal, not Redis.
import { createProduct, createCustomer, openTestDataSource } from '../support/db';
import { type ApiHarness, newKey, orderBody, startApi } from '../support/api';
import { orderIdFor } from '../../api/routes/orders';
import { OrderWorkflows } from '../../api/temporal-calls';
import { orderWorkflowId } from '../../domain/ids';
import { eventually } from '../support/temporal';

jest.setTimeout(120_000);

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi({ env: { TEMPORAL_CALL_TIMEOUT_MS: '1500' } });
});

afterAll(async () => {
  await api?.close();
});

describe('Redis unreachable', () => {
  it('keeps reads, lists and creation working, with rate-limit headers from the local count', async () => {
    const offline = await startApi({ redis: 'unreachable', dataSource: api.dataSource, temporalEnv: api.env });
    try {
      const customerId = await createCustomer(api.dataSource);
      const sku = await createProduct(api.dataSource, { onHand: 10 });
      const started = Date.now();
      const created = await offline.call('POST', '/v1/orders', { body: orderBody(customerId, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': newKey() } });
      expect(created.status).toBe(202);
      const read = await offline.call('GET', `/v1/orders/${created.body.data.id}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('ratelimit-limit')).not.toBeNull();
      const list = await offline.call('GET', `/v1/orders?filter[customerId]=${customerId}`);
      expect(list.body.data).toHaveLength(1);
      expect((await offline.call('GET', `/v1/products/${sku}`)).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await offline.close();
    }
  });
});

describe('readiness', () => {
  it('stays ready while Redis is unreachable, and reports Redis failing in its body', async () => {
    expect((await api.call('GET', '/health/ready')).body).toEqual({ status: 'ok', checks: { postgres: { status: 'ok' }, redis: { status: 'ok' }, temporal: { status: 'ok' } } });
    const offline = await startApi({ worker: false, redis: 'unreachable', dataSource: api.dataSource, temporalEnv: api.env });
    try {
      const ready = await offline.call('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', checks: { postgres: { status: 'ok' }, temporal: { status: 'ok' }, redis: { status: 'fail' } } });
    } finally {
      await offline.close();
    }
  });
});

describe('the worker stopped', () => {
  it('answers updates and creation with 503 + Retry-After within the deadline, storing no idempotent answer', async () => {
    const customerId = await createCustomer(api.dataSource);
    const sku = await createProduct(api.dataSource, { onHand: 10 });
    const created = await api.call('POST', '/v1/orders', { body: orderBody(customerId, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': newKey() } });
    const id = created.body.data.id;
    await eventually(async () => (await api.call('GET', `/v1/orders/${id}`)).body.data.attributes.status === 'PROCESSING', 'processing');
    await api.stopWorker();
    try {
      const started = Date.now();
      const cancel = await api.call('DELETE', `/v1/orders/${id}`);
      const elapsed = Date.now() - started;
      expect(cancel.status).toBe(503);
      expect(Number(cancel.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(elapsed).toBeLessThan(1500 + 1000);

      const strong = await api.call('GET', `/v1/orders/${id}?consistency=strong`);
      expect(strong.status).toBe(503);
      // The projection still answers.
      expect((await api.call('GET', `/v1/orders/${id}`)).status).toBe(200);

      const key = newKey();
      const body = orderBody(customerId, [{ sku, quantity: 1 }]);
      const refused = await api.call('POST', '/v1/orders', { body, headers: { 'Idempotency-Key': key } });
      expect(refused.status).toBe(503);
      await api.startWorker();
      const retried = await api.call('POST', '/v1/orders', { body, headers: { 'Idempotency-Key': key } });
      expect(retried.status).toBe(202); // the 503 was not stored
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
    } finally {
      await api.startWorker();
    }
  });
});

describe("an order whose workflow task keeps failing", () => {
  it('answers a repeated POST with 503 + Retry-After, not 500', async () => {
    // An order workflow started with an input it cannot run: every workflow task fails, and
    // Temporal refuses update-with-start on it ("Workflow Task in failed state") until it recovers.
    const customerId = await createCustomer(api.dataSource);
    const sku = await createProduct(api.dataSource, { onHand: 10 });
    const key = newKey();
    const handle = await api.env.client.workflow.start('orderWorkflow', {
      workflowId: orderWorkflowId(orderIdFor('dev-client', key)),
      taskQueue: api.taskQueue,
      args: [{}],
    });
    try {
      // Temporal refuses updates from the third attempt of a failing workflow task on.
      await eventually(async () => ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 3, 'a third failed workflow task', 60_000);
      const res = await api.call('POST', '/v1/orders', { body: orderBody(customerId, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': key } });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      // A plain update (the cancel of a DELETE) is refused the same way, as FAILED_PRECONDITION.
      const workflows = new OrderWorkflows(api.env.client, { taskQueue: api.taskQueue, timeoutMs: 5000 });
      await expect(workflows.cancel(orderIdFor('dev-client', key))).rejects.toMatchObject({ status: 503 });
    } finally {
      await handle.terminate('test over');
    }
  });
});

describe('PostgreSQL away', () => {
  it('answers reads with 503, not 500', async () => {
    const dataSource = await openTestDataSource({ poolSize: 1 });
    const cut = await startApi({ worker: false, dataSource, temporalEnv: api.env });
    try {
      await dataSource.destroy();
      const res = await cut.call('GET', '/v1/orders');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).not.toBeNull();
      // Readiness needs PostgreSQL: this instance goes out of the load balancer.
      const ready = await cut.call('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'fail', checks: { postgres: { status: 'fail' } } });
    } finally {
      await cut.close();
    }
  });
});
