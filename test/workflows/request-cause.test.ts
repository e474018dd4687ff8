// The request cause through the order workflow on the dev server (workflows/request-cause*.ts):
// what a request sets off carries its client and request id, and what time sets off (the escalation
// and the auto-cancel of a parked order) is the system's. The header sits in the history readable,
// and holds nothing but the two ids.
import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { clientAddingCause } from '../../api/request-cause-header';
import { withRequestContext } from '../../runtime/logger';
import { REQUEST_CAUSE_HEADER } from '../../workflows/request-cause';
import { FAST_PROVIDER_RETRY, historyEvents, placeOrder, SagaTestBed, stateEventually } from '../support/temporal';

jest.setTimeout(120_000);

const bed = new SagaTestBed('request-cause');
beforeAll(() => bed.start());
afterAll(() => bed.stop());

async function trail(orderId: string): Promise<{ type: string; actor: string | null; requestId: string | null }[]> {
  return bed.dataSource.query('SELECT type, actor_client_id AS actor, request_id AS "requestId" FROM order_events WHERE order_id = $1 ORDER BY seq', [orderId]);
}

function causeHeadersIn(events: temporal.api.history.v1.IHistoryEvent[]): unknown[] {
  const found: unknown[] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'header' && value && typeof value === 'object') {
        const fields = (value as { fields?: Record<string, temporal.api.common.v1.IPayload> }).fields ?? {};
        for (const [name, payload] of Object.entries(fields)) {
          found.push({ name, encoding: Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString(), value: defaultPayloadConverter.fromPayload(payload as never) });
        }
      } else visit(value);
    }
  };
  events.forEach(visit);
  return found;
}

describe('the request cause', () => {
  it('is the placing request for the steps it sets off, and the system for the auto-cancel a timer sets off', async () => {
    const requestId = `req-${randomUUID()}`;
    const { order } = await bed.simpleOrder({ payment: { token: 'tok_down' } });
    // As the API places it: its Temporal client adds the cause of the request being served.
    const client = clientAddingCause(bed.client);
    const { handle } = await withRequestContext({ requestId, clientId: 'shop-1' }, () =>
      placeOrder(client, order, { taskQueue: bed.taskQueue, options: { escalateAfter: '1s', autoCancelAfter: '2s', providerRetry: FAST_PROVIDER_RETRY } }),
    );
    await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the order to be parked');
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED' });

    const events = await trail(order.orderId);
    const parked = events.findIndex((e) => e.type === 'order.needs_attention');
    expect(events.slice(0, parked + 1).map((e) => e.type)).toEqual(['order.created', 'inventory.reserved', 'invoice.created', 'order.needs_attention']);
    expect(events.slice(parked + 1).map((e) => e.type)).toEqual(expect.arrayContaining(['invoice.voided', 'inventory.released', 'order.canceled']));
    // The parking is the placing request's doing (its payment failed); the auto-cancel is time's.
    for (const event of events.slice(0, parked + 1)) expect(event).toMatchObject({ actor: 'shop-1', requestId });
    for (const event of events.slice(parked + 1)) expect(event).toMatchObject({ actor: null, requestId: null });

    // In the history: on the start, the update and the steps scheduled before the timers fired;
    // plain JSON (headers skip the payload codec), the two ids and nothing else.
    const headers = causeHeadersIn(await historyEvents(handle));
    expect(headers.length).toBeGreaterThanOrEqual(3);
    for (const header of headers) expect(header).toEqual({ name: REQUEST_CAUSE_HEADER, encoding: 'json/plain', value: { clientId: 'shop-1', requestId } });
  });

  it("is the system for what a cancellation requested through Temporal (the UI's Cancel button) undoes", async () => {
    const { order } = await bed.simpleOrder();
    const { handle } = await withRequestContext({ requestId: 'req-place', clientId: 'shop-1' }, () => placeOrder(clientAddingCause(bed.client), order, { taskQueue: bed.taskQueue }));
    await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'booked');
    await handle.cancel();
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED' });

    const events = await trail(order.orderId);
    const booked = events.findIndex((e) => e.type === 'shipment.created');
    for (const event of events.slice(0, booked + 1)) expect(event).toMatchObject({ actor: 'shop-1', requestId: 'req-place' });
    expect(events.slice(booked + 1).map((e) => e.type)).toEqual(expect.arrayContaining(['shipment.canceled', 'inventory.released', 'order.canceled']));
    for (const event of events.slice(booked + 1)) expect(event).toMatchObject({ actor: null, requestId: null });
  });

  it('is the system for an order started without one (the migration, a client of our own)', async () => {
    const { order } = await bed.simpleOrder();
    await bed.place(order);
    await stateEventually(await bed.client.workflow.getHandle(`order-${order.orderId}`), (s) => s.waitingFor.startsWith('the carrier to pick up'), 'booked');
    const events = await trail(order.orderId);
    expect(events.length).toBeGreaterThanOrEqual(5);
    for (const event of events) expect(event).toMatchObject({ actor: null, requestId: null });
  });
});
