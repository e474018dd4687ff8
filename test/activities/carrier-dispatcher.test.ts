// The simulated carrier reports shipments shipped and delivered after their delays. This file
// has a schema of its own: a dispatcher claims every due shipment it can see.
import { CarrierSimulator } from '../../activities/adapters/carrier-simulator';
import { type CarrierDispatchEvent, CarrierDueSignal, dispatchDueCarrierEvents, startCarrierDispatcher } from '../../activities/adapters/carrier-dispatcher';
import { schemaForFile } from '../support/db';
import { address } from './fixtures';
import { randomUUID } from 'node:crypto';

const db = schemaForFile('carrier_dispatch');

async function book(carrier: CarrierSimulator) {
  const orderId = randomUUID();
  const booking = await carrier.createShipment({ idempotencyKey: `order-${orderId}:ship:1`, orderId, address: address() });
  return { orderId, ...booking };
}

const statusOf = async (carrierShipmentId: string) =>
  ((await db.dataSource.query('SELECT status FROM sim_carrier_shipments WHERE shipment_id = $1', [carrierShipmentId])) as { status: string }[])[0].status;

describe('the carrier dispatcher', () => {
  it('with zero delays reports shipped, then delivered, in one pass', async () => {
    const carrier = new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: 0, deliverAfterMs: 0 });
    const { orderId, carrierShipmentId, trackingNumber } = await book(carrier);
    const delivered: CarrierDispatchEvent[] = [];

    await dispatchDueCarrierEvents({ dataSource: db.dataSource, deliver: async (e) => void delivered.push(e) });

    expect(delivered).toEqual([
      { orderId, carrierShipmentId, trackingNumber, kind: 'shipped', at: expect.any(String) },
      { orderId, carrierShipmentId, trackingNumber, kind: 'delivered', at: expect.any(String) },
    ]);
    expect(await statusOf(carrierShipmentId)).toBe('DELIVERED');
  });

  it('waits for the delays: nothing before the ship delay, delivered only after the delivery delay', async () => {
    const carrier = new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: 60_000, deliverAfterMs: 60_000 });
    const { carrierShipmentId } = await book(carrier);
    const kinds: string[] = [];
    const deliver = async (e: CarrierDispatchEvent) => void kinds.push(e.kind);
    // The delays pass without waiting for them: the shipment's due times move a minute earlier.
    const aMinutePasses = () =>
      db.dataSource.query(
        `UPDATE sim_carrier_shipments SET ship_due_at = ship_due_at - interval '1 minute', deliver_due_at = deliver_due_at - interval '1 minute'
          WHERE shipment_id = $1`,
        [carrierShipmentId],
      );

    await dispatchDueCarrierEvents({ dataSource: db.dataSource, deliver });
    expect(kinds).toEqual([]);
    await aMinutePasses();
    await dispatchDueCarrierEvents({ dataSource: db.dataSource, deliver });
    expect(kinds).toEqual(['shipped']);
    await dispatchDueCarrierEvents({ dataSource: db.dataSource, deliver });
    expect(kinds).toEqual(['shipped']);
    await aMinutePasses();
    await dispatchDueCarrierEvents({ dataSource: db.dataSource, deliver });
    expect(kinds).toEqual(['shipped', 'delivered']);
    expect(await statusOf(carrierShipmentId)).toBe('DELIVERED');
  });

  it('marks an event sent only after deliver succeeded, and delivers it again later otherwise', async () => {
    const carrier = new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: 0, deliverAfterMs: null });
    const { carrierShipmentId } = await book(carrier);
    const errors: unknown[] = [];

    await dispatchDueCarrierEvents({
      dataSource: db.dataSource,
      retryAfterMs: 0,
      deliver: async () => Promise.reject(new Error('Temporal is away')),
      onError: (err) => errors.push(err),
    });
    expect(await statusOf(carrierShipmentId)).toBe('BOOKED');
    const kinds: string[] = [];
    await dispatchDueCarrierEvents({ dataSource: db.dataSource, deliver: async (e) => void kinds.push(e.kind) });

    expect(errors).toHaveLength(1);
    expect(kinds).toEqual(['shipped']);
    expect(await statusOf(carrierShipmentId)).toBe('SHIPPED'); // manual delivery: waits for the webhook
  });

  it('sends nothing in manual mode, and nothing for a cancelled shipment', async () => {
    const manual = await book(new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: null, deliverAfterMs: null }));
    const carrier = new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: 0, deliverAfterMs: 0 });
    const cancelled = await book(carrier);
    await carrier.cancelShipment({ idempotencyKey: 'cancel-1', carrierShipmentId: cancelled.carrierShipmentId });
    const sent: CarrierDispatchEvent[] = [];

    await dispatchDueCarrierEvents({ dataSource: db.dataSource, deliver: async (e) => void sent.push(e) });

    expect(sent).toEqual([]);
    expect(await statusOf(manual.carrierShipmentId)).toBe('BOOKED');
  });

  it('runs as a loop until stopped, delivering each shipment once even with two dispatchers', async () => {
    const carrier = new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: 0, deliverAfterMs: 0 });
    const bookings = await Promise.all(Array.from({ length: 20 }, () => book(carrier)));
    const sent: CarrierDispatchEvent[] = [];
    let allSent!: () => void;
    const fortySent = new Promise<void>((resolve) => (allSent = resolve));
    const deliver = async (e: CarrierDispatchEvent) => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // a delivery takes a moment: the dispatchers overlap
      sent.push(e);
      if (sent.length === 40) allSent();
    };

    const stops = [startCarrierDispatcher({ dataSource: db.dataSource, deliver, pollMs: 20, batchSize: 5 }), startCarrierDispatcher({ dataSource: db.dataSource, deliver, pollMs: 20, batchSize: 5 })];
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([fortySent, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${sent.length} of 40 events sent within 10 s`)), 10_000)))]);
    } finally {
      clearTimeout(timer);
      await Promise.all(stops.map((stop) => stop()));
    }

    expect(sent).toHaveLength(40);
    for (const { carrierShipmentId } of bookings) {
      expect(sent.filter((e) => e.carrierShipmentId === carrierShipmentId).map((e) => e.kind)).toEqual(['shipped', 'delivered']);
    }
  });

  it('sleeps until the next shipment falls due, not a poll interval: one booked before it started, one booked while it slept', async () => {
    const dueSignal = new CarrierDueSignal();
    const carrier = new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: 400, deliverAfterMs: null, dueSignal });
    const sent = new Map<string, number>();
    const shippedWithin = async (carrierShipmentId: string, ms: number) => {
      const deadline = Date.now() + ms;
      while (!sent.has(carrierShipmentId) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return sent.get(carrierShipmentId);
    };
    const earlier = await book(carrier);
    // A minute between polls: only the due times can wake it in time.
    const stop = startCarrierDispatcher({ dataSource: db.dataSource, deliver: async (e) => void sent.set(e.carrierShipmentId, Date.now()), pollMs: 60_000, dueSignal });
    try {
      expect(await shippedWithin(earlier.carrierShipmentId, 5000)).toBeDefined(); // its due time read from the database
      const bookedAt = Date.now();
      const later = await book(carrier);
      const shippedAt = await shippedWithin(later.carrierShipmentId, 5000); // the simulator's signal
      expect(shippedAt).toBeDefined();
      expect(shippedAt! - bookedAt).toBeGreaterThanOrEqual(350);
    } finally {
      await stop();
    }
  });
});
