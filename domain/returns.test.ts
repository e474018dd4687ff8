import { priceOrder } from './pricing';
import { isRecordedReceipt, refundForReturn, returnRequestProblems } from './returns';

// A discounted (tier G: 10%), taxed (CA: 5%), shipped order under the free-shipping threshold:
//   A: 3 × 19.99 = 59.97; B: 1 × 25.5050 = 25.51 (rounded half up); subtotal 85.48
//   discount 8.55; shipping 12.00; tax 5% of 88.93 = 4.45; total 93.38
const priced = priceOrder({
  lines: [
    { quantity: 3, unitPriceDecimal: '19.9900' },
    { quantity: 1, unitPriceDecimal: '25.5050' },
  ],
  tier: 'G',
  country: 'CA',
});
const orderLines = [
  { sku: 'A', quantity: 3, amount: priced.lineAmounts[0] },
  { sku: 'B', quantity: 1, amount: priced.lineAmounts[1] },
];
const base = { orderLines, orderTotals: priced.totals, country: 'CA', earlierReturned: [], captured: 9338, refunded: 0 };

describe('the refund formula', () => {
  it('prices the example order as the table below assumes', () => {
    expect(priced.lineAmounts).toEqual([5997, 2551]);
    expect(priced.totals).toEqual({ subtotal: 8548, discount: 855, shipping: 1200, tax: 445, total: 9338 });
  });

  it.each([
    // [what, input overrides, refund]
    ['one of three A: share 19.99, discount 2.00, tax 5% of 17.99 = 0.90', { returned: [{ sku: 'A', quantity: 1 }] }, { subtotal: 1999, discount: 200, shipping: 0, tax: 90, total: 1889 }],
    ['two of three A: share 39.98, discount 4.00, tax 1.80', { returned: [{ sku: 'A', quantity: 2 }] }, { subtotal: 3998, discount: 400, shipping: 0, tax: 180, total: 3778 }],
    ['B alone (its rounded half-cent stays with the line)', { returned: [{ sku: 'B', quantity: 1 }] }, { subtotal: 2551, discount: 255, shipping: 0, tax: 115, total: 2411 }],
    ['everything at once: all that was captured, shipping and its tax included', { returned: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }] }, { subtotal: 8548, discount: 855, shipping: 1200, tax: 445, total: 9338 }],
    [
      'the last units after an earlier partial refund: captured − refunded',
      { returned: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], earlierReturned: [{ sku: 'A', quantity: 1 }], refunded: 1889 },
      { subtotal: 6549, discount: 655, shipping: 1200, tax: 355, total: 7449 },
    ],
    ['never more than is still captured', { returned: [{ sku: 'A', quantity: 2 }], refunded: 9000 }, { subtotal: 3998, discount: 400, shipping: 0, tax: 180, total: 338 }],
    ['nothing received, nothing refunded', { returned: [{ sku: 'A', quantity: 0 }] }, { subtotal: 0, discount: 0, shipping: 0, tax: 0, total: 0 }],
  ])('%s', (_what, overrides, refund) => {
    expect(refundForReturn({ ...base, ...overrides })).toEqual(refund);
  });

  it('has no tax where the shipping country has none', () => {
    expect(refundForReturn({ ...base, country: 'US', returned: [{ sku: 'A', quantity: 1 }] })).toMatchObject({ tax: 0, total: 1799 });
  });

  it('nets a fully returned order to zero however it was split', () => {
    const first = refundForReturn({ ...base, returned: [{ sku: 'B', quantity: 1 }] });
    const second = refundForReturn({ ...base, returned: [{ sku: 'A', quantity: 1 }], earlierReturned: [{ sku: 'B', quantity: 1 }], refunded: first.total });
    const last = refundForReturn({
      ...base,
      returned: [{ sku: 'A', quantity: 2 }],
      earlierReturned: [{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 1 }],
      refunded: first.total + second.total,
    });
    expect(first.total + second.total + last.total).toBe(9338);
  });

  it('refuses more units than the order has', () => {
    expect(() => refundForReturn({ ...base, returned: [{ sku: 'A', quantity: 4 }] })).toThrow(RangeError);
  });
});

describe('what may be returned', () => {
  const deliveredAt = new Date('2026-11-01T12:00:00Z');
  const order = { status: 'DELIVERED', deliveredAt, lines: orderLines, claimed: [{ sku: 'A', quantity: 1 }] };
  const soon = new Date('2026-11-10T00:00:00Z');

  it('allows delivered units not yet claimed, within the window', () => {
    expect(returnRequestProblems(order, [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], soon, 30)).toEqual([]);
    expect(returnRequestProblems(order, [{ sku: 'A', quantity: 1 }], new Date('2026-12-01T12:00:00Z'), 30)).toEqual([]);
  });

  it.each([
    ['more than delivered less claimed', [{ sku: 'A', quantity: 3 }], '/lines/0/quantity', 'quantity_too_large'],
    ['a SKU not on the order', [{ sku: 'A', quantity: 1 }, { sku: 'Z', quantity: 1 }], '/lines/1/sku', 'sku_not_on_order'],
    ['a quantity of 0', [{ sku: 'B', quantity: 0 }], '/lines/0/quantity', 'invalid_quantity'],
    ['a SKU twice', [{ sku: 'B', quantity: 1 }, { sku: 'B', quantity: 1 }], '/lines/1/sku', 'duplicate_sku'],
  ])('refuses %s, naming the field', (_what, lines, pointer, code) => {
    expect(returnRequestProblems(order, lines, soon, 30)).toEqual([expect.objectContaining({ pointer, code })]);
  });

  it('refuses after the window and before delivery', () => {
    expect(returnRequestProblems(order, [{ sku: 'A', quantity: 1 }], new Date('2026-12-01T12:00:01Z'), 30)).toEqual([
      expect.objectContaining({ code: 'return_window_closed', pointer: '/orderId' }),
    ]);
    expect(returnRequestProblems({ ...order, status: 'SHIPPED', deliveredAt: null }, [{ sku: 'A', quantity: 1 }], soon, 30)).toEqual([
      expect.objectContaining({ code: 'order_not_delivered' }),
    ]);
  });
});

describe('a receive sent again', () => {
  const lines = [
    { sku: 'A', receivedQuantity: 2, disposition: 'restock' },
    { sku: 'B', receivedQuantity: null, disposition: null },
    { sku: 'C', receivedQuantity: 0, disposition: 'damaged' },
  ];

  it('is the recorded receipt when it names the same SKUs, quantities and dispositions, in any order', () => {
    expect(isRecordedReceipt(lines, [{ sku: 'C', receivedQuantity: 0, disposition: 'damaged' }, { sku: 'A', receivedQuantity: 2, disposition: 'restock' }])).toBe(true);
  });

  it.each([
    ['another quantity', [{ sku: 'A', receivedQuantity: 1, disposition: 'restock' }, { sku: 'C', receivedQuantity: 0, disposition: 'damaged' }]],
    ['another disposition', [{ sku: 'A', receivedQuantity: 2, disposition: 'damaged' }, { sku: 'C', receivedQuantity: 0, disposition: 'damaged' }]],
    ['a SKU left out', [{ sku: 'A', receivedQuantity: 2, disposition: 'restock' }]],
    ['a SKU not received before', [...lines.slice(0, 1), { sku: 'B', receivedQuantity: 1, disposition: 'restock' }, lines[2]]],
    ['one SKU twice', [{ sku: 'A', receivedQuantity: 2, disposition: 'restock' }, { sku: 'A', receivedQuantity: 2, disposition: 'restock' }]],
  ] as const)('is not with %s', (_what, received) => {
    expect(isRecordedReceipt(lines, received as never)).toBe(false);
  });

  it('is not for a return never received', () => {
    expect(isRecordedReceipt([{ sku: 'A', receivedQuantity: null, disposition: null }], [{ sku: 'A', receivedQuantity: 1, disposition: 'restock' }])).toBe(false);
  });
});
