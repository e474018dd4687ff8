// The legacy data generator: deterministic, realistic in shape, and honest about its dirt. The
// manifest must name every dirty row and nothing else, because the migration's tests assert
// that each row it names ends in the quarantine with its reason.
import { createHash } from 'node:crypto';
import { DIRTY_KINDS, type DirtyRow, type LegacyData, generateLegacyData } from '../../legacy';

const ORDERS = 5000;
const data = generateLegacyData({ orders: ORDERS, seed: 42 });

function fingerprint(d: LegacyData): string {
  return createHash('sha256').update(JSON.stringify(d)).digest('hex');
}

/** The dirty rows found by inspecting the data itself, in the manifest's shape. */
function findDirtyRows(d: LegacyData): DirtyRow[] {
  const customers = new Map(d.customers.map((c) => [c.cust_id, c]));
  const products = new Set(d.products.map((p) => p.prod_code));
  const orderNos = new Set(d.orders.map((o) => o.order_no));
  const withLines = new Set(d.orderLines.map((l) => l.order_no));
  const found: DirtyRow[] = [];
  for (const l of d.orderLines) {
    const key = { table: 'order_lines' as const, orderNo: l.order_no, lineNo: l.line_no };
    if (!orderNos.has(l.order_no)) found.push({ kind: 'orphan_line', ...key, detail: '' });
    else if (!products.has(l.prod_code)) found.push({ kind: 'unknown_product', ...key, detail: '' });
    else if (l.qty <= 0) found.push({ kind: 'non_positive_quantity', ...key, detail: '' });
  }
  for (const o of d.orders) {
    const key = { table: 'orders' as const, orderNo: o.order_no };
    if (!customers.has(o.cust_id)) found.push({ kind: 'unknown_customer', ...key, detail: '' });
    if (o.ship_country === null) found.push({ kind: 'missing_country', ...key, detail: '' });
    if (!withLines.has(o.order_no)) found.push({ kind: 'order_without_lines', ...key, detail: '' });
  }
  const firstByEmail = new Map<string, number>();
  for (const c of [...d.customers].sort((a, b) => a.cust_id - b.cust_id)) {
    if (c.is_deleted) found.push({ kind: 'deleted_customer', table: 'customers', custId: c.cust_id, detail: '' });
    if (c.email === null) continue;
    const first = firstByEmail.get(c.email.toLowerCase());
    if (first === undefined) firstByEmail.set(c.email.toLowerCase(), c.cust_id);
    else found.push({ kind: 'duplicate_email', table: 'customers', custId: c.cust_id, duplicateOfCustId: first, detail: '' });
  }
  return found;
}

const keyOf = (d: DirtyRow) => `${d.kind} ${d.table} ${JSON.stringify({ ...d, kind: undefined, table: undefined, detail: undefined })}`;

describe('generateLegacyData', () => {
  it('gives byte-identical data for the same seed', () => {
    expect(fingerprint(generateLegacyData({ orders: ORDERS, seed: 42 }))).toBe(fingerprint(data));
  });

  it('gives different data for a different seed', () => {
    const other = generateLegacyData({ orders: ORDERS, seed: 43 });
    expect(fingerprint(other)).not.toBe(fingerprint(data));
    const sameName = other.customers.filter((c, i) => c.cust_name === data.customers[i]?.cust_name).length;
    expect(sameName).toBeLessThan(other.customers.length / 5);
  });

  it('sizes the tables: orders as asked, about a tenth as many customers, 500 to 2000 products', () => {
    expect(data.orders).toHaveLength(ORDERS);
    expect(data.customers.length).toBeGreaterThanOrEqual(ORDERS / 10);
    expect(data.customers.length).toBeLessThan(ORDERS / 10 + 50);
    expect(data.products.length).toBeGreaterThanOrEqual(500);
    expect(data.products.length).toBeLessThanOrEqual(2000);
    expect(data.manifest.rows).toEqual({ customers: data.customers.length, products: data.products.length, orders: ORDERS, order_lines: data.orderLines.length });
  });

  it('gives clean orders 1 to 6 lines and keeps every key unique', () => {
    const perOrder = new Map<number, number>();
    for (const l of data.orderLines) perOrder.set(l.order_no, (perOrder.get(l.order_no) ?? 0) + 1);
    const dirtyOrders = new Set(data.manifest.dirty.flatMap((d) => (d.table === 'customers' ? [] : [d.orderNo])));
    for (const o of data.orders) {
      if (!dirtyOrders.has(o.order_no)) expect(perOrder.get(o.order_no)).toBeGreaterThanOrEqual(1);
      expect(perOrder.get(o.order_no) ?? 0).toBeLessThanOrEqual(6);
    }
    expect(new Set(data.orders.map((o) => o.order_no)).size).toBe(data.orders.length);
    expect(new Set(data.customers.map((c) => c.cust_id)).size).toBe(data.customers.length);
    expect(new Set(data.products.map((p) => p.prod_code)).size).toBe(data.products.length);
    expect(new Set(data.orderLines.map((l) => `${l.order_no}/${l.line_no}`)).size).toBe(data.orderLines.length);
  });

  it('has mostly delivered and cancelled orders, and some new, processing and shipped ones', () => {
    const share = (s: string) => data.orders.filter((o) => o.status_cd === s).length / ORDERS;
    expect(share('D') + share('X')).toBeGreaterThan(0.9);
    for (const s of ['N', 'P', 'S']) expect(share(s)).toBeGreaterThan(0.002);
    expect(share('X')).toBeGreaterThan(0.05);
  });

  it('spreads order dates over two years, each modified at or after it was placed', () => {
    const dates = data.orders.map((o) => o.order_dt).sort();
    expect(dates[0] >= '2023-01-01' && dates[0] < '2023-01-15').toBe(true);
    expect(dates[dates.length - 1] >= '2024-12-15' && dates[dates.length - 1] <= '2024-12-31 23:59:59').toBe(true);
    for (const o of data.orders) expect(o.modified_dt >= o.order_dt).toBe(true);
    // Ties in modified_dt exist, so the migration's watermark must break them by key.
    expect(new Set(data.orders.map((o) => o.modified_dt)).size).toBeLessThan(ORDERS);
  });

  it('looks like real customers and addresses: accents, ß, CJK, emoji, apostrophes, postal codes', () => {
    const names = data.customers.map((c) => c.cust_name).join('\n');
    expect(names).toMatch(/[éèçñöüä]/);
    expect(names).toMatch(/ß/);
    expect(names).toMatch(/\p{Script=Han}/u);
    expect(names).toMatch(/['’]/);
    expect(generateLegacyData({ orders: 50000, seed: 42 }).customers.some((c) => /\p{Extended_Pictographic}/u.test(c.cust_name))).toBe(true);
    const zip = (country: string) => data.orders.find((o) => o.ship_country === country)?.ship_zip;
    expect(zip('US')).toMatch(/^\d{5}(-\d{4})?$/);
    expect(zip('CA')).toMatch(/^[A-Z]\d[A-Z] \d[A-Z]\d$/);
    expect(zip('GB')).toMatch(/^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/);
    expect(zip('DE')).toMatch(/^\d{5}$/);
    for (const c of data.customers) expect(c.email ?? 'a@b.example').toMatch(/^[A-Za-z0-9.]+@[A-Za-z.]+$/);
  });

  it('prices some lines to four decimals and discounts others, within numeric(12,4) and numeric(5,2)', () => {
    const fourDecimal = data.orderLines.filter((l) => !l.unit_price.endsWith('00'));
    expect(fourDecimal.length).toBeGreaterThan(data.orderLines.length / 50);
    expect(data.orderLines.filter((l) => l.disc_pct !== '0.00').length).toBeGreaterThan(data.orderLines.length / 20);
    for (const l of data.orderLines) {
      expect(l.unit_price).toMatch(/^\d{1,8}\.\d{4}$/);
      expect(l.disc_pct).toMatch(/^\d{1,3}\.\d{2}$/);
    }
  });

  it('counts its awkward rows in the manifest', () => {
    const awkward = data.manifest.awkwardByKind;
    expect(awkward.non_ascii_name).toBeGreaterThan(0);
    expect(awkward.apostrophe_name).toBeGreaterThan(0);
    expect(awkward.four_decimal_price).toBeGreaterThan(0);
    expect(awkward.line_discount).toBeGreaterThan(0);
    expect(awkward.on_shipping_threshold).toBeGreaterThanOrEqual(5);
    expect(awkward.below_shipping_threshold).toBeGreaterThanOrEqual(3);
  });
});

describe('the dirty-row manifest', () => {
  it('covers every dirty kind', () => {
    for (const kind of DIRTY_KINDS) expect(data.manifest.dirtyByKind[kind]).toBeGreaterThan(0);
    expect(Object.keys(data.manifest.dirtyByKind).sort()).toEqual([...DIRTY_KINDS].sort());
  });

  it('names about 2% of the orders as dirty', () => {
    const share = data.manifest.dirty.length / ORDERS;
    expect(share).toBeGreaterThanOrEqual(0.015);
    expect(share).toBeLessThanOrEqual(0.025);
  });

  it('names exactly the dirty rows found in the data, each once, with one defect per row', () => {
    const found = findDirtyRows(data).map(keyOf).sort();
    const recorded = data.manifest.dirty.map(keyOf).sort();
    expect(recorded).toEqual(found);
    const rows = data.manifest.dirty.map((d) => (d.table === 'customers' ? `c${d.custId}` : d.table === 'orders' ? `o${d.orderNo}` : `l${d.orderNo}/${d.lineNo}`));
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('gives every deleted customer at least one order, and duplicates differ from their original only in case', () => {
    const ordersOf = new Map<number, number>();
    for (const o of data.orders) ordersOf.set(o.cust_id, (ordersOf.get(o.cust_id) ?? 0) + 1);
    const byId = new Map(data.customers.map((c) => [c.cust_id, c]));
    for (const d of data.manifest.dirty) {
      if (d.kind === 'deleted_customer') expect(ordersOf.get(d.custId)).toBeGreaterThan(0);
      if (d.kind === 'duplicate_email') {
        const [dup, original] = [byId.get(d.custId)?.email, byId.get(d.duplicateOfCustId)?.email];
        expect(dup).not.toBe(original);
        expect(dup?.toLowerCase()).toBe(original?.toLowerCase());
      }
    }
  });

  it('is empty when no dirt is asked for', () => {
    const clean = generateLegacyData({ orders: 2000, seed: 42, dirtyRate: 0 });
    expect(clean.manifest.dirty).toEqual([]);
    expect(findDirtyRows(clean)).toEqual([]);
  });

  it('keeps about 2% at the default 100000 orders', () => {
    const big = generateLegacyData({ orders: 100000, seed: 1 });
    expect(big.manifest.dirty.length).toBe(2000);
    for (const kind of DIRTY_KINDS) expect(big.manifest.dirtyByKind[kind]).toBe(250);
  });
});
