// openOrder: the first three steps (record, reserve, invoice) as one activity, against PostgreSQL.
import { BusinessFailure } from '../../domain/failures';
import { createCustomer, createProduct, stockOf } from '../support/db';
import { type Kit, PLACED_AT, eventsOf, openKit, orderInput, orderSnapshot } from './fixtures';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

const invoicesOf = (orderId: string) => kit.dataSource.query(`SELECT revision, status FROM invoices WHERE order_id = $1 ORDER BY revision`, [orderId]);

describe('openOrder', () => {
  it('records, reserves and issues invoice 1, and answers the placement and the totals', async () => {
    const customerId = await createCustomer(kit.dataSource);
    const sku = await createProduct(kit.dataSource, { onHand: 10, unitPriceDecimal: '10.0000' });
    const order = orderInput(customerId, [{ sku, quantity: 2 }]);

    const opened = await kit.activities.openOrder({ order, placedAt: PLACED_AT });

    expect(opened).toMatchObject({ placed: { accepted: true, lines: [{ sku, quantity: 2, amount: 2000 }] }, totals: { subtotal: 2000, total: 2750 } });
    expect((await eventsOf(kit.dataSource, order.orderId)).map((e) => e.type)).toEqual(['order.created', 'inventory.reserved', 'invoice.created']);
    expect(await stockOf(kit.dataSource, sku)).toEqual({ onHand: 10, reserved: 2, available: 8 });
    expect(await invoicesOf(order.orderId)).toEqual([{ revision: 1, status: 'ISSUED' }]);
  });

  it('does nothing more when called again (a retry after a crash)', async () => {
    const customerId = await createCustomer(kit.dataSource);
    const sku = await createProduct(kit.dataSource, { onHand: 10 });
    const order = orderInput(customerId, [{ sku, quantity: 3 }]);
    const first = await kit.activities.openOrder({ order, placedAt: PLACED_AT });
    const before = await orderSnapshot(kit.dataSource, order.orderId, [sku]);

    expect(await kit.activities.openOrder({ order, placedAt: PLACED_AT })).toEqual(first);
    expect(await orderSnapshot(kit.dataSource, order.orderId, [sku])).toEqual(before);
    expect(await invoicesOf(order.orderId)).toHaveLength(1);
  });

  it('answers a refusal out of stock, with the order recorded, nothing reserved and no invoice', async () => {
    const customerId = await createCustomer(kit.dataSource);
    const sku = await createProduct(kit.dataSource, { onHand: 1 });
    const order = orderInput(customerId, [{ sku, quantity: 2 }]);

    const opened = await kit.activities.openOrder({ order, placedAt: PLACED_AT });

    expect(opened).toMatchObject({ placed: { accepted: true }, refused: { step: 'reserveInventory', failure: BusinessFailure.OutOfStock } });
    expect(await stockOf(kit.dataSource, sku)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    expect(await invoicesOf(order.orderId)).toEqual([]);
  });

  it('answers a placement rejected by the catalogue, and does nothing else', async () => {
    const order = orderInput(await createCustomer(kit.dataSource), [{ sku: 'NO-SUCH-SKU', quantity: 1 }]);
    const opened = await kit.activities.openOrder({ order, placedAt: PLACED_AT });
    expect(opened).toMatchObject({ placed: { accepted: false, failure: BusinessFailure.UnknownSku } });
    expect('refused' in opened || 'totals' in opened).toBe(false);
    expect((await eventsOf(kit.dataSource, order.orderId)).map((e) => e.type)).toEqual(['order.created', 'order.rejected']);
  });
});
