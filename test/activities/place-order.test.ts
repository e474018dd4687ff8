// Step 1: placeOrder checks the order against the catalogue, prices it and records it.
import { BusinessFailure } from '../../domain/failures';
import { createCustomer, createProduct } from '../support/db';
import { type Kit, PLACED_AT, address, eventsOf, failureOf, openKit, orderInput, orderRow, orderSnapshot } from './fixtures';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

describe('placeOrder', () => {
  it('records an accepted order as PENDING with priced lines, totals and order.created', async () => {
    const customerId = await createCustomer(kit.dataSource, { tier: null });
    const sku = await createProduct(kit.dataSource, { unitPriceDecimal: '19.9950' });
    const order = orderInput(customerId, [{ sku, quantity: 3 }]);

    const placed = await kit.activities.placeOrder({ order, placedAt: PLACED_AT });

    // 3 x 19.995 = 59.985 -> 59.99; + 7.50 US shipping under 100.00; US tax 0
    expect(placed).toEqual({
      accepted: true,
      tier: null,
      lines: [{ sku, quantity: 3, unitPrice: 2000, unitPriceDecimal: '19.9950', discountPct: '0.00', amount: 5999 }],
      totals: { subtotal: 5999, discount: 0, shipping: 750, tax: 0, total: 6749 },
    });
    const row = await orderRow(kit.dataSource, order.orderId);
    expect(row).toMatchObject({ status: 'PENDING', status_reason: null, customer_id: customerId, total: '6749', event_seq: 1 });
    expect((row.created_at as Date).toISOString()).toBe(PLACED_AT);
    expect(row.shipping_address).toEqual(order.shippingAddress);
    const lines = await kit.dataSource.query('SELECT sku, quantity, unit_price_decimal, amount FROM order_lines WHERE order_id = $1', [order.orderId]);
    expect(lines).toEqual([{ sku, quantity: 3, unit_price_decimal: '19.9950', amount: '5999' }]);
    expect((await eventsOf(kit.dataSource, order.orderId)).map((e) => [e.seq, e.type])).toEqual([[1, 'order.created']]);
  });

  it("prices with the customer's tier and the shipping country", async () => {
    const customerId = await createCustomer(kit.dataSource, { tier: 'G' });
    const sku = await createProduct(kit.dataSource, { unitPriceDecimal: '50.0000' });
    const order = orderInput(customerId, [{ sku, quantity: 1 }], { shippingAddress: address('CA') });

    const placed = await kit.activities.placeOrder({ order, placedAt: PLACED_AT });

    // 50.00 - 10% = 45.00; + 12.00 international shipping; CA tax 5% of 57.00 = 2.85
    expect(placed).toMatchObject({ accepted: true, tier: 'G', totals: { subtotal: 5000, discount: 500, shipping: 1200, tax: 285, total: 5985 } });
  });

  it.each([
    ['an unknown customer', BusinessFailure.UnknownCustomer, async () => ({ customerId: '00000000-0000-4000-8000-000000000000' })],
    ['a customer id that is no UUID', BusinessFailure.UnknownCustomer, async () => ({ customerId: 'cust-42' })],
    ['an inactive customer', BusinessFailure.CustomerInactive, async () => ({ customerId: await createCustomer(kit.dataSource, { active: false }) })],
    ["another storefront's customer", BusinessFailure.UnknownCustomer, async () => ({ storefront: 'other-shop' })],
    ['an unknown SKU', BusinessFailure.UnknownSku, async () => ({ lines: [{ sku: 'NO-SUCH-SKU-1', quantity: 1 }] })],
    ['a quantity of zero', BusinessFailure.InvalidOrder, async () => ({ lines: [{ sku: 'ANY', quantity: 0 }] })],
    ['an invalid country', BusinessFailure.InvalidOrder, async () => ({ shippingAddress: address('XX') })],
  ])('rejects an order with %s: REJECTED with the reason, order.created + order.rejected', async (_case, failure, overrides) => {
    const customerId = await createCustomer(kit.dataSource);
    const sku = await createProduct(kit.dataSource);
    const order = orderInput(customerId, [{ sku, quantity: 1 }], await overrides());

    const placed = await kit.activities.placeOrder({ order, placedAt: PLACED_AT });

    expect(placed).toEqual({ accepted: false, failure, reason: expect.any(String) });
    const reason = (placed as { reason: string }).reason;
    expect(await orderRow(kit.dataSource, order.orderId)).toMatchObject({ status: 'REJECTED', status_reason: reason, total: null });
    const events = await eventsOf(kit.dataSource, order.orderId);
    expect(events.map((e) => [e.seq, e.type])).toEqual([[1, 'order.created'], [2, 'order.rejected']]);
    expect(events[1].data).toEqual({ failure, reason });
  });

  it("records the order in the placing client's storefront; an order placed before storefronts goes with its customer", async () => {
    const sku = await createProduct(kit.dataSource);
    const customerId = await createCustomer(kit.dataSource, { storefront: 'shop-a' });
    const placed = orderInput(customerId, [{ sku, quantity: 1 }], { storefront: 'shop-a' });
    const older = orderInput(customerId, [{ sku, quantity: 1 }]);

    await kit.activities.placeOrder({ order: placed, placedAt: PLACED_AT });
    await kit.activities.placeOrder({ order: older, placedAt: PLACED_AT });

    expect(await orderRow(kit.dataSource, placed.orderId)).toMatchObject({ status: 'PENDING', storefront: 'shop-a' });
    expect(await orderRow(kit.dataSource, older.orderId)).toMatchObject({ status: 'PENDING', storefront: 'shop-a' });
  });

  it('answers a second call with the recorded result and changes nothing, even after the catalogue changed', async () => {
    const customerId = await createCustomer(kit.dataSource);
    const sku = await createProduct(kit.dataSource, { unitPriceDecimal: '10.0000' });
    const order = orderInput(customerId, [{ sku, quantity: 1 }]);
    const first = await kit.activities.placeOrder({ order, placedAt: PLACED_AT });
    const before = await orderSnapshot(kit.dataSource, order.orderId, [sku]);

    await kit.dataSource.query(`UPDATE products SET unit_price_decimal = 99, unit_price = 9900 WHERE sku = $1`, [sku]);
    const second = await kit.activities.placeOrder({ order, placedAt: '2030-01-01T00:00:00.000Z' });

    expect(second).toEqual(first);
    const after = await orderSnapshot(kit.dataSource, order.orderId, [sku]);
    expect({ ...after, products: [] }).toEqual({ ...before, products: [] });
  });

  it('records an order placed by several attempts at once exactly once', async () => {
    const customerId = await createCustomer(kit.dataSource);
    const sku = await createProduct(kit.dataSource);
    const order = orderInput(customerId, [{ sku, quantity: 1 }]);

    const results = await Promise.all(Array.from({ length: 8 }, () => kit.activities.placeOrder({ order, placedAt: PLACED_AT })));

    for (const result of results) expect(result).toEqual(results[0]);
    expect(await eventsOf(kit.dataSource, order.orderId)).toHaveLength(1);
  });

  it('refuses, without retrying, an order id that is not a UUID (there is no row to record it in)', async () => {
    const customerId = await createCustomer(kit.dataSource);
    const order = orderInput(customerId, [{ sku: 'X', quantity: 1 }], { orderId: 'not-a-uuid' });

    const failure = await failureOf(kit.activities.placeOrder({ order, placedAt: PLACED_AT }));

    expect(failure).toMatchObject({ type: BusinessFailure.InvalidOrder, nonRetryable: true });
  });
});
