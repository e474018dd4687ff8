// POST /v1/carrier-events: the carrier's webhook, signed the Standard Webhooks way with
// CARRIER_WEBHOOK_SECRET instead of a bearer token, on the real stack (the saga books the
// shipment; the signed event moves the order). A signature made by the reference signer (npm
// standardwebhooks) is accepted; a missing, wrong or stale one is 401 naming the header.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { type ApiHarness, newKey, orderBody, startApi } from '../support/api';
import { eventually } from '../support/temporal';

jest.setTimeout(180_000);

const SECRET = `whsec_${Buffer.from(randomUUID() + randomUUID()).toString('base64').slice(0, 44)}`;
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi({ env: { CARRIER_WEBHOOK_SECRET: SECRET } });
});

afterAll(async () => {
  await api?.close();
});

/** The headers the carrier sends with `body`, signed by the reference signer. */
function signed(body: string, secret = SECRET, at = new Date()): Record<string, string> {
  const id = `msg_${randomUUID()}`;
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
}

const event = (trackingNumber: string, kind: string) => JSON.stringify({ data: { type: 'carrier-events', attributes: { trackingNumber, kind } } });
const post = (body: string, headers: Record<string, string>) => api.call('POST', '/v1/carrier-events', { token: null, rawBody: body, headers });

async function bookedOrder(): Promise<{ orderId: string; tracking: string }> {
  const customer = await api.call('POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'Ada', email: `${randomUUID()}@example.test`, country: 'US' } } } });
  const sku = `C${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  await api.call('POST', '/v1/products', { body: { data: { type: 'products', attributes: { sku, name: `Widget ${sku}`, unitPriceDecimal: '12.5000', onHand: 5 } } } });
  const placed = await api.call('POST', '/v1/orders', { body: orderBody(customer.body.data.id, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': newKey() } });
  const orderId = placed.body.data.id;
  const [shipment] = await eventually(
    async () => {
      const rows = await api.dataSource.query(`SELECT tracking_number FROM shipments WHERE order_id = $1 AND status <> 'CANCELED'`, [orderId]);
      return rows.length > 0 ? rows : undefined;
    },
    'shipment booked',
  );
  return { orderId, tracking: shipment.tracking_number };
}

const statusOf = async (id: string) => (await api.call('GET', `/v1/orders/${id}`)).body.data.attributes.status as string;

describe('POST /v1/carrier-events', () => {
  it('takes a signed event without a token and moves the order', async () => {
    const { orderId, tracking } = await bookedOrder();
    const shipped = event(tracking, 'shipped');
    const res = await post(shipped, signed(shipped));
    expect(res.status).toBe(202);
    expect(res.body.data.attributes).toMatchObject({ orderId, trackingNumber: tracking });
    await eventually(async () => (await statusOf(orderId)) === 'SHIPPED', 'order shipped');
    const delivered = event(tracking, 'delivered');
    expect((await post(delivered, signed(delivered))).status).toBe(202);
    await eventually(async () => (await statusOf(orderId)) === 'DELIVERED', 'order delivered');
  });

  it('refuses a missing, wrong or stale signature with 401 naming the header, before reading the event', async () => {
    const body = event('1Z-NOPE', 'shipped');
    const good = signed(body);
    const cases: [Record<string, string>, string][] = [
      [{ 'webhook-id': good['webhook-id'], 'webhook-timestamp': good['webhook-timestamp'] }, 'webhook-signature'],
      [{ ...good, 'webhook-signature': signed(body, `whsec_${Buffer.alloc(32, 7).toString('base64')}`)['webhook-signature'] }, 'webhook-signature'],
      [{ ...good, 'webhook-id': 'msg_other' }, 'webhook-signature'],
      [signed(body, SECRET, new Date(Date.now() - 10 * 60_000)), 'webhook-timestamp'],
      [{ 'webhook-timestamp': good['webhook-timestamp'], 'webhook-signature': good['webhook-signature'] }, 'webhook-id'],
    ];
    for (const [headers, named] of cases) {
      const res = await post(body, headers);
      expect(res.status).toBe(401);
      expect(res.body.errors[0]).toMatchObject({ code: 'invalid_signature', source: { header: named } });
    }
    // A body changed after signing does not verify either.
    expect((await post(event('1Z-OTHER', 'shipped'), good)).status).toBe(401);
  });

  it('checks a signed event like any body: unknown tracking number and bad fields are 422 with a pointer', async () => {
    const unknown = event('1Z-UNKNOWN', 'shipped');
    const res = await post(unknown, signed(unknown));
    expect(res.status).toBe(422);
    expect(res.body.errors[0].source).toEqual({ pointer: '/data/attributes/trackingNumber' });
    const badKind = event('1Z-UNKNOWN', 'teleported');
    const bad = await post(badKind, signed(badKind));
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].source).toEqual({ pointer: '/data/attributes/kind' });
  });
});
