// Returns through the API on the real stack: request within the window, receive with
// dispositions, refund exactly by the formula (ledger row, credit note), restock once, expiry by
// the workflow's timer, cancel while requested, bad input as 4xx naming the field with nothing
// written, and storefronts.
import { createHash, randomUUID } from 'node:crypto';
import { requestReturnUpdate, returnWorkflowStartOptions, RETURN_WORKFLOW_TYPE } from '../../workflows/return-definitions';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { ADDRESS, type ApiHarness, newKey, orderBody, shipWhenBooked, startApi, apiClients } from '../support/api';
import { eventually } from '../support/temporal';
import { newWebhookSecret, webhookHeaders } from '../../runtime/webhook-signature';

jest.setTimeout(180_000);

const run = randomUUID().slice(0, 8);
const OTHER_SHOP = { id: `other-shop-${run}`, secret: 'secret-other', storefront: `other-shop-${run}` };
const DEV = { id: 'dev-client', secret: 'dev-secret', storefront: 'dev' };
const YEAR = new Date().getUTCFullYear();

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

const sku = () => `R${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;

async function product(unitPriceDecimal: string): Promise<string> {
  const s = sku();
  const res = await api.call('POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku: s, name: s, unitPriceDecimal, onHand: 10 } } } });
  expect(res.status).toBe(201);
  return s;
}

const onHand = async (s: string) => (await api.call('GET', `/v1/products/${s}`)).body.data.attributes.onHand as number;

/**
 * A discounted (tier G: 10%), taxed (CA: 5%) order, shipped and delivered: A 3 × 19.99, B 1 × 25.5050
 * (domain/returns.test.ts prices it: subtotal 85.48, discount 8.55, shipping 12.00, tax 4.45, total 93.38).
 */
async function deliveredOrder(): Promise<{ id: string; a: string; b: string }> {
  const [a, b] = [await product('19.9900'), await product('25.5050')];
  const customer = await api.call('POST', '/v1/customers', {
    body: { data: { type: 'customers', attributes: { name: 'Ada', email: `${randomUUID()}@example.test`, country: 'CA', tier: 'G' } } },
  });
  expect(customer.status).toBe(201);
  const placed = await api.call('POST', '/v1/orders', {
    body: orderBody(customer.body.data.id, [{ sku: a, quantity: 3 }, { sku: b, quantity: 1 }], { shippingAddress: { ...ADDRESS, country: 'CA' } }),
    headers: { 'Idempotency-Key': newKey() },
  });
  expect(placed.status).toBe(202);
  const id = placed.body.data.id as string;
  await eventually(async () => (await api.dataSource.query(`SELECT 1 FROM shipments WHERE order_id = $1`, [id])).length > 0, 'shipment booked');
  const move = (attributes: Record<string, unknown>) => api.call('PUT', `/v1/orders/${id}/status`, { body: { data: { type: 'orders', id, attributes } } });
  expect((await shipWhenBooked(api, id, `1Z${run}`)).status).toBe(200);
  expect((await move({ status: 'DELIVERED' })).status).toBe(200);
  const order = await eventually(async () => {
    const o = (await api.call('GET', `/v1/orders/${id}`)).body.data.attributes;
    return o.status === 'DELIVERED' && o.payment.captured > 0 ? o : undefined;
  }, 'delivered and captured');
  expect(order.totals).toEqual({ subtotal: 8548, discount: 855, shipping: 1200, tax: 445, total: 9338 });
  return { id, a, b };
}

const requestReturn = (orderId: string, lines: unknown[], options: { token?: string; key?: string } = {}) =>
  api.call('POST', `/v1/orders/${orderId}/returns`, {
    body: { data: { type: 'returns', attributes: { lines } } },
    ...(options.token ? { token: options.token } : {}),
    ...(options.key ? { headers: { 'Idempotency-Key': options.key } } : {}),
  });
const receive = (returnId: string, lines: unknown[]) => api.call('POST', `/v1/returns/${returnId}/receive`, { body: { data: { type: 'returns', attributes: { lines } } } });
const returnsOf = async (orderId: string) => (await api.dataSource.query('SELECT count(*)::int AS n FROM returns WHERE order_id = $1', [orderId]))[0].n as number;

describe('returns', () => {
  it('a partial return of a discounted, taxed, shipped order refunds exactly the formula; the last return refunds the rest, shipping included', async () => {
    const { id, a, b } = await deliveredOrder();
    const [aBefore, bBefore] = [await onHand(a), await onHand(b)];

    const key = newKey();
    const requested = await requestReturn(id, [{ sku: a, quantity: 1, reason: 'too small' }], { key });
    expect(requested.status).toBe(201);
    expect(requested.headers.get('location')).toBe(`/v1/returns/${requested.body.data.id}`);
    expect(requested.body.data.attributes).toMatchObject({
      orderId: id,
      status: 'REQUESTED',
      rma: expect.stringMatching(new RegExp(`^RMA-${YEAR}-\\d{6}$`)),
      lines: [{ sku: a, quantity: 1, reason: 'too small', receivedQuantity: null, disposition: null }],
      refund: null,
      creditNote: null,
    });
    const first = requested.body.data.id as string;
    // The same key reaches the same return.
    expect((await requestReturn(id, [{ sku: a, quantity: 1, reason: 'too small' }], { key })).body.data.id).toBe(first);

    const received = await receive(first, [{ sku: a, receivedQuantity: 1, disposition: 'restock' }]);
    expect(received.status).toBe(200);
    expect(received.body.data.attributes).toMatchObject({
      status: 'REFUNDED',
      lines: [{ sku: a, quantity: 1, receivedQuantity: 1, disposition: 'restock' }],
      refund: { subtotal: 1999, discount: 200, shipping: 0, tax: 90, total: 1889 },
      creditNote: { number: expect.stringMatching(new RegExp(`^CN-${YEAR}-\\d{6}$`)), subtotal: -1999, discount: 200, shipping: 0, tax: -90, total: -1889 },
    });
    expect(await onHand(a)).toBe(aBefore + 1);
    // The receive sent again (its answer lost) answers the return as it is, and restocks nothing
    // more; another receive of it is refused.
    const again = await receive(first, [{ sku: a, receivedQuantity: 1, disposition: 'restock' }]);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(received.body.data);
    expect(await onHand(a)).toBe(aBefore + 1);
    expect((await receive(first, [{ sku: a, receivedQuantity: 1, disposition: 'damaged' }])).status).toBe(409);
    const afterFirst = (await api.call('GET', `/v1/orders/${id}`)).body.data.attributes.payment;
    expect(afterFirst).toEqual({ authorized: 9338, captured: 9338, refunded: 1889, balance: 0 });

    // The rest: two A restocked, B damaged (refunded, not restocked). The last unit back: captured − refunded.
    const second = (await requestReturn(id, [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }])).body.data.id as string;
    const last = await receive(second, [
      { sku: a, receivedQuantity: 2, disposition: 'restock' },
      { sku: b, receivedQuantity: 1, disposition: 'damaged' },
    ]);
    expect(last.body.data.attributes).toMatchObject({ status: 'REFUNDED', refund: { subtotal: 6549, discount: 655, shipping: 1200, tax: 355, total: 7449 } });
    expect(await onHand(a)).toBe(aBefore + 3);
    expect(await onHand(b)).toBe(bBefore);
    expect((await api.call('GET', `/v1/orders/${id}`)).body.data.attributes.payment).toEqual({ authorized: 9338, captured: 9338, refunded: 9338, balance: 0 });

    const ledger = (await api.call('GET', `/v1/orders/${id}/payments`)).body.data.map((p: { attributes: object }) => p.attributes);
    expect(ledger.filter((m: { kind: string }) => m.kind === 'refund')).toEqual([
      expect.objectContaining({ amount: 1889, returnId: first, providerReference: expect.any(String) }),
      expect.objectContaining({ amount: 7449, returnId: second }),
    ]);
    const events = (await api.dataSource.query('SELECT type FROM order_events WHERE order_id = $1 AND seq > 0 ORDER BY seq', [id])).map((e: { type: string }) => e.type);
    expect(events.filter((t: string) => /^(return|payment.refunded|inventory.restocked)/.test(t))).toEqual([
      'return.requested', 'return.received', 'inventory.restocked', 'payment.refunded',
      'return.requested', 'return.received', 'inventory.restocked', 'payment.refunded',
    ]);
    const listed = await api.call('GET', `/v1/orders/${id}/returns`);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([first, second]);
    // Nothing is left to return.
    const more = await requestReturn(id, [{ sku: a, quantity: 1 }]);
    expect(more.status).toBe(422);
    expect(more.body.errors[0]).toMatchObject({ code: 'quantity_too_large', source: { pointer: '/data/attributes/lines/0/quantity' } });
  });

  it('refuses bad input with a 4xx naming the field, and writes nothing', async () => {
    const { id, a } = await deliveredOrder();
    const cases: [unknown[], number, object][] = [
      [[{ sku: a, quantity: 4 }], 422, { pointer: '/data/attributes/lines/0/quantity' }],
      [[{ sku: 'NOT-ON-ORDER', quantity: 1 }], 422, { pointer: '/data/attributes/lines/0/sku' }],
      [[{ sku: a, quantity: 0 }], 422, { pointer: '/data/attributes/lines/0/quantity' }],
      [[{ sku: a, quantity: 1, colour: 'red' }], 422, { pointer: '/data/attributes/lines/0/colour' }],
      [[], 422, { pointer: '/data/attributes/lines' }],
    ];
    for (const [lines, status, source] of cases) {
      const res = await requestReturn(id, lines);
      expect({ lines, status: res.status, source: res.body.errors?.[0]?.source }).toEqual({ lines, status, source });
    }
    expect((await requestReturn(id, [{ sku: a, quantity: 1 }], { token: otherShop })).status).toBe(404);
    expect((await requestReturn(randomUUID(), [{ sku: a, quantity: 1 }])).status).toBe(404);

    // After the window: delivery 31 days ago.
    await api.dataSource.query(`UPDATE order_events SET occurred_at = now() - interval '31 days' WHERE order_id = $1 AND type = 'order.delivered'`, [id]);
    const late = await requestReturn(id, [{ sku: a, quantity: 1 }]);
    expect(late.status).toBe(422);
    expect(late.body.errors[0]).toMatchObject({ code: 'return_window_closed', source: { parameter: 'id' } });
    expect(await returnsOf(id)).toBe(0);
  });

  it('refuses a return of an order not yet delivered', async () => {
    const a = await product('10.0000');
    const customer = await api.call('POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'Bo', email: `${randomUUID()}@example.test`, country: 'US' } } } });
    const placed = await api.call('POST', '/v1/orders', { body: orderBody(customer.body.data.id, [{ sku: a, quantity: 1 }]), headers: { 'Idempotency-Key': newKey() } });
    const res = await requestReturn(placed.body.data.id, [{ sku: a, quantity: 1 }]);
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ code: 'order_not_delivered', source: { parameter: 'id' } });
    expect(await returnsOf(placed.body.data.id)).toBe(0);
  });

  it('cancels a requested return, once; a cancelled return cannot be received; its units can be asked back again', async () => {
    const { id, a } = await deliveredOrder();
    const returnId = (await requestReturn(id, [{ sku: a, quantity: 3 }])).body.data.id as string;
    const badReceive = await receive(returnId, [{ sku: a, receivedQuantity: 4, disposition: 'restock' }]);
    expect(badReceive.status).toBe(422);
    expect(badReceive.body.errors[0].source).toEqual({ pointer: '/data/attributes/lines/0/receivedQuantity' });
    expect((await api.call('DELETE', `/v1/returns/${returnId}`, { token: otherShop })).status).toBe(404);

    const cancelled = await api.call('DELETE', `/v1/returns/${returnId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.attributes.status).toBe('CANCELLED');
    expect((await api.call('DELETE', `/v1/returns/${returnId}`)).status).toBe(200);
    expect((await receive(returnId, [{ sku: a, receivedQuantity: 1, disposition: 'restock' }])).status).toBe(409);
    expect((await requestReturn(id, [{ sku: a, quantity: 3 }])).status).toBe(201);
  });

  it('a return request retried after an answer that never came (a 5xx is not stored) gets its return, not a 422 for the units it claimed', async () => {
    const { id, a } = await deliveredOrder();
    const key = newKey();
    const first = await requestReturn(id, [{ sku: a, quantity: 3 }], { key });
    expect(first.status).toBe(201);
    // As after a 503 whose request went through: no stored answer to replay, so the retry runs again (found by the fault drill).
    await api.deps.redis.del(`idempotency:dev-client:${createHash('sha256').update(key).digest('hex')}`);
    const retried = await requestReturn(id, [{ sku: a, quantity: 3 }], { key });
    expect(retried.status).toBe(201);
    expect(retried.body.data.id).toBe(first.body.data.id);
    expect(await returnsOf(id)).toBe(1);
    // Another key still finds every unit claimed.
    expect((await requestReturn(id, [{ sku: a, quantity: 1 }], { key: newKey() })).status).toBe(422);
  });

  it("keeps returns to their storefront: another storefront's return is 404 and never listed", async () => {
    const { id, a } = await deliveredOrder();
    const returnId = (await requestReturn(id, [{ sku: a, quantity: 1 }])).body.data.id as string;
    expect((await api.call('GET', `/v1/returns/${returnId}`)).status).toBe(200);
    expect((await api.call('GET', `/v1/returns/${returnId}`, { token: otherShop })).status).toBe(404);
    expect((await api.call('GET', `/v1/orders/${id}/returns`, { token: otherShop })).status).toBe(404);
    const theirs = await api.call('GET', '/v1/returns?page[size]=100', { token: otherShop });
    expect(theirs.status).toBe(200);
    expect(theirs.body.data.map((r: { id: string }) => r.id)).not.toContain(returnId);
    const ours = await api.call('GET', '/v1/returns?filter[status]=REQUESTED&page[size]=100');
    expect(ours.body.data.map((r: { id: string }) => r.id)).toContain(returnId);
    const storefront = await api.token('orders:read orders:write', DEV);
    expect((await api.call('POST', `/v1/returns/${returnId}/receive`, { token: storefront, body: { data: { type: 'returns', attributes: { lines: [{ sku: a, receivedQuantity: 1, disposition: 'restock' }] } } } })).status).toBe(403);
  });

  it('takes a receipt signed by the carrier instead of a token, and names the carrier in the event trail', async () => {
    const { id, a } = await deliveredOrder();
    const returnId = (await requestReturn(id, [{ sku: a, quantity: 1 }])).body.data.id as string;
    const path = `/v1/returns/${returnId}/receive`;
    const body = JSON.stringify({ data: { type: 'returns', attributes: { lines: [{ sku: a, receivedQuantity: 1, disposition: 'restock' }] } } });
    const signedBy = (secret: string, signedBody = body) => webhookHeaders([secret], `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), signedBody);
    const carrierSecret = api.deps.config.CARRIER_WEBHOOK_SECRET;

    const forged = await api.call('POST', path, { token: null, rawBody: body, headers: signedBy(newWebhookSecret()) });
    expect(forged.status).toBe(401);
    expect(forged.body.errors[0]).toMatchObject({ code: 'invalid_signature', source: { header: 'webhook-signature' } });
    // The signature opens the receive only: any other route still asks for a token.
    expect((await api.call('DELETE', `/v1/returns/${returnId}`, { token: null, headers: signedBy(carrierSecret, '') })).status).toBe(401);
    expect((await api.call('GET', `/v1/returns/${returnId}`)).body.data.attributes.status).toBe('REQUESTED');

    const received = await api.call('POST', path, { token: null, rawBody: body, headers: signedBy(carrierSecret) });
    expect(received.status).toBe(200);
    expect(received.body.data.attributes).toMatchObject({ status: 'REFUNDED', lines: [{ sku: a, receivedQuantity: 1, disposition: 'restock' }] });
    const trail = await api.dataSource.query(`SELECT actor_client_id FROM order_events WHERE order_id = $1 AND type = 'return.received'`, [id]);
    expect(trail).toEqual([{ actor_client_id: 'carrier' }]);
  });

  it('an unreceived return expires by its durable timer', async () => {
    const { id, a } = await deliveredOrder();
    const returnId = randomUUID();
    const input = { returnId, orderId: id, lines: [{ sku: a, quantity: 1 }], requestedAt: new Date().toISOString(), windowDays: 30, receiptDays: 2 / 86400 };
    const start = new WithStartWorkflowOperation(RETURN_WORKFLOW_TYPE, returnWorkflowStartOptions(input, api.deps.config.ORDERS_TASK_QUEUE));
    const state = await api.env.client.workflow.executeUpdateWithStart(requestReturnUpdate, { updateId: returnId, startWorkflowOperation: start });
    expect(state.status).toBe('REQUESTED');
    const expired = await eventually(async () => {
      const r = (await api.call('GET', `/v1/returns/${returnId}`)).body.data.attributes;
      return r.status === 'EXPIRED' ? r : undefined;
    }, 'expired');
    expect(expired.refund).toBeNull();
    expect((await receive(returnId, [{ sku: a, receivedQuantity: 1, disposition: 'restock' }])).status).toBe(409);
    // Its unit is free again.
    expect((await requestReturn(id, [{ sku: a, quantity: 3 }])).status).toBe(201);
  });
});
