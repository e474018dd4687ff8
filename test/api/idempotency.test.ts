// Idempotency-Key on POST /v1/orders: replay, another body, in flight, the retry after the order
// finished, and retries while Redis is unreachable (the derived order id still dedupes).
import { createHash } from 'node:crypto';
import { orderIdFor } from '../../api/routes/orders';
import { createCustomer, createProduct } from '../support/db';
import { type ApiHarness, newKey, orderBody, startApi } from '../support/api';
import { eventually } from '../support/temporal';

jest.setTimeout(120_000);

let api: ApiHarness;
let customerId: string;
let sku: string;

beforeAll(async () => {
  api = await startApi();
  customerId = await createCustomer(api.dataSource);
  sku = await createProduct(api.dataSource, { onHand: 1000 });
});

afterAll(async () => {
  await api?.close();
});

const post = (key: string | undefined, body: unknown, harness = api) =>
  harness.call('POST', '/v1/orders', { body, headers: key === undefined ? {} : { 'Idempotency-Key': key } });

async function runsOf(orderId: string): Promise<number> {
  let count = 0;
  for await (const _ of api.env.client.workflow.list({ query: `WorkflowId = 'order-${orderId}'` })) count++;
  return count;
}

const ordersOfCustomer = async (id: string): Promise<number> =>
  Number((await api.dataSource.query('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [id]))[0].n);

describe('Idempotency-Key on POST /v1/orders', () => {
  it('takes any key of printable ASCII, a quoted one standing for what it quotes (the OpenAPI pattern)', async () => {
    const body = orderBody(customerId, [{ sku, quantity: 1 }]);
    const key = `k ${newKey()} ~!"`;
    const bare = await post(key, body);
    expect(bare.status).toBe(202);
    const quoted = await post(`"${key.replace(/"/g, '\\"')}"`, body);
    expect(quoted.status).toBe(202);
    expect(quoted.body.data.id).toBe(bare.body.data.id); // the same key: the same order
    expect((await post(' '.repeat(3), body)).status).toBe(400);
    expect((await post('x'.repeat(256), body)).status).toBe(400);
  });

  it('is required (400 naming the header)', async () => {
    const res = await post(undefined, orderBody(customerId, [{ sku, quantity: 1 }]));
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'idempotency_key_required', source: { header: 'Idempotency-Key' } });
  });

  it('replays the first answer for the same key and body, and creates one order', async () => {
    const key = newKey();
    const body = orderBody(customerId, [{ sku, quantity: 2 }]);
    const first = await post(key, body);
    expect(first.status).toBe(202);
    const second = await post(key, JSON.parse(JSON.stringify(body)));
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(first.body.data.id).toBe(orderIdFor('dev-client', key));
  });

  it('treats a quoted key (RFC 8941 string) as the same key as the bare one', async () => {
    const key = newKey();
    const body = orderBody(customerId, [{ sku, quantity: 1 }]);
    const bare = await post(key, body);
    const quoted = await post(`"${key}"`, body);
    expect(quoted.body.data.id).toBe(bare.body.data.id);
  });

  it('refuses the same key with another body (422)', async () => {
    const key = newKey();
    await post(key, orderBody(customerId, [{ sku, quantity: 1 }]));
    const other = await post(key, orderBody(customerId, [{ sku, quantity: 9 }]));
    expect(other.status).toBe(422);
    expect(other.body.errors[0]).toMatchObject({ code: 'idempotency_key_reused', source: { header: 'Idempotency-Key' } });
  });

  it('answers 409 with Retry-After while the first request is still in flight', async () => {
    const key = newKey();
    const held = api.hold('placeOrder', orderIdFor('dev-client', key));
    const body = orderBody(customerId, [{ sku, quantity: 1 }]);
    const first = post(key, body);
    await held.reached;
    const concurrent = await post(key, body);
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.errors[0].code).toBe('request_in_flight');
    expect(concurrent.headers.get('retry-after')).toBe('1');
    held.release();
    expect((await first).status).toBe(202);
  });

  it('answers a retry after the order finished from the projection, starting nothing', async () => {
    const key = newKey();
    const body = orderBody(customerId, [{ sku, quantity: 1 }]);
    const first = await post(key, body);
    const id = first.body.data.id;
    expect((await api.call('DELETE', `/v1/orders/${id}`)).status).toBe(200);
    await eventually(async () => (await api.env.client.workflow.getHandle(`order-${id}`).describe()).status.name === 'COMPLETED', 'workflow closed');
    // The idempotency record is gone (expired after 24 h, or Redis lost it): only the derived id is left.
    await api.deps.redis.del(`idempotency:dev-client:${createHash('sha256').update(key).digest('hex')}`);

    const retry = await post(key, body);
    expect(retry.status).toBe(202);
    expect(retry.body.data).toMatchObject({ id, attributes: { status: 'CANCELLED' } });
    expect(await runsOf(id)).toBe(1);
  });

  it('still creates exactly one order when the retry finds Redis unreachable', async () => {
    const offline = await startApi({ redis: 'unreachable', worker: false, dataSource: api.dataSource, temporalEnv: api.env });
    try {
      const customer = await createCustomer(api.dataSource);
      const key = newKey();
      const body = orderBody(customer, [{ sku, quantity: 1 }]);
      const first = await post(key, body);
      expect(first.status).toBe(202);
      const retried = await post(key, body, offline);
      expect(retried.status).toBe(202);
      expect(retried.body.data.id).toBe(first.body.data.id);
      // And the first request itself made while Redis is away, retried while it is still away.
      const key2 = newKey();
      const body2 = orderBody(customer, [{ sku, quantity: 3 }]);
      // The offline app starts on its own task queue with no worker; this order must run on the shared one.
      const viaOffline = await startApi({ redis: 'unreachable', dataSource: api.dataSource, temporalEnv: api.env });
      try {
        const a = await post(key2, body2, viaOffline);
        const b = await post(key2, body2, viaOffline);
        expect(a.status).toBe(202);
        expect(b.status).toBe(202);
        expect(b.body.data.id).toBe(a.body.data.id);
      } finally {
        await viaOffline.close();
      }
      expect(await ordersOfCustomer(customer)).toBe(2);
      expect(await runsOf(first.body.data.id)).toBe(1);
    } finally {
      await offline.close();
    }
  });
});
