// The audit trail says who acted: every event caused through the API, including what a request
// sets off downstream, records the client and the request id; what nobody asked for through the
// API (the carrier) records the system. The worker's log lines for that work carry the request id.
// On the real stack: API, Temporal dev server, worker, PostgreSQL, Redis.
import { logger as workerLogger, workerLogLines } from '../support/worker-logs';
import { randomUUID } from 'node:crypto';
import { carrierEventDelivery } from '../../workers/order-worker';
import { type ApiHarness, type Json, newKey, orderBody, startApi } from '../support/api';
import { createCustomer, createProduct } from '../support/db';
import { eventually, HAPPY_PATH_EVENTS } from '../support/temporal';

jest.setTimeout(120_000);

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi({ activityLogger: workerLogger });
});

afterAll(async () => {
  await api?.close();
});

interface TrailEvent {
  type: string;
  actor: { type: 'client' | 'system'; id: string | null };
  requestId: string | null;
}

async function trail(orderId: string): Promise<TrailEvent[]> {
  const res = await api.call('GET', `/v1/orders/${orderId}/events?page[size]=100`);
  expect(res.status).toBe(200);
  return (res.body.data as Json[]).map((e) => ({ type: e.attributes.type, actor: e.attributes.actor, requestId: e.attributes.requestId }));
}

const byClient = (requestId: string) => ({ actor: { type: 'client', id: 'dev-client' }, requestId });
const BY_SYSTEM = { actor: { type: 'system', id: null }, requestId: null };

const untilEvent = (orderId: string, type: string) => eventually(async () => (await trail(orderId)).some((e) => e.type === type), `${type} of ${orderId}`);

/** An order placed through the API with this X-Request-Id, once its shipment is booked. */
async function placedAndBooked(requestId: string): Promise<string> {
  const customerId = await createCustomer(api.dataSource);
  const sku = await createProduct(api.dataSource, { onHand: 10 });
  const res = await api.call('POST', '/v1/orders', { body: orderBody(customerId, [{ sku, quantity: 1 }]), headers: { 'Idempotency-Key': newKey(), 'X-Request-Id': requestId } });
  expect(res.status).toBe(202);
  await untilEvent(res.body.data.id, 'shipment.created');
  return res.body.data.id;
}

async function shipmentOf(orderId: string): Promise<{ id: string; carrier_shipment_id: string; tracking_number: string }> {
  const [row] = await api.dataSource.query(`SELECT id, carrier_shipment_id, tracking_number FROM shipments WHERE order_id = $1 AND status <> 'CANCELED'`, [orderId]);
  return row;
}

// The SDK writes these two (debug) lines before any interceptor sees the call, so before the cause is known.
const BEFORE_INTERCEPTORS = new Set(['Activity started', 'Workflow started']);

/** The worker's log lines about one order's workflow and its activities. */
const workerLinesOf = (orderId: string) => workerLogLines.filter((line) => line.workflowId === `order-${orderId}` && !BEFORE_INTERCEPTORS.has(line.msg as string));

describe('the audit trail', () => {
  it("records the POST's client and request on every event it sets off, and the DELETE's on every compensation", async () => {
    const [placing, cancelling] = [`req-place-${randomUUID()}`, `req-cancel-${randomUUID()}`];
    const orderId = await placedAndBooked(placing);

    const placed = await trail(orderId);
    expect(placed.map((e) => e.type)).toEqual(['order.created', 'inventory.reserved', 'invoice.created', 'payment.authorized', 'shipment.created']);
    for (const event of placed) expect(event).toMatchObject(byClient(placing));

    const cancel = await api.call('DELETE', `/v1/orders/${orderId}`, { headers: { 'X-Request-Id': cancelling } });
    expect(cancel.status).toBe(200);
    await untilEvent(orderId, 'order.canceled');
    const undone = (await trail(orderId)).slice(placed.length);
    expect(undone.map((e) => e.type)).toEqual(['shipment.canceled', 'payment.voided', 'invoice.voided', 'inventory.released', 'order.canceled']);
    for (const event of undone) expect(event).toMatchObject(byClient(cancelling));

    // The worker's log lines for that work carry the request id that caused it.
    await eventually(async () => workerLinesOf(orderId).some((l) => l.msg === 'order saga finished'), 'the saga to log its end');
    const lines = workerLinesOf(orderId);
    const requestIdOf = (activityType: string) => [...new Set(lines.filter((l) => l.activityType === activityType).map((l) => l.requestId))];
    // openOrder: placeOrder, reserveInventory and createInvoice in one local activity.
    for (const step of ['openOrder', 'authorizePayment', 'createShipment']) expect([step, requestIdOf(step)]).toEqual([step, [placing]]);
    for (const undo of ['cancelShipment', 'voidPayment', 'voidInvoice', 'releaseInventory']) expect([undo, requestIdOf(undo)]).toEqual([undo, [cancelling]]);
    expect(lines.find((l) => l.msg === 'order saga finished')).toMatchObject({ requestId: cancelling, clientId: 'dev-client' });
    expect(new Set(lines.map((l) => l.requestId).filter(Boolean))).toEqual(new Set([placing, cancelling]));
  });

  it("records the system for the carrier's reports, and the client for the carrier webhook called through the API", async () => {
    const [placing, webhook] = [`req-place-${randomUUID()}`, `req-webhook-${randomUUID()}`];
    const orderId = await placedAndBooked(placing);
    const shipment = await shipmentOf(orderId);

    // The operator reports the parcel left through the API (a signal to the workflow)...
    const shipped = await api.call('POST', `/v1/shipments/${shipment.id}/events`, {
      body: { data: { type: 'shipment-events', attributes: { kind: 'shipped' } } },
      headers: { 'X-Request-Id': webhook },
    });
    expect(shipped.status).toBe(202);
    await untilEvent(orderId, 'payment.captured');
    // ...and the carrier simulator's dispatcher reports the delivery (a signal nobody sent through the API).
    await carrierEventDelivery(api.env.client)({
      orderId,
      carrierShipmentId: shipment.carrier_shipment_id,
      trackingNumber: shipment.tracking_number,
      kind: 'delivered',
      at: new Date().toISOString(),
    });
    await untilEvent(orderId, 'order.delivered');

    const events = await trail(orderId);
    expect(events.map((e) => e.type)).toEqual(HAPPY_PATH_EVENTS);
    for (const event of events.slice(0, 5)) expect(event).toMatchObject(byClient(placing));
    for (const event of events.slice(5, 7)) expect(event).toMatchObject(byClient(webhook));
    expect(events[7]).toMatchObject(BY_SYSTEM);
  });
});
