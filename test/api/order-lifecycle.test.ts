// The life of orders through the API, on the real stack: catalogue, creation, reads, changes,
// shipping, delivery, cancellation, lists, invoices, shipments and the live event stream.
import { randomUUID } from 'node:crypto';
import { orderIdFor } from '../../api/routes/orders';
import { ADDRESS, type ApiHarness, cachedReadsAnsweredAhead, newKey, orderBody, readEvents, serveOverHttp, shipWhenBooked, startApi } from '../support/api';
import { eventually } from '../support/temporal';

jest.setTimeout(120_000);

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

async function newCustomer(attributes: Record<string, unknown> = {}): Promise<string> {
  const res = await api.call('POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'Ada', email: `${randomUUID()}@example.test`, country: 'US', ...attributes } } } });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

async function newProduct(onHand = 50, unitPriceDecimal = '12.5000'): Promise<string> {
  const sku = `A${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  const res = await api.call('POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku, name: `Widget ${sku}`, unitPriceDecimal, onHand } } } });
  expect(res.status).toBe(201);
  return sku;
}

async function place(customerId: string, lines: { sku: string; quantity: number }[], key = newKey()) {
  const res = await api.call('POST', '/v1/orders', { body: orderBody(customerId, lines), headers: { 'Idempotency-Key': key } });
  expect(res.status).toBe(202);
  return res;
}

const statusOf = async (id: string) => (await api.call('GET', `/v1/orders/${id}`)).body.data.attributes.status as string;

function waitForStatus(id: string, status: string) {
  return eventually(async () => (await statusOf(id)) === status, `order ${id} ${status}`, 30_000, 100);
}

const shipmentOf = async (orderId: string): Promise<{ id: string; tracking_number: string } | undefined> =>
  (await api.dataSource.query(`SELECT id, tracking_number FROM shipments WHERE order_id = $1 AND status <> 'CANCELED'`, [orderId]))[0];

describe('catalogue', () => {
  it('creates, reads and lists customers', async () => {
    const id = await newCustomer({ tier: 'G' });
    await newCustomer(); // a second one, so a page of one has a next page even on an empty database
    const read = await api.call('GET', `/v1/customers/${id}`);
    expect(read.body.data).toMatchObject({ type: 'customers', id, attributes: { name: 'Ada', tier: 'G', country: 'US', active: true } });
    const page = await api.call('GET', '/v1/customers?page[size]=1');
    expect(page.body.data).toHaveLength(1);
    expect(page.body.links.next).toMatch(/page\[after\]=/);
    const next = await api.call('GET', page.body.links.next);
    expect(next.status).toBe(200);
    expect(next.body.data[0].id).not.toBe(page.body.data[0].id);
  });

  it('refuses a second customer with the same email (409 with a pointer)', async () => {
    const email = `${randomUUID()}@example.test`;
    await newCustomer({ email });
    const again = await api.call('POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'Twin', email: email.toUpperCase() } } } });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].source.pointer).toBe('/data/attributes/email');
  });

  it('creates a product with its stock, moves stock through the ledger, and guards counts with If-Match', async () => {
    const sku = await newProduct(10, '19.9950');
    const read = await api.call('GET', `/v1/products/${sku}`);
    expect(read.body.data.attributes).toMatchObject({ sku, unitPrice: 2000, unitPriceDecimal: '19.9950', onHand: 10, reserved: 0, available: 10 });
    const etag = read.headers.get('etag')!;

    const adjusted = await api.call('PATCH', `/v1/products/${sku}`, { body: { data: { type: 'products', id: sku, attributes: { adjustment: -3, note: 'damaged' } } } });
    expect(adjusted.status).toBe(200);
    expect(adjusted.body.data.attributes.onHand).toBe(7);
    const movements = await api.dataSource.query('SELECT delta, reason FROM stock_movements WHERE sku = $1 ORDER BY id', [sku]);
    expect(movements).toEqual([{ delta: 10, reason: 'receive' }, { delta: -3, reason: 'adjust' }]);

    const countBody = { data: { type: 'products', id: sku, attributes: { onHand: 40 } } };
    expect((await api.call('PATCH', `/v1/products/${sku}`, { body: countBody })).status).toBe(428);
    const stale = await api.call('PATCH', `/v1/products/${sku}`, { body: countBody, headers: { 'If-Match': etag } });
    expect(stale.status).toBe(412);
    const fresh = await api.call('PATCH', `/v1/products/${sku}`, { body: countBody, headers: { 'If-Match': adjusted.headers.get('etag')! } });
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.attributes.onHand).toBe(40);

    const below = await api.call('PATCH', `/v1/products/${sku}`, { body: { data: { type: 'products', id: sku, attributes: { adjustment: -41 } } } });
    expect(below.status).toBe(409);
    expect(below.body.errors[0].source.pointer).toBe('/data/attributes/adjustment');
    const mismatch = await api.call('PATCH', `/v1/products/${sku}`, { body: { data: { type: 'products', id: 'OTHER', attributes: { name: 'x' } } } });
    expect(mismatch.status).toBe(409);
  });
});

describe('the life of an order', () => {
  it('is created (202 + Location), readable right away, changed, shipped, delivered, and invoiced', async () => {
    const customerId = await newCustomer();
    const [skuA, skuB] = [await newProduct(), await newProduct()];
    const key = newKey();
    const orderId = orderIdFor('dev-client', key);
    // The payment provider is down: the saga parks the order before the authorization, where its
    // lines and address may still change.
    const paymentBack = api.fail('authorizePayment', orderId);

    const created = await place(customerId, [{ sku: skuA, quantity: 2 }, { sku: skuB, quantity: 1 }], key);
    expect(created.headers.get('location')).toBe(`/v1/orders/${orderId}`);
    expect(created.body.data).toMatchObject({ type: 'orders', id: orderId, attributes: { status: 'PENDING', customerId, currency: 'USD' } });

    const read = await api.call('GET', `/v1/orders/${orderId}`);
    expect(read.status).toBe(200);
    expect(read.body.data.attributes.lines.map((l: { sku: string }) => l.sku)).toEqual([skuA, skuB]);
    expect(read.body.data.relationships.customer.data).toEqual({ type: 'customers', id: customerId });

    await waitForStatus(orderId, 'NEEDS_ATTENTION');
    const changed = await api.call('PUT', `/v1/orders/${orderId}`, {
      body: { data: { type: 'orders', id: orderId, attributes: { lines: [{ sku: skuA, quantity: 3 }], shippingAddress: { ...ADDRESS, line1: '2 Side St' } } } },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data.attributes.lines).toEqual([expect.objectContaining({ sku: skuA, quantity: 3, unitPrice: 1250, amount: 3750 })]);
    expect(changed.body.data.attributes.shippingAddress.line1).toBe('2 Side St');

    paymentBack();
    expect((await api.call('POST', `/v1/orders/${orderId}/retry`)).status).toBe(202);
    await waitForStatus(orderId, 'PROCESSING');
    await eventually(() => shipmentOf(orderId), 'shipment booked');
    // Authorized and booked: lines and address still change until the goods leave (the booking is re-booked).
    const lateLines = await api.call('PUT', `/v1/orders/${orderId}`, { body: { data: { type: 'orders', id: orderId, attributes: { lines: [{ sku: skuA, quantity: 1 }] } } } });
    expect(lateLines.status).toBe(200);
    expect(lateLines.body.data.attributes.lines).toEqual([expect.objectContaining({ sku: skuA, quantity: 1 })]);
    const lateAddress = await api.call('PUT', `/v1/orders/${orderId}/shipping`, { body: { data: { type: 'orders', id: orderId, attributes: { shippingAddress: ADDRESS } } } });
    expect(lateAddress.status).toBe(200);
    expect(lateAddress.body.data.attributes.shippingAddress.line1).toBe(ADDRESS.line1);

    // SHIPPED is for operators.
    const shipBody = { data: { type: 'orders', id: orderId, attributes: { status: 'SHIPPED', trackingNumber: '1Z999' } } };
    const notOps = await api.call('PUT', `/v1/orders/${orderId}/status`, { body: shipBody, token: await api.token('orders:write') });
    expect(notOps.status).toBe(403);
    const shipped = await shipWhenBooked(api, orderId, '1Z999', await api.token('ops'));
    expect(shipped.status).toBe(200);
    expect(shipped.body.data.attributes).toMatchObject({ status: 'SHIPPED', trackingNumber: '1Z999' });
    const again = await api.call('PUT', `/v1/orders/${orderId}/status`, { body: shipBody, token: await api.token('ops') });
    expect(again.status).toBe(200); // the status it has: a no-op

    const cancelShipped = await api.call('DELETE', `/v1/orders/${orderId}`);
    expect(cancelShipped.status).toBe(409);
    const changeShipped = await api.call('PUT', `/v1/orders/${orderId}`, { body: { data: { type: 'orders', id: orderId, attributes: { lines: [{ sku: skuA, quantity: 2 }] } } } });
    expect(changeShipped.status).toBe(409);

    const delivered = await api.call('PUT', `/v1/orders/${orderId}/status`, { body: { data: { type: 'orders', id: orderId, attributes: { status: 'DELIVERED' } } } });
    expect(delivered.status).toBe(200);
    await waitForStatus(orderId, 'DELIVERED');

    const strong = await api.call('GET', `/v1/orders/${orderId}?consistency=strong`);
    expect(strong.status).toBe(200);
    expect(strong.body.data.attributes.status).toBe('DELIVERED');

    const invoice = await api.call('GET', `/v1/orders/${orderId}/invoice`);
    expect(invoice.status).toBe(200);
    expect(invoice.body.data.attributes).toMatchObject({ orderId, status: 'PAID' });
    expect((await api.call('GET', `/v1/invoices/${invoice.body.data.id}`)).status).toBe(200);
    const invoices = await api.call('GET', `/v1/invoices?filter[orderId]=${orderId}`);
    expect(invoices.body.data.length).toBeGreaterThanOrEqual(1);

    const events = await api.call('GET', `/v1/orders/${orderId}/events`);
    const types = events.body.data.map((e: { attributes: { type: string } }) => e.attributes.type);
    expect(types[0]).toBe('order.created');
    expect(types).toEqual(expect.arrayContaining(['payment.authorized', 'order.shipped', 'payment.captured', 'order.delivered']));
    expect(events.body.data.map((e: { attributes: { seq: number } }) => e.attributes.seq)).toEqual(types.map((_: string, i: number) => i + 1));
  });

  it('cancels an order with DELETE (twice is a harmless 200) and with PUT status CANCELLED', async () => {
    const customerId = await newCustomer();
    const sku = await newProduct(20);
    const first = await place(customerId, [{ sku, quantity: 5 }]);
    const id = first.body.data.id;
    const cancelled = await api.call('DELETE', `/v1/orders/${id}?reason=changed%20my%20mind`);
    expect(cancelled.status).toBe(200);
    expect(['CANCELLED']).toContain(cancelled.body.data.attributes.status);
    expect((await api.call('DELETE', `/v1/orders/${id}`)).status).toBe(200);
    await waitForStatus(id, 'CANCELLED');
    await eventually(async () => (await api.call('GET', `/v1/products/${sku}`)).body.data.attributes.reserved === 0, 'stock released');

    const second = await place(customerId, [{ sku, quantity: 1 }]);
    const put = await api.call('PUT', `/v1/orders/${second.body.data.id}/status`, {
      body: { data: { type: 'orders', id: second.body.data.id, attributes: { status: 'CANCELLED', reason: 'duplicate' } } },
    });
    expect(put.status).toBe(200);
    await waitForStatus(second.body.data.id, 'CANCELLED');
  });

  it('refuses moves the transition table forbids with 409 illegal_transition', async () => {
    const customerId = await newCustomer();
    const sku = await newProduct();
    const { body } = await place(customerId, [{ sku, quantity: 1 }]);
    const id = body.data.id;
    await waitForStatus(id, 'PROCESSING');
    const deliver = await api.call('PUT', `/v1/orders/${id}/status`, { body: { data: { type: 'orders', id, attributes: { status: 'DELIVERED' } } } });
    expect(deliver.status).toBe(409);
    expect(deliver.body.errors[0]).toMatchObject({ code: 'illegal_transition' });
    expect(deliver.body.errors[0].detail).toMatch(/PROCESSING -> DELIVERED/);
    const retry = await api.call('POST', `/v1/orders/${id}/retry`);
    expect(retry.status).toBe(409);
    // A change naming a SKU the catalogue does not have is 422, pointing at the line.
    const other = await api.call('PUT', `/v1/orders/${id}`, { body: { data: { type: 'orders', id, attributes: { lines: [{ sku: 'NOT-ON-IT', quantity: 1 }] } } } });
    expect(other.status).toBe(422);
    expect(other.body.errors[0]).toMatchObject({ code: 'unknown_sku', source: { pointer: '/data/attributes/lines/0/sku' } });
  });

  it('takes carrier events through the webhook', async () => {
    const customerId = await newCustomer();
    const sku = await newProduct();
    const { body } = await place(customerId, [{ sku, quantity: 1 }]);
    const id = body.data.id;
    const shipment = await eventually(() => shipmentOf(id), 'shipment booked');
    const read = await api.call('GET', `/v1/shipments/${shipment.id}`);
    expect(read.body.data.attributes).toMatchObject({ orderId: id, status: 'CREATED' });
    const event = (kind: string) => ({ data: { type: 'shipment-events', attributes: { kind } } });
    expect((await api.call('POST', `/v1/shipments/${shipment.id}/events`, { body: event('shipped'), token: await api.token('ops') })).status).toBe(202);
    await waitForStatus(id, 'SHIPPED');
    expect((await api.call('POST', `/v1/shipments/${shipment.id}/events`, { body: event('delivered'), token: await api.token('ops') })).status).toBe(202);
    await waitForStatus(id, 'DELIVERED');
  });

  it('answers 404 for an order that does not exist, and 422 for an unknown or inactive customer or an unknown SKU without starting anything', async () => {
    expect((await api.call('GET', `/v1/orders/${randomUUID()}`)).status).toBe(404);
    expect((await api.call('GET', `/v1/orders/${randomUUID()}?consistency=strong`)).status).toBe(404);
    expect((await api.call('DELETE', `/v1/orders/${randomUUID()}`)).status).toBe(404);
    const customerId = await newCustomer();
    const key = newKey();
    const unknownSku = await api.call('POST', '/v1/orders', { body: orderBody(customerId, [{ sku: 'NOPE-1', quantity: 1 }]), headers: { 'Idempotency-Key': key } });
    expect(unknownSku.status).toBe(422);
    expect(unknownSku.body.errors[0].source.pointer).toBe('/data/attributes/lines/0/sku');
    const sku = await newProduct();
    const ghost = await api.call('POST', '/v1/orders', { body: orderBody(randomUUID(), [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': newKey() } });
    expect(ghost.status).toBe(422);
    expect(ghost.body.errors[0].source.pointer).toBe('/data/attributes/customerId');
    const inactive = await newCustomer({ active: false });
    const refused = await api.call('POST', '/v1/orders', { body: orderBody(inactive, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': newKey() } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ code: 'customer_inactive', source: { pointer: '/data/attributes/customerId' } });
    await expect(api.env.client.workflow.getHandle(`order-${orderIdFor('dev-client', key)}`).describe()).rejects.toThrow();
  });
});

describe('a cached order read', () => {
  // Over real HTTP: the server's request listener answers cached reads ahead of hono.
  let http: Awaited<ReturnType<typeof serveOverHttp>>;
  let base: string;
  beforeAll(async () => {
    http = await serveOverHttp(api);
    base = http.base;
  });
  afterAll(() => http.close());

  const get = async (path: string, headers: Record<string, string> = {}, token?: string) => {
    const res = await fetch(base + path, { headers: { Authorization: `Bearer ${token ?? (await api.token())}`, ...headers } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const answeredAhead = () => cachedReadsAnsweredAhead(api);
  // What may differ between two answers a moment apart.
  const comparable = (res: { headers: Headers }) => Object.fromEntries([...res.headers].filter(([name]) => !['date', 'ratelimit-remaining', 'ratelimit-reset'].includes(name)));

  it('is answered ahead of the middleware chain with what the chain answers, and never after a change', async () => {
    const customerId = await newCustomer();
    const sku = await newProduct();
    const key = newKey();
    const orderId = orderIdFor('dev-client', key);
    const path = `/v1/orders/${orderId}`;
    // Parked before the authorization: nothing changes the order until the test does.
    api.fail('authorizePayment', orderId);
    await place(customerId, [{ sku, quantity: 1 }], key);
    await waitForStatus(orderId, 'NEEDS_ATTENTION'); // its reads fill the in-process cache

    const variants: Record<string, string>[] = [{ 'X-Request-Id': 'same-request' }, { 'X-Request-Id': 'same-request', Origin: 'https://shop.example' }];
    for (const headers of variants) {
      const before = await answeredAhead();
      const ahead = await get(path, headers);
      expect(await answeredAhead()).toBe(before + 1);
      // A query string always goes to hono; this one asks for what the plain read gives.
      const chain = await get(`${path}?consistency=eventual`, headers);
      expect(await answeredAhead()).toBe(before + 1);
      expect(ahead.status).toBe(200);
      expect(api.validator.check('GET', path, ahead.status, ahead.headers.get('content-type'), JSON.parse(ahead.text))).toEqual([]);
      expect(ahead.text).toBe(chain.text);
      expect(comparable(ahead)).toEqual(comparable(chain));
      expect(Number(ahead.headers.get('ratelimit-remaining'))).toBeGreaterThan(0);
    }

    // What the chain decides is still decided there: scope, token, Accept, HEAD.
    const before = await answeredAhead();
    expect((await get(path, {}, await api.token('orders:write'))).status).toBe(403);
    expect((await get(path, {}, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl')).status).toBe(401);
    expect((await get(path, { Accept: 'text/html' })).status).toBe(406);
    const head = await fetch(base + path, { method: 'HEAD', headers: { Authorization: `Bearer ${await api.token()}` } });
    expect(head.status).toBe(200);
    expect(await answeredAhead()).toBe(before);

    // A change made through the API: the very next read has it. The order is one the cache held,
    // so that read goes through the cache ahead of the chain (a read-through, as the chain's).
    expect((await api.call('DELETE', path)).status).toBe(200);
    const after = await get(path);
    expect(after.status).toBe(200);
    expect(JSON.parse(after.text).data.attributes.status).not.toBe('NEEDS_ATTENTION');
    expect(api.validator.check('GET', path, after.status, after.headers.get('content-type'), JSON.parse(after.text))).toEqual([]);
    expect(await answeredAhead()).toBe(before + 1);
  });

  it('sends a read of an order the cache does not know to the chain', async () => {
    // A well-formed id of no order: the chain's 404, nothing answered ahead, nothing read twice.
    const before = await answeredAhead();
    const missing = await get('/v1/orders/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(await answeredAhead()).toBe(before);
  });
});

describe('lists', () => {
  it('filters by status and customer, sorts by createdAt and pages with cursors', async () => {
    const customerId = await newCustomer();
    const sku = await newProduct();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await place(customerId, [{ sku, quantity: 1 }])).body.data.id);
    const oldestFirst = await api.call('GET', `/v1/orders?filter[customerId]=${customerId}&sort=createdAt&page[size]=2`);
    expect(oldestFirst.body.data.map((o: { id: string }) => o.id)).toEqual(ids.slice(0, 2));
    const rest = await api.call('GET', oldestFirst.body.links.next);
    expect(rest.body.data.map((o: { id: string }) => o.id)).toEqual([ids[2]]);
    expect(rest.body.links.next).toBeNull();

    const newestFirst = await api.call('GET', `/v1/customers/${customerId}/orders`);
    expect(newestFirst.body.data.map((o: { id: string }) => o.id)).toEqual([...ids].reverse());

    await api.call('DELETE', `/v1/orders/${ids[0]}`);
    await waitForStatus(ids[0], 'CANCELLED');
    const cancelled = await api.call('GET', `/v1/orders?filter[customerId]=${customerId}&filter[status]=CANCELLED,REJECTED`);
    expect(cancelled.body.data.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
    const future = await api.call('GET', `/v1/orders?filter[customerId]=${customerId}&filter[createdAt][gte]=2999-01-01T00:00:00Z`);
    expect(future.body.data).toEqual([]);
    expect((await api.call('GET', '/v1/orders?filter[status]=LOST')).status).toBe(400);
    expect((await api.call('GET', '/v1/orders?page[size]=101')).status).toBe(400);
    expect((await api.call('GET', '/v1/orders?page[after]=garbage')).status).toBe(400);
    expect((await api.call('GET', '/v1/orders?colour=red')).status).toBe(400);
  });
});

describe('the live stream', () => {
  it('shows PENDING -> PROCESSING -> SHIPPED -> DELIVERED and resumes after a reconnect', async () => {
    const customerId = await newCustomer();
    const sku = await newProduct();
    const { body } = await place(customerId, [{ sku, quantity: 1 }]);
    const id = body.data.id;
    const token = await api.token('orders:read');

    const first = await api.app.request(`/v1/orders/${id}/stream?access_token=${token}`, { headers: { Accept: 'text/event-stream' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/event-stream');
    const statusesOf = (events: { event?: string; data: string }[]) =>
      events.filter((e) => e.event !== 'ready').map((e) => JSON.parse(e.data).status as string | null).filter(Boolean);
    const untilProcessing = await readEvents(first, (events) => statusesOf(events).includes('PROCESSING'));
    expect(statusesOf(untilProcessing)).toEqual(['PENDING', 'PROCESSING']);
    const lastId = untilProcessing[untilProcessing.length - 1].id!;

    const ops = await api.token('ops');
    const shipped = await shipWhenBooked(api, id, 'TRK1', ops);
    expect(shipped.status).toBe(200);
    const delivered = await api.call('PUT', `/v1/orders/${id}/status`, { token: ops, body: { data: { type: 'orders', id, attributes: { status: 'DELIVERED' } } } });
    expect(delivered.status).toBe(200);

    const resumed = await api.app.request(`/v1/orders/${id}/stream`, { headers: { Authorization: `Bearer ${token}`, 'Last-Event-ID': lastId } });
    const rest = await readEvents(resumed, (events) => statusesOf(events).includes('DELIVERED'));
    const seqs = rest.filter((e) => e.event !== 'ready').map((e) => Number(e.id));
    expect(seqs[0]).toBe(Number(lastId) + 1);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
    expect(statusesOf(rest)).toEqual(['SHIPPED', 'DELIVERED']);
  });
});

afterAll(() => {
  // Every response above went through the OpenAPI check in `api.call`.
  expect(api.checked).toBeGreaterThan(50);
});
