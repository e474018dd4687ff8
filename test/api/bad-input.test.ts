// Bad input never gets a 500 and never writes anything: each case is a 4xx JSON:API error that
// points at the problem (source.pointer, or the parameter/header), and no order, workflow,
// customer or product appears.
import { randomUUID } from 'node:crypto';
import { orderIdFor } from '../../api/routes/orders';
import { createProduct } from '../support/db';
import { ADDRESS, type ApiHarness, startApi } from '../support/api';

jest.setTimeout(120_000);

let api: ApiHarness;
// Known before the tables below are built; the rows are written in beforeAll.
const customerId = randomUUID();
const sku = `B-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  api = await startApi({ worker: false });
  await api.dataSource.query(`INSERT INTO customers (id, storefront, name, email, country) VALUES ($1, 'dev', 'Bad input', $2, 'US')`, [customerId, `${customerId}@example.test`]);
  await createProduct(api.dataSource, { onHand: 10, sku });
});

afterAll(async () => {
  await api?.close();
});

const attrs = (overrides: Record<string, unknown> = {}) => ({
  customerId,
  lines: [{ sku, quantity: 1 }],
  shippingAddress: ADDRESS,
  payment: { token: 'tok_ok' },
  ...overrides,
});
const doc = (attributes: unknown) => ({ data: { type: 'orders', attributes } });

type Case = [what: string, request: { rawBody?: string; body?: unknown; contentType?: string | null }, status: number, where: string];

const orderCases: Case[] = [
  ['malformed JSON', { rawBody: '{"data": {"type": "orders",' }, 400, ''],
  ['no body at all', { rawBody: undefined, contentType: null }, 422, '/data'],
  ['an empty object', { body: {} }, 422, '/data'],
  ['a JSON array', { body: [] }, 422, '/'],
  ['the wrong resource type', { body: { data: { type: 'customers', attributes: attrs() } } }, 422, '/data/type'],
  ['an unknown top-level member', { body: { ...doc(attrs()), extra: 1 } }, 422, '/extra'],
  ['an unknown attribute', { body: doc(attrs({ discount: 50 })) }, 422, '/data/attributes/discount'],
  ['an unknown address field', { body: doc(attrs({ shippingAddress: { ...ADDRESS, floor: 3 } })) }, 422, '/data/attributes/shippingAddress/floor'],
  ['a quantity as a string', { body: doc(attrs({ lines: [{ sku, quantity: '2' }] })) }, 422, '/data/attributes/lines/0/quantity'],
  ['a negative quantity', { body: doc(attrs({ lines: [{ sku, quantity: -1 }] })) }, 422, '/data/attributes/lines/0/quantity'],
  ['a zero quantity', { body: doc(attrs({ lines: [{ sku, quantity: 0 }] })) }, 422, '/data/attributes/lines/0/quantity'],
  ['a huge quantity', { body: doc(attrs({ lines: [{ sku, quantity: 1e12 }] })) }, 422, '/data/attributes/lines/0/quantity'],
  ['a fractional quantity', { body: doc(attrs({ lines: [{ sku, quantity: 1.5 }] })) }, 422, '/data/attributes/lines/0/quantity'],
  ['no lines', { body: doc(attrs({ lines: [] })) }, 422, '/data/attributes/lines'],
  ['the same SKU twice', { body: doc(attrs({ lines: [{ sku, quantity: 1 }, { sku, quantity: 2 }] })) }, 422, '/data/attributes/lines/1/sku'],
  ['an unknown SKU', { body: doc(attrs({ lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] })) }, 422, '/data/attributes/lines/0/sku'],
  ['a malformed SKU', { body: doc(attrs({ lines: [{ sku: '../../etc', quantity: 1 }] })) }, 422, '/data/attributes/lines/0/sku'],
  ['a customer id that is not a UUID', { body: doc(attrs({ customerId: 'bob' })) }, 422, '/data/attributes/customerId'],
  ['an unknown customer', { body: doc(attrs({ customerId: randomUUID() })) }, 422, '/data/attributes/customerId'],
  ['a 1 MB string', { body: doc(attrs({ shippingAddress: { ...ADDRESS, name: 'x'.repeat(1024 * 1024) } })) }, 413, ''],
  ['a name over the column width', { body: doc(attrs({ shippingAddress: { ...ADDRESS, name: 'x'.repeat(201) } })) }, 422, '/data/attributes/shippingAddress/name'],
  ['a lower-case country', { body: doc(attrs({ shippingAddress: { ...ADDRESS, country: 'us' } })) }, 422, '/data/attributes/shippingAddress/country'],
  ['a made-up country', { body: doc(attrs({ shippingAddress: { ...ADDRESS, country: 'XX' } })) }, 422, '/data/attributes/shippingAddress/country'],
  ['a blank city', { body: doc(attrs({ shippingAddress: { ...ADDRESS, city: '   ' } })) }, 422, '/data/attributes/shippingAddress/city'],
  ['SQL metacharacters in a SKU', { body: doc(attrs({ lines: [{ sku: "x'; DROP TABLE orders;--", quantity: 1 }] })) }, 422, '/data/attributes/lines/0/sku'],
  ['SQL metacharacters in a customer id', { body: doc(attrs({ customerId: "' OR 1=1 --" })) }, 422, '/data/attributes/customerId'],
  ['a null payment', { body: doc(attrs({ payment: null })) }, 422, '/data/attributes/payment'],
  ['a payment token with spaces', { body: doc(attrs({ payment: { token: 'tok ok' } })) }, 422, '/data/attributes/payment/token'],
];

describe('POST /v1/orders with bad input', () => {
  it.each(orderCases)('answers %s with a pointed 4xx and starts nothing', async (_what, request, status, pointer) => {
    const key = randomUUID();
    const res = await api.call('POST', '/v1/orders', { ...request, headers: { 'Idempotency-Key': key } });
    expect(res.status).toBe(status);
    const [error] = res.body.errors;
    expect(error.status).toBe(String(status));
    if (pointer) expect(error.source.pointer).toBe(pointer);
    expect(typeof error.detail).toBe('string');
    const orders = await api.dataSource.query('SELECT count(*)::int AS n FROM orders WHERE id = $1 OR customer_id = $2', [orderIdFor('dev-client', key), customerId]);
    expect(orders[0].n).toBe(0);
    await expect(api.env.client.workflow.getHandle(`order-${orderIdFor('dev-client', key)}`).describe()).rejects.toThrow();
  });

  it('keeps non-ASCII text intact where text is allowed, and refuses it in an Idempotency-Key', async () => {
    const name = 'Zoë Ångström 東京 🚚';
    const created = await api.call('POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name } } } });
    expect(created.status).toBe(201);
    expect(created.body.data.attributes.name).toBe(name);
    const badKey = await api.call('POST', '/v1/orders', { body: doc(attrs()), headers: { 'Idempotency-Key': 'clé-ß' } });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors[0].source.header).toBe('Idempotency-Key');
  });
});

describe('other routes with bad input', () => {
  const cases: [string, string, string, { rawBody?: string; body?: unknown; headers?: Record<string, string> }, number, string][] = [
    ['customer without a name', 'POST', '/v1/customers', { body: { data: { type: 'customers', attributes: {} } } }, 422, '/data/attributes/name'],
    ['customer with a bad email', 'POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'A', email: 'not-an-email' } } } }, 422, '/data/attributes/email'],
    ['customer with an unknown tier', 'POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'A', tier: 'P' } } } }, 422, '/data/attributes/tier'],
    ['product with a negative price', 'POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku: 'NEG-1', name: 'x', unitPrice: -1 } } } }, 422, '/data/attributes/unitPrice'],
    ['product with five decimals', 'POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku: 'DEC-1', name: 'x', unitPriceDecimal: '1.23456' } } } }, 422, '/data/attributes/unitPriceDecimal'],
    ['product without a price', 'POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku: 'NOP-1', name: 'x' } } } }, 422, '/data/attributes/unitPrice'],
    ['stock adjustment of zero', 'PATCH', '/v1/products/ANY-1', { body: { data: { type: 'products', id: 'ANY-1', attributes: { adjustment: 0 } } } }, 422, '/data/attributes/adjustment'],
    ['order id that is not a UUID', 'GET', '/v1/orders/1%20OR%201=1', {}, 400, ''],
    ['status nobody may set', 'PUT', `/v1/orders/${randomUUID()}/status`, { body: { data: { type: 'orders', id: 'x', attributes: { status: 'PROCESSING' } } } }, 422, '/data/attributes/status'],
    ['PUT with nothing to change', 'PUT', `/v1/orders/${randomUUID()}`, { body: { data: { type: 'orders', id: 'x', attributes: {} } } }, 422, '/data/attributes'],
    // PostgreSQL cannot store U+0000: refused up front (it was a 500).
    ['customer name with U+0000', 'POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'Ada\u0000' } } } }, 422, '/data/attributes/name'],
    ['product with both prices', 'POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku: 'TWO-1', name: 'x', unitPrice: 1999, unitPriceDecimal: '19.99' } } } }, 422, '/data/attributes/unitPrice'],
    ['a cursor the API never issued', 'GET', '/v1/orders?page[after]=eyJ4IjoxfQ', {}, 400, ''],
    ['a date without an offset', 'GET', '/v1/orders?filter[createdAt][gte]=2026-11-26T00:00:00', {}, 400, ''],
  ];

  it.each(cases)('answers %s with a pointed 4xx', async (_what, method, path, request, status, pointer) => {
    const before = await api.dataSource.query('SELECT (SELECT count(*) FROM customers)::int AS c, (SELECT count(*) FROM products)::int AS p');
    const res = await api.call(method, path, request);
    expect(res.status).toBe(status);
    const [error] = res.body.errors;
    if (status === 422) expect(error.source.pointer).toBe(pointer);
    else expect(error.source.parameter ?? error.source.header).toBeDefined();
    const after = await api.dataSource.query('SELECT (SELECT count(*) FROM customers)::int AS c, (SELECT count(*) FROM products)::int AS p');
    expect(after).toEqual(before);
  });
});

describe('what the OpenAPI document allows is accepted', () => {
  it('takes any RFC 3339 offset and year in a date filter (PostgreSQL alone takes neither -21:53 nor year 0000)', async () => {
    for (const at of ['0403-03-26T07:11:01-21:53', '0001-01-01T00:00:00+23:59', '9999-12-31T23:59:59.999999999Z']) {
      const res = await api.call('GET', `/v1/orders?filter[createdAt][gte]=${encodeURIComponent(at)}&filter[createdAt][lt]=${encodeURIComponent(at)}`);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([]);
    }
  });

  it('counts the characters of a text as the document does (code points, not UTF-16 units)', async () => {
    const name = '\u{1F600}'.repeat(200); // 200 characters, 400 UTF-16 units
    const created = await api.call('POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name } } } });
    expect(created.status).toBe(201);
    expect(created.body.data.attributes.name).toBe(name);
  });
});
