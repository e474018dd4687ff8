// legacy.sp_order_total on hand-made orders whose totals are worked out by hand from DESIGN's
// pricing rules, independently of domain/pricing.ts (the parity test compares the two at scale).
import { installLegacySchema } from '../../legacy';
import { ScratchDatabase } from './scratch-schema';

const db = new ScratchDatabase();
const schema = db.newSchema();

interface HandOrder {
  orderNo: number;
  tier: 'G' | 'S' | 'B' | null | 'unknown customer';
  country: string | null;
  lines: [qty: number, unitPrice: string, discPct: string][];
  /** subtotal, discount, shipping, tax, total */
  expected: [string, string, string, string, string];
}

const ORDERS: [string, HandOrder][] = [
  [
    'G tier in the US: 2 x 24.99 + 3 x 19.995 less 12.50% (52.486875 -> 52.49); 10% off 102.47 is 10.247 -> 10.25; 92.22 ships for 7.50, no tax',
    { orderNo: 1, tier: 'G', country: 'US', lines: [[2, '24.9900', '0'], [3, '19.9950', '12.50']], expected: ['102.47', '10.25', '7.50', '0.00', '99.72'] },
  ],
  [
    'exactly 100.00 after discount ships free; CA tax 5% of 100.00',
    { orderNo: 2, tier: null, country: 'CA', lines: [[1, '100.0000', '0']], expected: ['100.00', '0.00', '0.00', '5.00', '105.00'] },
  ],
  [
    '99.99 pays shipping; CA tax 5% of 111.99 is 5.5995 -> 5.60',
    { orderNo: 3, tier: 'B', country: 'CA', lines: [[1, '99.9900', '0']], expected: ['99.99', '0.00', '12.00', '5.60', '117.59'] },
  ],
  [
    'S tier in GB: 3 x 33.3333 = 99.9999 -> 100.00; 5% off leaves 95.00, which pays 12.00; 20% tax on 107.00',
    { orderNo: 4, tier: 'S', country: 'GB', lines: [[3, '33.3333', '0']], expected: ['100.00', '5.00', '12.00', '21.40', '128.40'] },
  ],
  [
    'G tier: 111.11 less 11.11 lands on 100.00 and ships free; DE 19% of 100.00',
    { orderNo: 5, tier: 'G', country: 'DE', lines: [[1, '111.1100', '0']], expected: ['111.11', '11.11', '0.00', '19.00', '119.00'] },
  ],
  [
    'a missing country pays international shipping and no tax',
    { orderNo: 6, tier: 'B', country: null, lines: [[1, '10.0000', '0']], expected: ['10.00', '0.00', '12.00', '0.00', '22.00'] },
  ],
  [
    'an unknown customer has no tier; DE tax 19% of 62.00 is 11.78',
    { orderNo: 7, tier: 'unknown customer', country: 'DE', lines: [[1, '50.0000', '0']], expected: ['50.00', '0.00', '12.00', '11.78', '73.78'] },
  ],
  [
    'half a cent rounds away from zero, also below zero: -1 x 0.125 is -0.13',
    { orderNo: 8, tier: null, country: 'US', lines: [[1, '0.1250', '0'], [-1, '0.1250', '0']], expected: ['0.00', '0.00', '7.50', '0.00', '7.50'] },
  ],
  [
    'FR 20% on 0.05 less 90% (0.005 -> 0.01) plus 12.00 shipping: 20% of 12.01 is 2.402 -> 2.40',
    { orderNo: 9, tier: null, country: 'FR', lines: [[1, '0.0500', '90.00']], expected: ['0.01', '0.00', '12.00', '2.40', '14.41'] },
  ],
  [
    'an order without lines still pays shipping; a 0% country (JP)',
    { orderNo: 10, tier: 'G', country: 'JP', lines: [], expected: ['0.00', '0.00', '12.00', '0.00', '12.00'] },
  ],
  [
    'S tier 5% of 0.30 is 0.015 -> 0.02 (half up, not to even)',
    { orderNo: 11, tier: 'S', country: 'US', lines: [[3, '0.1000', '0']], expected: ['0.30', '0.02', '7.50', '0.00', '7.78'] },
  ],
];

beforeAll(async () => {
  await installLegacySchema(db.pool, schema);
  for (const [, order] of ORDERS) {
    let custId = 999999; // no such customer
    if (order.tier !== 'unknown customer') {
      custId = order.orderNo;
      await db.pool.query(`INSERT INTO ${schema}.customers (cust_id, cust_name, tier, country) VALUES ($1, 'Ada', $2, 'US')`, [custId, order.tier]);
    }
    await db.pool.query(`INSERT INTO ${schema}.orders (order_no, cust_id, order_dt, status_cd, ship_country) VALUES ($1, $2, '2024-01-02 03:04:05', 'D', $3)`, [
      order.orderNo,
      custId,
      order.country,
    ]);
    for (const [j, [qty, price, disc]] of order.lines.entries()) {
      await db.pool.query(`INSERT INTO ${schema}.order_lines VALUES ($1, $2, 'HW-1', $3, $4, $5)`, [order.orderNo, j + 1, qty, price, disc]);
    }
  }
});

afterAll(async () => {
  await db.close();
});

describe('legacy.sp_order_total', () => {
  it.each(ORDERS)('%s', async (_title, order) => {
    const { rows } = await db.pool.query(`SELECT * FROM ${schema}.sp_order_total($1)`, [order.orderNo]);
    expect(rows).toEqual([
      { subtotal: order.expected[0], discount: order.expected[1], shipping: order.expected[2], tax: order.expected[3], total: order.expected[4] },
    ]);
  });

  it('returns no row for an order that does not exist', async () => {
    const { rows } = await db.pool.query(`SELECT * FROM ${schema}.sp_order_total(424242)`);
    expect(rows).toEqual([]);
  });

  it('accepts its parameter by name, as the legacy callers wrote it', async () => {
    const { rows } = await db.pool.query(`SELECT total FROM ${schema}.sp_order_total(order_no => 2)`);
    expect(rows).toEqual([{ total: '105.00' }]);
  });
});

describe('legacy.sp_order_totals', () => {
  it('prices many orders in one call exactly as sp_order_total does, leaving out unknown ones', async () => {
    const orderNos = [...ORDERS.map(([, o]) => o.orderNo), 424242];
    const { rows } = await db.pool.query(`SELECT * FROM ${schema}.sp_order_totals($1::int[]) ORDER BY order_no`, [orderNos]);
    expect(rows).toEqual(
      ORDERS.map(([, o]) => ({ order_no: o.orderNo, subtotal: o.expected[0], discount: o.expected[1], shipping: o.expected[2], tax: o.expected[3], total: o.expected[4] })),
    );
  });
});
