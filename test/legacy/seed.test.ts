// Seeding: the rows in PostgreSQL are exactly the generated ones (non-ASCII text and four-decimal
// prices included), the same seed gives the same tables, and a filled schema is never appended to.
import { type LegacyTable, type SeedProgress, generateLegacyData, loadLegacyData, seedLegacy } from '../../legacy';
import { ScratchDatabase } from './scratch-schema';

const ORDERS = 3000;
const db = new ScratchDatabase();
const schema = db.newSchema();
const progress: SeedProgress[] = [];

const ORDER_BY: Record<LegacyTable, string> = { customers: 'cust_id', products: 'prod_code COLLATE "C"', orders: 'order_no', order_lines: 'order_no, line_no' };

/** A digest of a table's contents, for comparing schemas without shipping the rows. */
async function digest(s: string, table: LegacyTable): Promise<string> {
  const { rows } = await db.pool.query(`SELECT md5(string_agg(t::text, E'\\n' ORDER BY ${ORDER_BY[table]})) AS digest FROM ${s}.${table} t`);
  return rows[0].digest;
}

beforeAll(async () => {
  await seedLegacy(db.pool, { orders: ORDERS, seed: 7, schema, onProgress: (p) => progress.push(p) });
});

afterAll(async () => {
  await db.close();
});

describe('seedLegacy', () => {
  it('loads exactly the generated rows, text and decimals unchanged', async () => {
    const data = generateLegacyData({ orders: ORDERS, seed: 7 });
    // Timestamps come back as text, the generator's form; everything else as pg returns it.
    const read = async (table: LegacyTable, like: object) => {
      const columns = Object.keys(like).map((c) => (c.endsWith('_dt') ? `${c}::text AS ${c}` : c));
      const { rows } = await db.pool.query(`SELECT ${columns.join(', ')} FROM ${schema}.${table} ORDER BY ${ORDER_BY[table]}`);
      return rows;
    };
    expect(await read('customers', data.customers[0])).toEqual(data.customers);
    expect(await read('products', data.products[0])).toEqual(data.products);
    expect(await read('orders', data.orders[0])).toEqual(data.orders);
    expect(await read('order_lines', data.orderLines[0])).toEqual(data.orderLines);
  });

  it('reports progress for every table up to its total', () => {
    const last = new Map(progress.map((p) => [p.table, p]));
    expect([...last.keys()]).toEqual(['customers', 'products', 'orders', 'order_lines']);
    for (const p of last.values()) expect(p.inserted).toBe(p.total);
    expect(last.get('orders')?.total).toBe(ORDERS);
  });

  it('gives identical tables for the same seed and different ones for another seed', async () => {
    const same = db.newSchema();
    const other = db.newSchema();
    await Promise.all([seedLegacy(db.pool, { orders: ORDERS, seed: 7, schema: same }), seedLegacy(db.pool, { orders: ORDERS, seed: 8, schema: other })]);
    for (const table of Object.keys(ORDER_BY) as LegacyTable[]) {
      expect(await digest(same, table)).toBe(await digest(schema, table));
      expect(await digest(other, table)).not.toBe(await digest(schema, table));
    }
  });

  it('refuses to add rows to a filled schema, and replaces them when asked to reset', async () => {
    const filled = db.newSchema();
    await seedLegacy(db.pool, { orders: 200, seed: 1, schema: filled });
    await expect(seedLegacy(db.pool, { orders: 200, seed: 2, schema: filled })).rejects.toThrow(/already holds rows/);
    await seedLegacy(db.pool, { orders: 300, seed: 2, schema: filled, reset: true });
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${filled}.orders`);
    expect(rows).toEqual([{ n: 300 }]);
  });

  it('loads nothing when a batch fails', async () => {
    const broken = db.newSchema();
    const data = generateLegacyData({ orders: 500, seed: 3 });
    data.orderLines[data.orderLines.length - 1].prod_code = 'X'.repeat(21); // too long for varchar(20)
    await expect(loadLegacyData(db.pool, data, { schema: broken, batchRows: 100 })).rejects.toThrow(/too long/);
    const { rows } = await db.pool.query(`SELECT (SELECT count(*) FROM ${broken}.customers)::int AS customers, (SELECT count(*) FROM ${broken}.orders)::int AS orders`);
    expect(rows).toEqual([{ customers: 0, orders: 0 }]);
  });
});
