// Parts of the stack away: with Redis unreachable reads and creation keep working; with the
// worker stopped (or behind), updates answer 503 + Retry-After within the Temporal deadline and
// nothing is stored as the idempotent answer, while a POST answers 202 with the order Temporal
// holds, recorded once when the worker comes; an order whose workflow task keeps failing answers
// 503;
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
  api = await startApi({ env: { TEMPORAL_CALL_TIMEOUT_MS: '1500', ORDER_RECORD_WAIT_MS: '1000' } });
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
  it('answers updates with 503 + Retry-After within the deadline, storing no idempotent answer', async () => {
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
    } finally {
      await api.startWorker();
    }
    // The 503 was not stored: the same DELETE now cancels (once the new worker has the order: on a
    // cluster its first task waits out the stopped worker's sticky queue, a few seconds).
    const retried = await eventually(async () => {
      const res = await api.call('DELETE', `/v1/orders/${id}`);
      return res.status === 503 ? undefined : res;
    }, 'the DELETE answered by the new worker');
    expect(retried.status).toBe(200);
  });

  it('answers POSTs with 202 naming orders Temporal holds, and records each one once when the worker comes', async () => {
    const customerId = await createCustomer(api.dataSource);
    const sku = await createProduct(api.dataSource, { onHand: 100 });
    const body = orderBody(customerId, [{ sku, quantity: 1 }]);
    const keys = Array.from({ length: 6 }, () => newKey());
    await api.stopWorker();
    let ids: string[];
    try {
      const started = Date.now();
      // A flood with nobody to record it, each key sent twice at once (a client's retry).
      const answers = await Promise.all([...keys, ...keys].map((key) => api.call('POST', '/v1/orders', { body, headers: { 'Idempotency-Key': key } })));
      expect(Date.now() - started).toBeLessThan(1500 + 2000);
      // The retry sent beside its first is 409 (in flight) or the same 202: never a 5xx, never another order.
      for (const answer of answers) expect([202, 409]).toContain(answer.status);
      const firsts = answers.slice(0, keys.length);
      for (const answer of firsts) {
        expect(answer.status).toBe(202);
        expect(answer.body.data.attributes).toMatchObject({ status: 'PENDING', customerId, lines: [], totals: null, version: 0 });
        expect(answer.headers.get('location')).toBe(`/v1/orders/${answer.body.data.id}`);
      }
      ids = firsts.map((answer) => answer.body.data.id as string);
      expect(ids).toEqual(keys.map((key) => orderIdFor('dev-client', key)));
      expect(new Set(ids).size).toBe(keys.length);

      // Before the record a GET shows the order as Temporal holds it; another storefront's token sees nothing.
      const read = await api.call('GET', `/v1/orders/${ids[0]}`);
      expect(read.status).toBe(200);
      expect(read.body.data.attributes).toMatchObject({ status: 'PENDING', shippingAddress: { city: 'Austin' }, version: 0 });
      // The API kept what its POST answered (its reads until the record ask neither PostgreSQL nor Temporal).
      expect(read.body.data.attributes.createdAt).toBe(firsts[0].body.data.attributes.createdAt);
      // A repeat after the first answered is the stored answer.
      const repeat = await api.call('POST', '/v1/orders', { body, headers: { 'Idempotency-Key': keys[0] } });
      expect(repeat.status).toBe(202);
      expect(repeat.body.data.id).toBe(ids[0]);
      expect(repeat.headers.get('idempotent-replayed')).toBe('true');
      const rows = await api.dataSource.query('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [customerId]);
      expect(rows[0].n).toBe(0); // nothing recorded yet: the workflows hold the orders
    } finally {
      await api.startWorker();
    }
    for (const id of ids) {
      await eventually(async () => (await api.call('GET', `/v1/orders/${id}`)).body.data.attributes.status === 'PROCESSING', `order ${id} processing`, 60_000);
    }
    const recorded = await api.dataSource.query(
      "SELECT o.id, count(e.*)::int AS created FROM orders o JOIN order_events e ON e.order_id = o.id AND e.type = 'order.created' WHERE o.customer_id = $1 GROUP BY o.id",
      [customerId],
    );
    expect(recorded.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    for (const row of recorded) expect(row.created).toBe(1);
    // Once recorded, the GET is the projection's: priced, and the stock reserved once per order.
    const read = await api.call('GET', `/v1/orders/${ids[0]}`);
    expect(read.body.data.attributes.lines).toHaveLength(1);
    expect(read.body.data.attributes.totals.total).toBeGreaterThan(0);
  });

  it('answers a GET of an order nobody placed with 404', async () => {
    expect((await api.call('GET', `/v1/orders/${orderIdFor('dev-client', newKey())}`)).status).toBe(404);
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
