// Storefronts kept apart, through every route family, on the real stack: two shops' clients and an
// operator's. A shop sees its own customers, orders, events, invoices and shipments; another
// shop's answer 404 as if they did not exist (before anything is asked of Temporal) and never
// appear in a list; the ops scope sees every storefront; the catalogue is shared.
import { randomUUID } from 'node:crypto';
import { sign } from 'hono/jwt';
import { ADDRESS, type ApiHarness, cachedReadsAnsweredAhead, type Json, newKey, orderBody, readEvents, serveOverHttp, startApi, apiClients } from '../support/api';
import { eventually } from '../support/temporal';

jest.setTimeout(180_000);

// Storefronts of this run's own: the database outlives test files within one run.
const run = randomUUID().slice(0, 8);
const SHOP_A = { id: `shop-a-${run}`, secret: 'secret-a', storefront: `shop-a-${run}` };
const SHOP_B = { id: `shop-b-${run}`, secret: 'secret-b', storefront: `shop-b-${run}` };
const OPS = { id: `ops-${run}`, secret: 'secret-ops', storefront: `back-office-${run}` };
const DEV = { id: 'dev-client', secret: 'dev-secret' };

let api: ApiHarness;
const tokens: Record<'a' | 'b' | 'ops', string> = { a: '', b: '', ops: '' };

beforeAll(async () => {
  const clients = [
    { ...SHOP_A, scopes: ['orders:read', 'orders:write'] },
    { ...SHOP_B, scopes: ['orders:read', 'orders:write'] },
    { ...OPS, scopes: ['orders:read', 'orders:write', 'ops'] },
    { ...DEV, storefront: 'dev', scopes: ['orders:read', 'orders:write', 'catalog:write', 'ops'] },
  ];
  const entries = await apiClients(clients);
  api = await startApi({ env: { API_CLIENTS: entries } });
  tokens.a = await api.token('orders:read orders:write', SHOP_A);
  tokens.b = await api.token('orders:read orders:write', SHOP_B);
  tokens.ops = await api.token('orders:read orders:write ops', OPS);
});

afterAll(async () => {
  await api?.close();
});

const as = (who: keyof typeof tokens) => tokens[who];

async function newCustomer(who: keyof typeof tokens, email = `${randomUUID()}@example.test`): Promise<string> {
  const res = await api.call('POST', '/v1/customers', { token: as(who), body: { data: { type: 'customers', attributes: { name: 'Ada', email, country: 'US' } } } });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

async function newProduct(): Promise<string> {
  const sku = `S${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  // The catalogue is shared: the development client stocks it, every shop orders from it.
  const res = await api.call('POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku, name: `Widget ${sku}`, unitPriceDecimal: '12.5000', onHand: 50 } } } });
  expect(res.status).toBe(201);
  return sku;
}

async function place(who: keyof typeof tokens, customerId: string, sku: string): Promise<string> {
  const res = await api.call('POST', '/v1/orders', { token: as(who), body: orderBody(customerId, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': newKey() } });
  expect(res.status).toBe(202);
  return res.body.data.id;
}

const ids = (res: { body: Json }) => (res.body.data as { id: string }[]).map((r) => r.id);

const shipmentOf = async (orderId: string): Promise<{ id: string } | undefined> =>
  (await api.dataSource.query(`SELECT id FROM shipments WHERE order_id = $1 AND status <> 'CANCELED'`, [orderId]))[0];

const invoiceOf = async (orderId: string): Promise<{ id: string } | undefined> => (await api.dataSource.query(`SELECT id FROM invoices WHERE order_id = $1`, [orderId]))[0];

/** Shop A's customer with one order, booked with the carrier (invoice and shipment exist). */
let a: { customerId: string; email: string; orderId: string; invoiceId: string; shipmentId: string };
let b: { customerId: string; orderId: string };
let sku: string;

beforeAll(async () => {
  sku = await newProduct();
  const email = `${randomUUID()}@example.test`;
  const customerId = await newCustomer('a', email);
  const orderId = await place('a', customerId, sku);
  const shipment = await eventually(() => shipmentOf(orderId), 'shop A order booked with the carrier');
  const invoice = await eventually(() => invoiceOf(orderId), 'shop A order invoiced');
  a = { customerId, email, orderId, invoiceId: invoice.id, shipmentId: shipment.id };
  const bCustomer = await newCustomer('b');
  b = { customerId: bCustomer, orderId: await place('b', bCustomer, sku) };
});

describe('orders', () => {
  it('reads an order for its own storefront and ops only; another storefront gets 404', async () => {
    const own = await api.call('GET', `/v1/orders/${a.orderId}`, { token: as('a') });
    expect(own.status).toBe(200);
    expect(own.body.data.attributes.storefront).toBe(SHOP_A.storefront);
    expect((await api.call('GET', `/v1/orders/${a.orderId}`, { token: as('ops') })).status).toBe(200);

    const other = await api.call('GET', `/v1/orders/${a.orderId}`, { token: as('b') });
    expect(other.status).toBe(404);
    // The same answer as an order that does not exist, word for word but the id.
    const missing = await api.call('GET', `/v1/orders/${randomUUID()}`, { token: as('b') });
    expect(other.body.errors[0].code).toBe(missing.body.errors[0].code);
    expect(other.body.errors[0].title).toBe(missing.body.errors[0].title);

    expect((await api.call('GET', `/v1/orders/${a.orderId}?consistency=strong`, { token: as('b') })).status).toBe(404);
    expect((await api.call('GET', `/v1/orders/${a.orderId}?consistency=strong`, { token: as('a') })).status).toBe(200);
  });

  it('lists and filters only its own storefront, ops every storefront', async () => {
    const listB = await api.call('GET', '/v1/orders?page[size]=100', { token: as('b') });
    expect(ids(listB)).toEqual([b.orderId]);
    expect((listB.body.data as Json[]).every((o) => o.attributes.storefront === SHOP_B.storefront)).toBe(true);
    const listA = await api.call('GET', '/v1/orders?page[size]=100', { token: as('a') });
    expect(ids(listA)).toEqual([a.orderId]);

    // Filters never reach across: another shop's customer, any status, any date.
    expect(ids(await api.call('GET', `/v1/orders?filter[customerId]=${a.customerId}`, { token: as('b') }))).toEqual([]);
    const statuses = 'PENDING,PROCESSING,SHIPPED,DELIVERED,REJECTED,CANCELLED,NEEDS_ATTENTION';
    expect(ids(await api.call('GET', `/v1/orders?filter[status]=${statuses}&filter[createdAt][gte]=2000-01-01T00:00:00Z`, { token: as('b') }))).toEqual([b.orderId]);
    expect(ids(await api.call('GET', `/v1/orders?filter[customerId]=${a.customerId}`, { token: as('a') }))).toEqual([a.orderId]);

    expect(ids(await api.call('GET', `/v1/orders?filter[customerId]=${a.customerId}`, { token: as('ops') }))).toEqual([a.orderId]);
    expect(ids(await api.call('GET', `/v1/orders?filter[customerId]=${b.customerId}`, { token: as('ops') }))).toEqual([b.orderId]);
  });

  it("refuses every change to another storefront's order with 404, and the order stays as it was", async () => {
    const path = `/v1/orders/${a.orderId}`;
    const before = (await api.call('GET', path, { token: as('a') })).body.data.attributes;
    const attempts = [
      api.call('PUT', path, { token: as('b'), body: { data: { type: 'orders', id: a.orderId, attributes: { lines: [{ sku, quantity: 3 }] } } } }),
      api.call('PUT', `${path}/shipping`, { token: as('b'), body: { data: { type: 'orders', id: a.orderId, attributes: { shippingAddress: { ...ADDRESS, line1: '9 Elsewhere' } } } } }),
      api.call('PUT', `${path}/status`, { token: as('b'), body: { data: { type: 'orders', id: a.orderId, attributes: { status: 'CANCELLED', reason: 'not mine' } } } }),
      api.call('DELETE', path, { token: as('b') }),
    ];
    for (const res of await Promise.all(attempts)) expect(res.status).toBe(404);
    // Retrying is an operator's move: a shop's token has no ops scope at all.
    expect((await api.call('POST', `${path}/retry`, { token: as('b') })).status).toBe(403);

    const after = (await api.call('GET', `${path}?consistency=strong`, { token: as('a') })).body.data.attributes;
    expect(after.status).toBe(before.status);
    expect(after.lines).toEqual(before.lines);
    expect(after.shippingAddress).toEqual(before.shippingAddress);
    // The operator reaches it (a retry of an order that is not parked is 409, not 404).
    expect((await api.call('POST', `${path}/retry`, { token: as('ops') })).status).toBe(409);
  });

  it("answers another storefront's events and stream with 404", async () => {
    expect((await api.call('GET', `/v1/orders/${a.orderId}/events`, { token: as('b') })).status).toBe(404);
    const own = await api.call('GET', `/v1/orders/${a.orderId}/events`, { token: as('a') });
    expect(own.status).toBe(200);
    expect(own.body.data[0].attributes.type).toBe('order.created');
    expect((await api.call('GET', `/v1/orders/${a.orderId}/events`, { token: as('ops') })).status).toBe(200);

    const refused = await api.app.request(`/v1/orders/${a.orderId}/stream?access_token=${as('b')}`, { headers: { Accept: 'text/event-stream' } });
    expect(refused.status).toBe(404);
    await refused.body?.cancel();
    const stream = await api.app.request(`/v1/orders/${a.orderId}/stream?access_token=${as('a')}`, { headers: { Accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    const events = await readEvents(stream, (got) => got.some((e) => e.event === 'order.created'));
    expect(events.map((e) => e.event)).toContain('order.created');
  });

  it("checks the storefront before asking Temporal: with no worker, another shop's strong read and cancel are 404, not 503", async () => {
    await api.stopWorker();
    try {
      expect((await api.call('GET', `/v1/orders/${a.orderId}?consistency=strong`, { token: as('b') })).status).toBe(404);
      expect((await api.call('DELETE', `/v1/orders/${a.orderId}`, { token: as('b') })).status).toBe(404);
      // The owner's requests do reach Temporal, which cannot answer without a worker.
      expect((await api.call('GET', `/v1/orders/${a.orderId}?consistency=strong`, { token: as('a') })).status).toBe(503);
    } finally {
      await api.startWorker();
    }
  });
});

describe('customers', () => {
  it("reads and lists only its own storefront's customers, ops every one", async () => {
    expect((await api.call('GET', `/v1/customers/${a.customerId}`, { token: as('b') })).status).toBe(404);
    const own = await api.call('GET', `/v1/customers/${a.customerId}`, { token: as('a') });
    expect(own.status).toBe(200);
    expect(own.body.data.attributes.storefront).toBe(SHOP_A.storefront);
    expect((await api.call('GET', `/v1/customers/${a.customerId}`, { token: as('ops') })).status).toBe(200);

    const listB = await api.call('GET', '/v1/customers?page[size]=100', { token: as('b') });
    expect(ids(listB)).not.toContain(a.customerId);
    expect(ids(listB)).toContain(b.customerId);
    expect(ids(await api.call('GET', `/v1/customers?filter[email]=${a.email}`, { token: as('b') }))).toEqual([]);
    expect(ids(await api.call('GET', `/v1/customers?filter[email]=${a.email}`, { token: as('a') }))).toEqual([a.customerId]);
    expect(ids(await api.call('GET', `/v1/customers?filter[email]=${a.email}`, { token: as('ops') }))).toEqual([a.customerId]);
  });

  it("answers another storefront's customer's orders with 404", async () => {
    expect((await api.call('GET', `/v1/customers/${a.customerId}/orders`, { token: as('b') })).status).toBe(404);
    expect(ids(await api.call('GET', `/v1/customers/${a.customerId}/orders`, { token: as('a') }))).toEqual([a.orderId]);
    expect(ids(await api.call('GET', `/v1/customers/${a.customerId}/orders`, { token: as('ops') }))).toEqual([a.orderId]);
  });

  it("refuses an order for another storefront's customer as an unknown customer, starting nothing", async () => {
    const key = newKey();
    const res = await api.call('POST', '/v1/orders', { token: as('b'), body: orderBody(a.customerId, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': key } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ code: 'unknown_customer', source: { pointer: '/data/attributes/customerId' } });
    // Not even the operator places an order across storefronts: it would belong to neither.
    const ops = await api.call('POST', '/v1/orders', { token: as('ops'), body: orderBody(a.customerId, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': key } });
    expect(ops.status).toBe(422);
    expect(ids(await api.call('GET', `/v1/customers/${a.customerId}/orders`, { token: as('a') }))).toEqual([a.orderId]);
  });

  it('lets two storefronts have customers with the same e-mail, unique within each', async () => {
    expect(await newCustomer('b', a.email)).toEqual(expect.any(String));
    const again = await api.call('POST', '/v1/customers', { token: as('a'), body: { data: { type: 'customers', attributes: { name: 'Ada', email: a.email.toUpperCase() } } } });
    expect(again.status).toBe(409);
  });
});

describe('invoices and shipments', () => {
  it("answers another storefront's invoices with 404 and leaves them out of its list", async () => {
    expect((await api.call('GET', `/v1/orders/${a.orderId}/invoice`, { token: as('b') })).status).toBe(404);
    expect((await api.call('GET', `/v1/orders/${a.orderId}/invoice`, { token: as('a') })).body.data.id).toBe(a.invoiceId);
    expect((await api.call('GET', `/v1/invoices/${a.invoiceId}`, { token: as('b') })).status).toBe(404);
    expect((await api.call('GET', `/v1/invoices/${a.invoiceId}`, { token: as('a') })).status).toBe(200);
    expect((await api.call('GET', `/v1/invoices/${a.invoiceId}`, { token: as('ops') })).status).toBe(200);

    expect(ids(await api.call('GET', `/v1/invoices?filter[orderId]=${a.orderId}`, { token: as('b') }))).toEqual([]);
    expect(ids(await api.call('GET', `/v1/invoices?filter[orderId]=${a.orderId}`, { token: as('a') }))).toEqual([a.invoiceId]);
    expect(ids(await api.call('GET', `/v1/invoices?filter[orderId]=${a.orderId}`, { token: as('ops') }))).toEqual([a.invoiceId]);
    const listB = await api.call('GET', '/v1/invoices?page[size]=100', { token: as('b') });
    expect((listB.body.data as Json[]).map((i) => i.attributes.orderId as string).every((id) => id === b.orderId)).toBe(true);
  });

  it("answers another storefront's shipment with 404; carrier events are the operator's", async () => {
    expect((await api.call('GET', `/v1/shipments/${a.shipmentId}`, { token: as('b') })).status).toBe(404);
    expect((await api.call('GET', `/v1/shipments/${a.shipmentId}`, { token: as('a') })).body.data.attributes.orderId).toBe(a.orderId);
    expect((await api.call('GET', `/v1/shipments/${a.shipmentId}`, { token: as('ops') })).status).toBe(200);

    const event = { data: { type: 'shipment-events', attributes: { kind: 'shipped' } } };
    expect((await api.call('POST', `/v1/shipments/${a.shipmentId}/events`, { token: as('b'), body: event })).status).toBe(403);
    expect((await api.call('POST', `/v1/shipments/${a.shipmentId}/events`, { token: as('ops'), body: event })).status).toBe(202);
    await eventually(async () => (await api.call('GET', `/v1/orders/${a.orderId}`, { token: as('a') })).body.data.attributes.status === 'SHIPPED', 'shipped');
  });
});

describe('tokens', () => {
  it('refuses a token that names no storefront (one signed before storefronts existed)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await sign({ iss: 'ordersaga', sub: SHOP_A.id, scope: 'orders:read', iat: now, nbf: now, exp: now + 60 }, api.deps.config.JWT_SECRET, 'HS256');
    expect((await api.call('GET', '/v1/orders', { token: old })).status).toBe(401);
  });
});

describe('the cached read answered ahead of hono', () => {
  let http: Awaited<ReturnType<typeof serveOverHttp>>;
  beforeAll(async () => {
    http = await serveOverHttp(api);
  });
  afterAll(() => http.close());

  const get = async (path: string, token: string) => {
    const res = await fetch(http.base + path, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, text: await res.text() };
  };
  const answeredAhead = () => cachedReadsAnsweredAhead(api);

  it("never serves a storefront's cached order to another storefront's client", async () => {
    const path = `/v1/orders/${b.orderId}`;
    // Both tokens known to the server, and shop B's order in its in-process cache, answered ahead.
    await get('/v1/customers', as('a'));
    expect((await get(path, as('b'))).status).toBe(200);
    const ahead = await answeredAhead();
    expect((await get(path, as('b'))).status).toBe(200);
    expect(await answeredAhead()).toBe(ahead + 1);

    const other = await get(path, as('a'));
    expect(other.status).toBe(404);
    expect(await answeredAhead()).toBe(ahead + 1);
    // The operator may read it, on the fast path too.
    await get('/v1/customers', as('ops'));
    expect((await get(path, as('ops'))).status).toBe(200);
  });
});

describe('an order Temporal holds before its record', () => {
  it("is shown to its own storefront and ops only, as the recorded one is", async () => {
    const customerId = await newCustomer('a');
    await api.stopWorker();
    try {
      // Nobody records it: the POST answers, past ORDER_RECORD_WAIT_MS, with the order Temporal holds.
      const orderId = await place('a', customerId, sku);
      const own = await api.call('GET', `/v1/orders/${orderId}`, { token: as('a') });
      expect(own.status).toBe(200);
      expect(own.body.data.attributes).toMatchObject({ status: 'PENDING', storefront: SHOP_A.storefront });
      expect((await api.call('GET', `/v1/orders/${orderId}`, { token: as('ops') })).status).toBe(200);
      const other = await api.call('GET', `/v1/orders/${orderId}`, { token: as('b') });
      expect(other.status).toBe(404);
      expect(other.body.errors[0].code).toBe('not_found');
    } finally {
      await api.startWorker();
    }
  });
});
