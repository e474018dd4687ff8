// Every activity run twice with the same input (a retry, a worker crash, a reset, a replay)
// answers the same and changes nothing: no row, no stock count, no event, no provider call that
// acts. (An undo looks at the provider by its step's key every time: only the provider can say
// whether a step that never recorded its answer did something there; a lookup changes nothing.)
import type { OrderActivities } from '../../activities/contract';
import { orderWorkflowId, stepIdempotencyKey } from '../../domain/ids';
import { type Kit, keyFor, openKit, orderSnapshot, placedOrder } from './fixtures';
import { HAPPY_PATH_EVENTS } from '../support/temporal';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

type Step = { name: string; run: () => Promise<unknown> };

/** The provider calls so far that do something there (lookups by idempotency key left out). */
const actingCalls = () => Object.fromEntries(Object.entries(kit.providerCalls).filter(([method]) => !method.startsWith('find')));

/** Runs each step twice; the second run must answer alike and leave every row as the first left it. */
async function expectEachStepIdempotent(orderId: string, skus: string[], steps: Step[]) {
  for (const step of steps) {
    const first = await step.run();
    const after = await orderSnapshot(kit.dataSource, orderId, skus);
    const calls = actingCalls();
    const second = await step.run();
    expect({ step: step.name, answer: second }).toEqual({ step: step.name, answer: first });
    expect({ step: step.name, rows: await orderSnapshot(kit.dataSource, orderId, skus) }).toEqual({ step: step.name, rows: after });
    expect({ step: step.name, providerCalls: actingCalls() }).toEqual({ step: step.name, providerCalls: calls });
  }
}

function sagaSteps(a: OrderActivities, placed: Awaited<ReturnType<typeof placedOrder>>) {
  const { orderId, order } = placed;
  if (!placed.placement.accepted) throw new Error('unreachable');
  const { lines, tier } = placed.placement;
  const amount = placed.placement.totals.total;
  return {
    place: { name: 'placeOrder', run: () => a.placeOrder({ order, placedAt: '2026-11-26T10:00:00.000Z' }) },
    reserve: { name: 'reserveInventory', run: () => a.reserveInventory({ orderId, lines: order.lines }) },
    invoice: { name: 'createInvoice', run: () => a.createInvoice({ orderId, revision: 1, lines, tier, country: 'US' }) },
    authorize: {
      name: 'authorizePayment',
      run: () => a.authorizePayment({ orderId, token: 'tok_ok', amount, idempotencyKey: keyFor(orderId, 'authorize') }),
    },
    ship: { name: 'createShipment', run: () => a.createShipment({ orderId, address: order.shippingAddress }) },
    shipped: { name: 'recordOrderEvent(shipped)', run: () => a.recordOrderEvent({ orderId, type: 'order.shipped', dedupeKey: 'shipped', status: 'SHIPPED' }) },
    capture: { name: 'capturePayment', run: () => a.capturePayment({ orderId, amount, idempotencyKey: keyFor(orderId, 'capture') }) },
    delivered: {
      name: 'recordOrderEvent(delivered)',
      run: () => a.recordOrderEvent({ orderId, type: 'order.delivered', dedupeKey: 'delivered', status: 'DELIVERED' }),
    },
    cancelShipment: { name: 'cancelShipment', run: () => a.cancelShipment({ orderId }) },
    voidPayment: { name: 'voidPayment', run: () => a.voidPayment({ orderId, idempotencyKey: keyFor(orderId, 'void-authorization') }) },
    voidInvoice: { name: 'voidInvoice', run: () => a.voidInvoice({ orderId, revision: 1 }) },
    release: { name: 'releaseInventory', run: () => a.releaseInventory({ orderId }) },
    canceled: {
      name: 'recordOrderEvent(canceled)',
      run: () => a.recordOrderEvent({ orderId, type: 'order.canceled', dedupeKey: 'canceled', status: 'CANCELLED', statusReason: 'asked' }),
    },
  } satisfies Record<string, Step>;
}

describe('every activity, run twice with the same input', () => {
  it('changes nothing the second time along the happy path to DELIVERED', async () => {
    const placed = await placedOrder(kit, { quantities: [2, 1], onHand: 5 });
    const s = sagaSteps(kit.activities, placed);

    await expectEachStepIdempotent(placed.orderId, placed.skus, [s.place, s.reserve, s.invoice, s.authorize, s.ship, s.shipped, s.capture, s.delivered]);

    const events = await kit.dataSource.query('SELECT type FROM order_events WHERE order_id = $1 ORDER BY seq', [placed.orderId]);
    expect(events.map((e: { type: string }) => e.type)).toEqual(HAPPY_PATH_EVENTS);
  });

  it('changes nothing the second time along the compensations of a cancelled order', async () => {
    const placed = await placedOrder(kit, { quantities: [3], onHand: 5 });
    const s = sagaSteps(kit.activities, placed);
    for (const step of [s.reserve, s.invoice, s.authorize, s.ship]) await step.run();

    await expectEachStepIdempotent(placed.orderId, placed.skus, [s.cancelShipment, s.voidPayment, s.voidInvoice, s.release, s.canceled]);

    const [stock] = await kit.dataSource.query('SELECT on_hand, reserved FROM products WHERE sku = $1', [placed.skus[0]]);
    expect(stock).toEqual({ on_hand: 5, reserved: 0 });
  });
});

describe('a worker that crashed after the provider answered, before recording it', () => {
  it('records the first authorization on retry: the provider holds one authorization, not two', async () => {
    const placed = await placedOrder(kit);
    if (!placed.placement.accepted) throw new Error('unreachable');
    const amount = placed.placement.totals.total;
    const idempotencyKey = keyFor(placed.orderId, 'authorize');
    // The attempt that crashed: the provider authorized, nothing reached PostgreSQL.
    const lost = await kit.payment.authorize({ idempotencyKey, token: 'tok_ok', amount, currency: 'USD', orderId: placed.orderId });

    const retried = await kit.activities.authorizePayment({ orderId: placed.orderId, token: 'tok_ok', amount, idempotencyKey });

    expect(retried).toEqual(lost);
    const held = await kit.dataSource.query(`SELECT count(*)::int AS n FROM sim_payment_operations WHERE operation = 'authorize' AND request->>'orderId' = $1`, [
      placed.orderId,
    ]);
    expect(held).toEqual([{ n: 1 }]);
  });

  it('records the first booking on retry: the carrier has one shipment, not two', async () => {
    const placed = await placedOrder(kit);
    const lost = await kit.carrier.createShipment({
      idempotencyKey: stepIdempotencyKey(orderWorkflowId(placed.orderId), 'ship', 1), // the first booking's key
      orderId: placed.orderId,
      address: placed.order.shippingAddress,
    });

    const retried = await kit.activities.createShipment({ orderId: placed.orderId, address: placed.order.shippingAddress });

    expect(retried.trackingNumber).toBe(lost.trackingNumber);
    expect(await kit.dataSource.query('SELECT count(*)::int AS n FROM sim_carrier_shipments WHERE order_id = $1', [placed.orderId])).toEqual([{ n: 1 }]);
  });
});
