// Step 3 and its compensation: invoices with revisions, one live revision per order.
import { priceOrder } from '../../domain/pricing';
import { type Kit, eventsOf, failureOf, openKit, orderRow, orderSnapshot, placedOrder } from './fixtures';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

const invoicesOf = (orderId: string) =>
  kit.dataSource.query('SELECT revision, status, total, customer_tier, ship_country FROM invoices WHERE order_id = $1 ORDER BY revision', [orderId]);

describe('createInvoice', () => {
  it("issues revision 1 priced by the domain rules (tier and shipping country), and the order's totals follow it", async () => {
    const { orderId, placement } = await placedOrder(kit, { quantities: [3], tier: 'S', country: 'GB', unitPriceDecimal: '12.3450' });
    if (!placement.accepted) throw new Error('unreachable');

    const invoice = await kit.activities.createInvoice({ orderId, revision: 1, lines: placement.lines, tier: 'S', country: 'GB' });

    const expected = priceOrder({ lines: placement.lines, tier: 'S', country: 'GB' }).totals;
    expect(invoice).toEqual({ invoiceId: expect.any(String), totals: expected });
    expect(await invoicesOf(orderId)).toEqual([{ revision: 1, status: 'ISSUED', total: String(expected.total), customer_tier: 'S', ship_country: 'GB' }]);
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ invoice_revision: 1, total: String(expected.total), tax: String(expected.tax) });
    expect((await eventsOf(kit.dataSource, orderId)).at(-1)).toMatchObject({ type: 'invoice.created', data: { revision: 1, totals: expected } });
  });

  it('returns the same invoice and changes nothing when called again', async () => {
    const { orderId, skus, placement } = await placedOrder(kit);
    if (!placement.accepted) throw new Error('unreachable');
    const input = { orderId, revision: 1, lines: placement.lines, tier: null, country: 'US' };
    const first = await kit.activities.createInvoice(input);
    const before = await orderSnapshot(kit.dataSource, orderId, skus);

    const second = await kit.activities.createInvoice(input);

    expect(second).toEqual(first);
    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(before);
  });

  it('refuses revision 2 while revision 1 is live, and issues it once revision 1 is void', async () => {
    const { orderId, placement } = await placedOrder(kit, { quantities: [1] });
    if (!placement.accepted) throw new Error('unreachable');
    await kit.activities.createInvoice({ orderId, revision: 1, lines: placement.lines, tier: null, country: 'US' });
    const bigger = placement.lines.map((l) => ({ ...l, quantity: 20, amount: 20000 }));

    const refused = await failureOf(kit.activities.createInvoice({ orderId, revision: 2, lines: bigger, tier: null, country: 'US' }));
    await kit.activities.voidInvoice({ orderId, revision: 1 });
    const second = await kit.activities.createInvoice({ orderId, revision: 2, lines: bigger, tier: null, country: 'US' });

    expect(refused).toMatchObject({ type: 'InvoiceRevisionConflict', nonRetryable: true });
    expect(await invoicesOf(orderId)).toMatchObject([{ revision: 1, status: 'VOID' }, { revision: 2, status: 'ISSUED', total: '20000' }]);
    // Each issued revision is a document of its own with its own INV number.
    const numbers: { number: string }[] = await kit.dataSource.query('SELECT number FROM invoices WHERE order_id = $1 ORDER BY revision', [orderId]);
    expect(numbers.map((n) => n.number)).toEqual([expect.stringMatching(/^INV-\d{4}-\d{6}$/), expect.stringMatching(/^INV-\d{4}-\d{6}$/)]);
    expect(numbers[0].number).not.toBe(numbers[1].number);
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ invoice_revision: 2, total: String(second.totals.total) });
    const lines = await kit.dataSource.query('SELECT quantity FROM order_lines WHERE order_id = $1', [orderId]);
    expect(lines).toEqual([{ quantity: 20 }]);
  });

  it('is backed by the database: a second live revision violates a unique index', async () => {
    const { orderId, placement } = await placedOrder(kit);
    if (!placement.accepted) throw new Error('unreachable');
    await kit.activities.createInvoice({ orderId, revision: 1, lines: placement.lines, tier: null, country: 'US' });

    await expect(
      kit.dataSource.query(
        `INSERT INTO invoices (id, order_id, revision, status, lines, subtotal, discount, shipping, tax, total)
         VALUES (gen_random_uuid(), $1, 2, 'ISSUED', '[]', 0, 0, 0, 0, 0)`,
        [orderId],
      ),
    ).rejects.toThrow(/invoices_one_live_revision_per_order/);
  });
});

describe('voidInvoice', () => {
  it('voids once: a second call appends nothing', async () => {
    const { orderId, skus, placement } = await placedOrder(kit);
    if (!placement.accepted) throw new Error('unreachable');
    await kit.activities.createInvoice({ orderId, revision: 1, lines: placement.lines, tier: null, country: 'US' });

    await kit.activities.voidInvoice({ orderId, revision: 1 });
    const before = await orderSnapshot(kit.dataSource, orderId, skus);
    await kit.activities.voidInvoice({ orderId, revision: 1 });

    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(before);
    expect((await eventsOf(kit.dataSource, orderId)).map((e) => e.type)).toEqual(['order.created', 'invoice.created', 'invoice.voided']);
  });

  it('is a no-op for a revision that was never issued (the step was cancelled before it ran)', async () => {
    const { orderId } = await placedOrder(kit);

    await kit.activities.voidInvoice({ orderId, revision: 1 });

    expect((await eventsOf(kit.dataSource, orderId)).map((e) => e.type)).toEqual(['order.created']);
  });
});
