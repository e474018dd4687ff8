// Pricing parity: domain priceOrder against legacy.sp_order_total (and its bulk twin
// sp_order_totals) on thousands of generated orders, to the cent. The domain prices each order
// from its rows as read back from PostgreSQL; each batch of domain totals then goes to the
// database in one query, which compares them with both procedures and returns the differences.
import { type Tier, type Totals, centsToDecimal, priceOrder } from '../../domain';
import { type LegacyManifest, seedLegacy } from '../../legacy';
import { ScratchDatabase } from './scratch-schema';

const ORDERS = 6000;
const BATCH = 1000;
const TAX_COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR'];

const db = new ScratchDatabase();
const schema = db.newSchema();
let manifest: LegacyManifest;

interface OrderInput {
  order_no: number;
  ship_country: string | null;
  tier: Tier | null;
  lines: { qty: number; unit_price: string; disc_pct: string }[];
}

interface Priced {
  input: OrderInput;
  totals: Totals;
}

/** One batch of orders with their customer's tier and their lines, after `afterOrderNo`. */
async function readBatch(afterOrderNo: number): Promise<OrderInput[]> {
  const { rows } = await db.pool.query<OrderInput>(
    `SELECT o.order_no, o.ship_country, c.tier,
            coalesce(json_agg(json_build_object('qty', l.qty, 'unit_price', l.unit_price::text, 'disc_pct', l.disc_pct::text) ORDER BY l.line_no)
                     FILTER (WHERE l.order_no IS NOT NULL), '[]') AS lines
       FROM ${schema}.orders o
       LEFT JOIN ${schema}.customers c ON c.cust_id = o.cust_id
       LEFT JOIN ${schema}.order_lines l ON l.order_no = o.order_no
      WHERE o.order_no > $1
      GROUP BY o.order_no, c.tier
      ORDER BY o.order_no
      LIMIT ${BATCH}`,
    [afterOrderNo],
  );
  return rows;
}

function priceWithDomain(input: OrderInput): Priced {
  const { totals } = priceOrder({
    tier: input.tier,
    country: input.ship_country,
    lines: input.lines.map((l) => ({ quantity: l.qty, unitPriceDecimal: l.unit_price, discountPct: l.disc_pct })),
  });
  return { input, totals };
}

interface Comparison {
  compared: number;
  pricedBySingle: number;
  pricedByBulk: number;
  mismatches: unknown[];
}

/** Sends the domain's totals of a batch and compares them with both procedures in one query. */
async function compareWithProcedures(batch: Priced[]): Promise<Comparison> {
  const column = (field: keyof Totals) => batch.map((p) => centsToDecimal(p.totals[field]));
  const { rows } = await db.pool.query<Comparison>(
    `WITH domain AS (
       SELECT * FROM unnest($1::int[], $2::numeric[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[])
                AS d(order_no, subtotal, discount, shipping, tax, total)
     ), compared AS (
       SELECT d.order_no,
              jsonb_build_object('subtotal', d.subtotal, 'discount', d.discount, 'shipping', d.shipping, 'tax', d.tax, 'total', d.total) AS domain,
              to_jsonb(s) AS single,
              to_jsonb(b) - 'order_no' AS bulk
         FROM domain d
         LEFT JOIN LATERAL ${schema}.sp_order_total(d.order_no) s ON true
         LEFT JOIN ${schema}.sp_order_totals($1::int[]) b ON b.order_no = d.order_no
     )
     SELECT count(*)::int AS compared,
            count(single)::int AS "pricedBySingle",
            count(bulk)::int AS "pricedByBulk",
            coalesce(jsonb_agg(compared ORDER BY order_no) FILTER (WHERE domain IS DISTINCT FROM single OR domain IS DISTINCT FROM bulk), '[]') AS mismatches
       FROM compared`,
    [batch.map((p) => p.input.order_no), column('subtotal'), column('discount'), column('shipping'), column('tax'), column('total')],
  );
  return rows[0];
}

const priced: Priced[] = [];
const comparisons: Comparison[] = [];

beforeAll(async () => {
  ({ manifest } = await seedLegacy(db.pool, { orders: ORDERS, seed: 20240601, schema }));
  for (let after = 0; ; ) {
    const inputs = await readBatch(after);
    if (inputs.length === 0) break;
    const batch = inputs.map(priceWithDomain);
    priced.push(...batch);
    comparisons.push(await compareWithProcedures(batch));
    after = inputs[inputs.length - 1].order_no;
  }
});

afterAll(async () => {
  await db.close();
});

describe('pricing parity between domain.priceOrder and legacy.sp_order_total', () => {
  it('agrees to the cent on every generated order, with one query per batch of 1000', () => {
    expect(comparisons).toHaveLength(ORDERS / BATCH);
    for (const c of comparisons) {
      expect(c.mismatches).toEqual([]);
      expect(c.pricedBySingle).toBe(c.compared);
      expect(c.pricedByBulk).toBe(c.compared);
    }
    expect(comparisons.reduce((n, c) => n + c.compared, 0)).toBe(ORDERS);
  });

  it('covers at least 3000 clean orders', () => {
    const dirtyOrders = new Set(manifest.dirty.flatMap((d) => (d.table === 'customers' ? [] : [d.orderNo])));
    expect(priced.filter((p) => !dirtyOrders.has(p.input.order_no)).length).toBeGreaterThanOrEqual(3000);
  });

  it('covers four-decimal prices, line discounts and rounding of half cents', () => {
    const lines = priced.flatMap((p) => p.input.lines);
    expect(lines.filter((l) => !l.unit_price.endsWith('00')).length).toBeGreaterThan(500);
    expect(lines.filter((l) => l.disc_pct !== '0.00').length).toBeGreaterThan(500);
    // Lines whose exact amount ends in half a cent, where half-up and half-even part ways.
    const halfCent = lines.filter((l) => {
      const tenThousandths = BigInt(l.qty) * BigInt(l.unit_price.replace('.', '')) * (10000n - BigInt(l.disc_pct.replace('.', '')));
      return tenThousandths % 1000000n === 500000n;
    });
    expect(halfCent.length).toBeGreaterThan(0);
  });

  it('covers totals exactly on the free-shipping threshold and one cent below it', () => {
    const afterDiscount = (p: Priced) => p.totals.subtotal - p.totals.discount;
    const on = priced.filter((p) => afterDiscount(p) === 10000);
    const below = priced.filter((p) => afterDiscount(p) === 9999);
    expect(on.length).toBeGreaterThanOrEqual(5);
    expect(below.length).toBeGreaterThanOrEqual(3);
    for (const p of on) expect(p.totals.shipping).toBe(0);
    for (const p of below) expect(p.totals.shipping).toBeGreaterThan(0);
    expect(on.some((p) => p.input.tier === 'G') && on.some((p) => p.input.tier === 'S')).toBe(true);
  });

  it('covers every taxed country, untaxed ones and a missing country', () => {
    const countries = new Set(priced.map((p) => p.input.ship_country));
    for (const c of TAX_COUNTRIES) expect(countries).toContain(c);
    expect([...countries].filter((c) => c !== null && !TAX_COUNTRIES.includes(c)).length).toBeGreaterThanOrEqual(3);
    expect(countries).toContain(null);
  });

  it('covers every tier, no customer, quantities of zero or below and orders without lines', () => {
    const tiers = new Set(priced.map((p) => p.input.tier));
    expect([...tiers].sort()).toEqual(['B', 'G', 'S', null]);
    expect(priced.some((p) => p.input.lines.some((l) => l.qty <= 0))).toBe(true);
    expect(priced.some((p) => p.input.lines.length === 0)).toBe(true);
  });

  it('reports a one-cent difference, so agreement is not vacuous', async () => {
    const [first] = priced;
    const off = { ...first, totals: { ...first.totals, tax: first.totals.tax + 1, total: first.totals.total + 1 } };
    const comparison = await compareWithProcedures([off]);
    expect(comparison.mismatches).toHaveLength(1);
  });
});
