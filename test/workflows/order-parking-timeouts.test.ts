// Long timers on the time-skipping test server (its own, one test at a time): a parked order that
// nobody touches is escalated, then cancelled with its steps undone, so it cannot hold stock for
// ever; an order parked after shipping is escalated but never cancelled.
import { stockOf } from '../support/db';
import { FAST_PROVIDER_RETRY, SagaTestBed, eventTypes, invoicesOf, stateEventually } from '../support/temporal';
import { retrySignal } from '../../workflows/order-definitions';

jest.setTimeout(120_000);

const bed = new SagaTestBed('order-parking-timeouts', { server: 'time-skipping' });
beforeAll(() => bed.start());
afterAll(() => bed.stop());

const OPTIONS = { escalateAfter: '24h', autoCancelAfter: '72h', providerRetry: FAST_PROVIDER_RETRY } as const;

async function currentDetails(handle: Awaited<ReturnType<typeof bed.place>>['handle']): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

describe('a parked order nobody touches', () => {
  it('is escalated after escalateAfter and auto-cancelled, its steps undone, after autoCancelAfter', async () => {
    const { order, sku } = await bed.simpleOrder();
    bed.carrier.setFailing(true);
    try {
      const { handle } = await bed.place(order, { options: OPTIONS });
      const parked = await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the order to be parked');
      expect(parked.waitingFor).toMatch(/escalates after 24h, auto-cancels after 72h/);

      await bed.env.sleep('25h');
      const escalated = await handle.query('state');
      expect(escalated).toMatchObject({ status: 'NEEDS_ATTENTION', waitingFor: expect.stringMatching(/^ESCALATED: an operator to retry or cancel/) });
      expect(await currentDetails(handle)).toMatch(/ESCALATED/);

      // The carrier is back before the auto-cancel: its undo asks the carrier what the failed booking left.
      bed.carrier.setFailing(false);
      const final = await handle.result(); // skips the remaining 47 hours
      expect(final).toMatchObject({ status: 'CANCELLED', statusReason: expect.stringMatching(/^auto-cancelled: needed attention for 72h/) });
      expect(await eventTypes(bed.dataSource, order.orderId)).toEqual([
        'order.created',
        'inventory.reserved',
        'invoice.created',
        'payment.authorized',
        'order.needs_attention',
        'payment.voided',
        'invoice.voided',
        'inventory.released',
        'order.canceled',
      ]);
      expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 100, reserved: 0, available: 100 });
      expect(await invoicesOf(bed.dataSource, order.orderId)).toEqual([{ revision: 1, status: 'VOID' }]);
    } finally {
      bed.carrier.setFailing(false);
    }
  });

  it('is escalated but never cancelled when it was parked after the goods left', async () => {
    const { order } = await bed.simpleOrder();
    const { handle } = await bed.place(order, { options: OPTIONS });
    await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the shipment to be booked');
    bed.payment.setFailing(true); // the capture will fail
    try {
      await bed.carrierReports(order.orderId, 'shipped');
      const parked = await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', 'the capture to park the order');
      expect(parked).toMatchObject({ parkedFrom: 'SHIPPED', statusReason: expect.stringMatching(/^payment capture failed/) });
      expect(parked.waitingFor).not.toMatch(/auto-cancels/);

      await bed.env.sleep('100h');
      expect(await handle.query('state')).toMatchObject({ status: 'NEEDS_ATTENTION', waitingFor: expect.stringMatching(/^ESCALATED/) });

      bed.payment.setFailing(false);
      await handle.signal(retrySignal, { operator: 'ops@example.test' });
      await stateEventually(handle, (s) => s.waitingFor === 'the carrier to deliver the parcel', 'the capture after the retry');
      await bed.carrierReports(order.orderId, 'delivered');
      expect((await handle.result()).status).toBe('DELIVERED');
      const events = await eventTypes(bed.dataSource, order.orderId);
      expect(events.slice(-5)).toEqual(['order.shipped', 'order.needs_attention', 'order.resumed', 'payment.captured', 'order.delivered']);
    } finally {
      bed.payment.setFailing(false);
    }
  });
});
