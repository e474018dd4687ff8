// A carrier can report on a parcel before the booking's result has reached the workflow (the
// dispatcher runs beside the worker; signals are handled first in an activation). Such news is
// kept, not dropped, or the order would wait for the carrier for ever. (The booking is a local
// activity, patch 'local-provider-calls': reports sent while it runs reach the order in the next
// workflow task; the stored history carrier-reports-during-booking-delivered of the generation
// before it replays the overtaking.)
import { HAPPY_PATH_EVENTS, SagaTestBed, bookingUnderWay, eventTypes, orderRow, stateEventually } from '../support/temporal';
import { carrierEventSignal } from '../../workflows/order-definitions';

jest.setTimeout(90_000);

// A slow carrier and a slow payment provider: the booking (or the authorization) is still running when the reports arrive.
const bed = new SagaTestBed('order-early-carrier-events', { carrierLatencyMs: 2000, paymentLatencyMs: 2000 });
beforeAll(() => bed.start());
afterAll(() => bed.stop());

describe('carrier reports that overtake the booking', () => {
  it('delivers an order whose carrier reported shipped and delivered while the booking was still running', async () => {
    const { order } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await bookingUnderWay(handle);

    await handle.signal(carrierEventSignal, { kind: 'shipped' });
    await handle.signal(carrierEventSignal, { kind: 'delivered' });

    expect((await handle.result()).status).toBe('DELIVERED');
    const [shipment]: { tracking_number: string }[] = await bed.dataSource.query('SELECT tracking_number FROM shipments WHERE order_id = $1', [order.orderId]);
    expect((await orderRow(bed.dataSource, order.orderId))?.tracking_number).toBe(shipment.tracking_number);
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(HAPPY_PATH_EVENTS);
  });

  it('delivers an order whose carrier reported while the authorization was still running', async () => {
    // What a worker sees when the task that booked was lost (its worker killed, Temporal
    // restarted): the booking had been made and the carrier reported on it, so the reports come in
    // the history before the authorization's result, and the booking (same key) runs again after.
    const { order } = await bed.simpleOrder();
    const { handle } = await bed.place(order);
    await stateEventually(handle, (s) => s.waitingFor === 'authorizing the payment', 'the authorization to run');

    await handle.signal(carrierEventSignal, { kind: 'shipped' });
    await handle.signal(carrierEventSignal, { kind: 'delivered' });

    const outcome = await Promise.race([handle.result().then((s) => s.status), new Promise((resolve) => setTimeout(resolve, 30_000, 'still waiting'))]);
    expect(outcome).toBe('DELIVERED');
    const [shipment]: { tracking_number: string }[] = await bed.dataSource.query('SELECT tracking_number FROM shipments WHERE order_id = $1', [order.orderId]);
    expect((await orderRow(bed.dataSource, order.orderId))?.tracking_number).toBe(shipment.tracking_number);
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(HAPPY_PATH_EVENTS);
  });
});
