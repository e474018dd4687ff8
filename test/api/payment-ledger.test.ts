// The payment ledger through the API: GET /v1/orders/{id}/payments lists every money movement,
// the order carries its `payment` summary and `version`, and another storefront sees nothing.
import { randomUUID } from 'node:crypto';
import { type ApiHarness, newKey, orderBody, shipWhenBooked, startApi, apiClients } from '../support/api';
import { eventually } from '../support/temporal';

jest.setTimeout(120_000);

const run = randomUUID().slice(0, 8);
const OTHER_SHOP = { id: `other-shop-${run}`, secret: 'secret-other', storefront: `other-shop-${run}` };
const DEV = { id: 'dev-client', secret: 'dev-secret', storefront: 'dev' };

let api: ApiHarness;
let otherShop: string;

beforeAll(async () => {
  const clients = [
    { ...OTHER_SHOP, scopes: ['orders:read', 'orders:write'] },
    { ...DEV, scopes: ['orders:read', 'orders:write', 'catalog:write', 'ops'] },
  ];
  const entries = await apiClients(clients);
  api = await startApi({ env: { API_CLIENTS: entries } });
  otherShop = await api.token('orders:read orders:write', OTHER_SHOP);
});

afterAll(async () => {
  await api?.close();
});

async function placedOrder(): Promise<string> {
  const sku = `P${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  expect((await api.call('POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku, name: sku, unitPriceDecimal: '40.0000', onHand: 10 } } } })).status).toBe(201);
  const customer = await api.call('POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'Ada', email: `${randomUUID()}@example.test`, country: 'US' } } } });
  const placed = await api.call('POST', '/v1/orders', { body: orderBody(customer.body.data.id, [{ sku, quantity: 2 }]), headers: { 'Idempotency-Key': newKey() } });
  expect(placed.status).toBe(202);
  return placed.body.data.id;
}

const readOrder = async (id: string) => (await api.call('GET', `/v1/orders/${id}`)).body.data.attributes;
const lastEventSeq = async (id: string) => (await api.dataSource.query('SELECT max(seq)::int AS seq FROM order_events WHERE order_id = $1', [id]))[0].seq as number;

describe('the payment ledger', () => {
  it('lists the authorization, then the capture at shipment, and the order sums them', async () => {
    const id = await placedOrder();
    await eventually(async () => (await api.dataSource.query(`SELECT 1 FROM shipments WHERE order_id = $1`, [id])).length > 0, 'shipment booked');

    const authorized = await api.call('GET', `/v1/orders/${id}/payments`);
    expect(authorized.status).toBe(200);
    expect(authorized.body.data).toEqual([
      expect.objectContaining({
        type: 'payments',
        attributes: expect.objectContaining({ orderId: id, kind: 'authorization', status: 'succeeded', amount: 8750, provider: 'simulator', returnId: null }),
      }),
    ]);
    const { authorizationId } = authorized.body.data[0].attributes;
    expect(authorized.body.data[0].attributes.providerReference).toBe(authorizationId);
    const beforeShipping = await readOrder(id);
    expect(beforeShipping.payment).toEqual({ authorized: 8750, captured: 0, refunded: 0, balance: 0 });
    expect(beforeShipping.version).toBe(await lastEventSeq(id));

    const shipped = await shipWhenBooked(api, id, `1Z${run}`);
    expect(shipped.status).toBe(200);
    const captured = await eventually(async () => {
      const res = await api.call('GET', `/v1/orders/${id}/payments`);
      return res.body.data.length === 2 ? res.body.data : undefined;
    }, 'capture booked');
    expect(captured[1].attributes).toMatchObject({ kind: 'capture', amount: 8750, authorizationId, providerReference: expect.stringMatching(/^cap_/) });

    const afterShipping = await eventually(async () => {
      const order = await readOrder(id);
      return order.payment.captured > 0 ? order : undefined;
    }, 'summary with the capture');
    expect(afterShipping.payment).toEqual({ authorized: 8750, captured: 8750, refunded: 0, balance: 0 });
    expect(afterShipping.version).toBeGreaterThan(beforeShipping.version);
  });

  it('pages oldest first', async () => {
    const id = await placedOrder();
    await eventually(async () => (await readOrder(id)).payment.authorized > 0, 'authorized');
    const page = await api.call('GET', `/v1/orders/${id}/payments?page[size]=1`);
    expect(page.body.data).toHaveLength(1);
    expect(page.body.links.next).toBeNull();
  });

  it("answers 404 for another storefront's order, and for an order that does not exist", async () => {
    const id = await placedOrder();
    const theirs = await api.call('GET', `/v1/orders/${id}/payments`, { token: otherShop });
    expect(theirs.status).toBe(404);
    expect((await api.call('GET', `/v1/orders/${randomUUID()}/payments`)).status).toBe(404);
    const bad = await api.call('GET', `/v1/orders/${id}/payments?page[size]=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].source).toEqual({ parameter: 'page[size]' });
  });
});
