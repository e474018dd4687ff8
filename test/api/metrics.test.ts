// The order figures on the API's metrics registry (what its metrics port serves): orders by
// status and saga outcomes, read from the projection at scrape time. The file has a PostgreSQL
// schema of its own, so the counts are exact.
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { createApp } from '../../api/app';
import { type ApiHarness, newKey, orderBody, silent, startApi } from '../support/api';
import { createCustomer, createProduct, dropSchema, openTestDataSource, uniqueSchema } from '../support/db';
import { eventually } from '../support/temporal';

jest.setTimeout(120_000);

const schema = uniqueSchema('api_metrics');
let dataSource: DataSource;
let api: ApiHarness;

beforeAll(async () => {
  dataSource = await openTestDataSource({ schema, poolSize: 10 });
  api = await startApi({ dataSource });
});

afterAll(async () => {
  await api?.close();
  if (dataSource) {
    await dropSchema(dataSource, schema);
    await dataSource.destroy();
  }
});

/** One sample's value from the Prometheus text the registry serves, or undefined. */
async function sample(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function place(customerId: string, sku: string, token = 'tok_ok'): Promise<string> {
  const res = await api.call('POST', '/v1/orders', {
    body: orderBody(customerId, [{ sku, quantity: 1 }], { payment: { token } }),
    headers: { 'Idempotency-Key': newKey() },
  });
  expect(res.status).toBe(202);
  return res.body.data.id;
}

async function statusOf(id: string): Promise<string> {
  const [row]: { status: string }[] = await dataSource.query('SELECT status FROM orders WHERE id = $1', [id]);
  return row?.status ?? 'missing';
}

describe('order metrics on the metrics registry', () => {
  it('counts orders by status and the sagas that finished, by outcome', async () => {
    const registry = api.deps.metrics;
    expect(await sample(registry, 'orders_by_status', { status: 'PROCESSING' })).toBe(0);
    expect(await sample(registry, 'saga_outcomes_total', { outcome: 'cancelled' })).toBe(0);

    const customerId = await createCustomer(dataSource);
    const sku = await createProduct(dataSource, { onHand: 10 });
    const running = await place(customerId, sku);
    const declined = await place(customerId, sku, 'tok_decline');
    const cancelled = await place(customerId, sku);
    await eventually(async () => (await statusOf(running)) === 'PROCESSING', 'order PROCESSING');
    await eventually(async () => (await statusOf(declined)) === 'REJECTED', 'declined order REJECTED');
    expect((await api.call('DELETE', `/v1/orders/${cancelled}`)).status).toBe(200);
    await eventually(async () => (await statusOf(cancelled)) === 'CANCELLED', 'order CANCELLED');

    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the one-second reuse of a scrape's query
    expect(await sample(registry, 'orders_by_status', { status: 'PROCESSING' })).toBe(1);
    expect(await sample(registry, 'orders_by_status', { status: 'REJECTED' })).toBe(1);
    expect(await sample(registry, 'orders_by_status', { status: 'CANCELLED' })).toBe(1);
    expect(await sample(registry, 'orders_by_status', { status: 'DELIVERED' })).toBe(0);
    expect(await sample(registry, 'saga_outcomes_total', { outcome: 'rejected' })).toBe(1);
    expect(await sample(registry, 'saga_outcomes_total', { outcome: 'cancelled' })).toBe(1);
    expect(await sample(registry, 'saga_outcomes_total', { outcome: 'delivered' })).toBe(0);
    // Request latency by route sits on the same registry.
    expect(await registry.metrics()).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/orders"/);
  });

  it('still answers a scrape when PostgreSQL does not, with no order figures rather than stale ones', async () => {
    const gone = await openTestDataSource({ schema, poolSize: 1 });
    await gone.destroy();
    const registry = new Registry();
    createApp({ ...api.deps, dataSource: gone, logger: silent, metrics: registry });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE orders_by_status gauge');
    expect(text).not.toMatch(/^orders_by_status\{/m);
    expect(text).not.toMatch(/^saga_outcomes_total\{/m);
  });
});
