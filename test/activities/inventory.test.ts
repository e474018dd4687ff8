// Step 2 and its compensation: reservations are atomic, exact and never oversell.
import { BusinessFailure } from '../../domain/failures';
import { createCustomer, createProduct, stockOf } from '../support/db';
import { type Kit, PLACED_AT, eventsOf, failureOf, openKit, orderInput, orderSnapshot, placedOrder } from './fixtures';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

const heldBy = (orderId: string) =>
  kit.dataSource.query(`SELECT sku, quantity FROM inventory_reservations WHERE order_id = $1 AND status = 'HELD' ORDER BY sku`, [orderId]);

describe('reserveInventory', () => {
  it('reserves every line and appends inventory.reserved', async () => {
    const { orderId, skus, lines } = await placedOrder(kit, { quantities: [2, 3], onHand: 10 });

    await kit.activities.reserveInventory({ orderId, lines });

    expect(await stockOf(kit.dataSource, skus[0])).toEqual({ onHand: 10, reserved: 2, available: 8 });
    expect(await stockOf(kit.dataSource, skus[1])).toEqual({ onHand: 10, reserved: 3, available: 7 });
    expect(await heldBy(orderId)).toEqual(expect.arrayContaining([{ sku: skus[0], quantity: 2 }, { sku: skus[1], quantity: 3 }]));
    expect((await eventsOf(kit.dataSource, orderId)).map((e) => e.type)).toEqual(['order.created', 'inventory.reserved']);
  });

  it('changes nothing when called again with the same lines', async () => {
    const { orderId, skus, lines } = await placedOrder(kit, { quantities: [2, 3] });
    await kit.activities.reserveInventory({ orderId, lines });
    const before = await orderSnapshot(kit.dataSource, orderId, skus);

    await kit.activities.reserveInventory({ orderId, lines });

    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(before);
  });

  it('fails OutOfStock (non-retryable) with the shortage, and reserves nothing of the other lines', async () => {
    const customerId = await createCustomer(kit.dataSource);
    const plenty = await createProduct(kit.dataSource, { onHand: 50 });
    const scarce = await createProduct(kit.dataSource, { onHand: 3 });
    const order = orderInput(customerId, [{ sku: plenty, quantity: 5 }, { sku: scarce, quantity: 4 }]);
    await kit.activities.placeOrder({ order, placedAt: PLACED_AT });

    const failure = await failureOf(kit.activities.reserveInventory({ orderId: order.orderId, lines: order.lines }));

    expect(failure).toMatchObject({ type: BusinessFailure.OutOfStock, nonRetryable: true, details: [{ sku: scarce, requested: 4, available: 3 }] });
    expect(await stockOf(kit.dataSource, plenty)).toEqual({ onHand: 50, reserved: 0, available: 50 });
    expect(await stockOf(kit.dataSource, scarce)).toEqual({ onHand: 3, reserved: 0, available: 3 });
    expect(await heldBy(order.orderId)).toEqual([]);
    expect((await eventsOf(kit.dataSource, order.orderId)).map((e) => e.type)).toEqual(['order.created']);
  });

  it('lets exactly 10 of 50 concurrent orders have the last 10 units, and available never goes below zero', async () => {
    const sku = await createProduct(kit.dataSource, { onHand: 10 });
    const customerId = await createCustomer(kit.dataSource);
    const orders = Array.from({ length: 50 }, () => orderInput(customerId, [{ sku, quantity: 1 }]));
    for (const order of orders) await kit.activities.placeOrder({ order, placedAt: PLACED_AT });

    let lowestAvailable = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        lowestAvailable = Math.min(lowestAvailable, (await stockOf(kit.dataSource, sku)).available);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const outcomes = await Promise.allSettled(orders.map((o) => kit.activities.reserveInventory({ orderId: o.orderId, lines: o.lines })));
    sampling = false;
    await sampler;

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const refusals = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => (o.reason as { type: string }).type);
    expect(refusals).toEqual(Array(40).fill(BusinessFailure.OutOfStock));
    expect(await stockOf(kit.dataSource, sku)).toEqual({ onHand: 10, reserved: 10, available: 0 });
    expect(lowestAvailable).toBeGreaterThanOrEqual(0);
  });

  it('does not deadlock when concurrent orders list the same SKUs in opposite orders', async () => {
    const [a, b] = [await createProduct(kit.dataSource, { onHand: 1000 }), await createProduct(kit.dataSource, { onHand: 1000 })];
    const customerId = await createCustomer(kit.dataSource);
    const orders = Array.from({ length: 30 }, (_, i) =>
      orderInput(customerId, i % 2 ? [{ sku: a, quantity: 1 }, { sku: b, quantity: 1 }] : [{ sku: b, quantity: 1 }, { sku: a, quantity: 1 }]),
    );
    for (const order of orders) await kit.activities.placeOrder({ order, placedAt: PLACED_AT });

    await Promise.all(orders.map((o) => kit.activities.reserveInventory({ orderId: o.orderId, lines: o.lines })));

    expect((await stockOf(kit.dataSource, a)).reserved).toBe(30);
    expect((await stockOf(kit.dataSource, b)).reserved).toBe(30);
  });

  it('after a change of lines reserves only the differences: more of one SKU, none of a dropped one, some of a new one', async () => {
    const { orderId, skus } = await placedOrder(kit, { quantities: [2, 3], onHand: 10 });
    const added = await createProduct(kit.dataSource, { onHand: 10 });
    await kit.activities.reserveInventory({ orderId, lines: [{ sku: skus[0], quantity: 2 }, { sku: skus[1], quantity: 3 }] });

    await kit.activities.reserveInventory({ orderId, lines: [{ sku: skus[0], quantity: 5 }, { sku: added, quantity: 1 }] });

    expect((await stockOf(kit.dataSource, skus[0])).reserved).toBe(5);
    expect((await stockOf(kit.dataSource, skus[1])).reserved).toBe(0);
    expect((await stockOf(kit.dataSource, added)).reserved).toBe(1);
    expect(await heldBy(orderId)).toEqual(expect.arrayContaining([{ sku: skus[0], quantity: 5 }, { sku: added, quantity: 1 }]));
    expect(await heldBy(orderId)).toHaveLength(2);
    const [, , changed] = await eventsOf(kit.dataSource, orderId);
    expect(changed.data.changes).toEqual(expect.arrayContaining([{ sku: skus[0], delta: 3 }, { sku: skus[1], delta: -3 }, { sku: added, delta: 1 }]));
  });

  it('keeps the first reservation when a change of lines runs out of stock', async () => {
    const { orderId, skus } = await placedOrder(kit, { quantities: [2], onHand: 4 });
    await kit.activities.reserveInventory({ orderId, lines: [{ sku: skus[0], quantity: 2 }] });

    const failure = await failureOf(kit.activities.reserveInventory({ orderId, lines: [{ sku: skus[0], quantity: 5 }] }));

    expect(failure).toMatchObject({ type: BusinessFailure.OutOfStock, details: [{ sku: skus[0], requested: 5, available: 4 }] });
    expect(await stockOf(kit.dataSource, skus[0])).toEqual({ onHand: 4, reserved: 2, available: 2 });
  });
});

describe('releaseInventory', () => {
  it('gives back everything the order holds and appends inventory.released once', async () => {
    const { orderId, skus, lines } = await placedOrder(kit, { quantities: [2, 3], onHand: 10 });
    await kit.activities.reserveInventory({ orderId, lines });

    await kit.activities.releaseInventory({ orderId });
    const afterFirst = await orderSnapshot(kit.dataSource, orderId, skus);
    await kit.activities.releaseInventory({ orderId });

    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(afterFirst);
    for (const sku of skus) expect(await stockOf(kit.dataSource, sku)).toEqual({ onHand: 10, reserved: 0, available: 10 });
    expect((await eventsOf(kit.dataSource, orderId)).map((e) => e.type)).toEqual(['order.created', 'inventory.reserved', 'inventory.released']);
  });

  it('appends nothing when the order holds nothing (the step never ran)', async () => {
    const { orderId } = await placedOrder(kit);

    await kit.activities.releaseInventory({ orderId });

    expect((await eventsOf(kit.dataSource, orderId)).map((e) => e.type)).toEqual(['order.created']);
  });

  it('releases nothing once the goods shipped: SHIPPED turns the reservation into a ship movement in the ledger', async () => {
    const { orderId, skus, lines } = await placedOrder(kit, { quantities: [2], onHand: 10 });
    await kit.activities.reserveInventory({ orderId, lines });

    await kit.activities.recordOrderEvent({ orderId, type: 'order.shipped', dedupeKey: 'shipped', status: 'SHIPPED' });
    await kit.activities.releaseInventory({ orderId });
    await kit.activities.reserveInventory({ orderId, lines });

    expect(await stockOf(kit.dataSource, skus[0])).toEqual({ onHand: 8, reserved: 0, available: 8 });
    const movements = await kit.dataSource.query('SELECT delta, reason, on_hand_after, order_id FROM stock_movements WHERE sku = $1 ORDER BY id', [skus[0]]);
    expect(movements).toEqual([
      { delta: 10, reason: 'receive', on_hand_after: 10, order_id: null },
      { delta: -2, reason: 'ship', on_hand_after: 8, order_id: orderId },
    ]);
  });

  it('is a no-op for an order that does not exist', async () => {
    await expect(kit.activities.releaseInventory({ orderId: '00000000-0000-4000-8000-00000000dead' })).resolves.toBeUndefined();
  });
});
