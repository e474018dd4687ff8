// The legacy DDL against DESIGN.md ("The legacy database"): the table definitions below are
// copied from DESIGN verbatim and compared with what information_schema reports after install.
import { installLegacySchema } from '../../legacy';
import { ScratchDatabase } from './scratch-schema';

const DESIGN_TABLES = [
  'customers(cust_id int pk, cust_name varchar(100), email varchar(255) null, tier char(1) null, country char(2) null, is_deleted boolean, modified_dt timestamp)',
  'products(prod_code varchar(20) pk, descr varchar(200), unit_price numeric(12,4), qty_on_hand int, modified_dt timestamp)',
  'orders(order_no int pk, cust_id int, order_dt timestamp, status_cd char(1), ship_country char(2) null, ship_addr1 varchar(200) null, ship_city varchar(100) null, ship_zip varchar(20) null, modified_dt timestamp)',
  'order_lines(order_no int, line_no int, prod_code varchar(20), qty int, unit_price numeric(12,4), disc_pct numeric(5,2), pk(order_no, line_no))',
];

interface ColumnSpec {
  name: string;
  type: string;
  nullable: boolean;
}

/** Parses DESIGN's notation: `table(col type [null] [pk], ..., [pk(a, b)])`. */
function parseDesignTable(text: string): { table: string; columns: ColumnSpec[]; primaryKey: string[] } {
  const match = /^(\w+)\((.*)\)$/.exec(text);
  if (!match) throw new Error(`cannot parse ${text}`);
  const [, table, body] = match;
  const parts = body.split(/,(?![^()]*\))/).map((p) => p.trim());
  const columns: ColumnSpec[] = [];
  let primaryKey: string[] = [];
  for (const part of parts) {
    const compositeKey = /^pk\((.*)\)$/.exec(part);
    if (compositeKey) {
      primaryKey = compositeKey[1].split(',').map((c) => c.trim());
      continue;
    }
    const [name, type, ...flags] = part.split(/\s+/);
    columns.push({ name, type, nullable: flags.includes('null') });
    if (flags.includes('pk')) primaryKey = [name];
  }
  return { table, columns, primaryKey };
}

/** information_schema's description of a column in DESIGN's notation. */
function designType(c: { data_type: string; character_maximum_length: number | null; numeric_precision: number | null; numeric_scale: number | null }): string {
  switch (c.data_type) {
    case 'integer':
      return 'int';
    case 'character varying':
      return `varchar(${c.character_maximum_length})`;
    case 'character':
      return `char(${c.character_maximum_length})`;
    case 'numeric':
      return `numeric(${c.numeric_precision},${c.numeric_scale})`;
    case 'timestamp without time zone':
      return 'timestamp';
    default:
      return c.data_type;
  }
}

const db = new ScratchDatabase();
const schema = db.newSchema();

beforeAll(async () => {
  await installLegacySchema(db.pool, schema);
});

afterAll(async () => {
  await db.close();
});

describe('the legacy schema', () => {
  it('has exactly the four tables DESIGN lists', async () => {
    const { rows } = await db.pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [schema]);
    expect(rows.map((r) => r.table_name)).toEqual(['customers', 'order_lines', 'orders', 'products']);
  });

  it.each(DESIGN_TABLES.map((text) => [parseDesignTable(text).table, text]))('defines %s column for column as DESIGN gives it', async (_table, text) => {
    const design = parseDesignTable(text);
    const { rows } = await db.pool.query(
      `SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable
         FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = $2
        ORDER BY ordinal_position`,
      [schema, design.table],
    );
    expect(rows.map((r) => ({ name: r.column_name, type: designType(r), nullable: r.is_nullable === 'YES' }))).toEqual(design.columns);
  });

  it.each(DESIGN_TABLES.map((text) => [parseDesignTable(text).table, text]))('keys %s by DESIGN primary key', async (_table, text) => {
    const design = parseDesignTable(text);
    const { rows } = await db.pool.query(
      `SELECT k.column_name
         FROM information_schema.table_constraints c
         JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
        WHERE c.table_schema = $1 AND c.table_name = $2 AND c.constraint_type = 'PRIMARY KEY'
        ORDER BY k.ordinal_position`,
      [schema, design.table],
    );
    expect(rows.map((r) => r.column_name)).toEqual(design.primaryKey);
  });

  it('has no foreign keys, unique or check constraints, since the legacy data breaks all of them', async () => {
    const { rows } = await db.pool.query(
      `SELECT table_name, constraint_type FROM information_schema.table_constraints
        WHERE table_schema = $1 AND constraint_type IN ('FOREIGN KEY', 'UNIQUE', 'CHECK')
          AND constraint_name NOT LIKE '%_not_null'`,
      [schema],
    );
    expect(rows).toEqual([]);
  });

  it('indexes (modified_dt, key) on every table with modified_dt, for the migration watermark', async () => {
    const { rows } = await db.pool.query(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%(modified_dt, %' ORDER BY tablename`, [schema]);
    expect(rows.map((r) => r.indexdef.replace(/^.* USING btree /, `${r.tablename} `))).toEqual([
      'customers (modified_dt, cust_id)',
      'orders (modified_dt, order_no)',
      'products (modified_dt, prod_code)',
    ]);
  });

  it('provides sp_order_total(order_no int) and the bulk sp_order_totals(order_nos int[])', async () => {
    const { rows } = await db.pool.query(
      `SELECT p.proname, pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result, l.lanname
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
        WHERE n.nspname = $1 ORDER BY p.proname`,
      [schema],
    );
    expect(rows).toEqual([
      {
        proname: 'sp_order_total',
        args: 'order_no integer',
        result: 'TABLE(subtotal numeric, discount numeric, shipping numeric, tax numeric, total numeric)',
        lanname: 'plpgsql',
      },
      {
        proname: 'sp_order_totals',
        args: 'order_nos integer[]',
        result: 'TABLE(order_no integer, subtotal numeric, discount numeric, shipping numeric, tax numeric, total numeric)',
        lanname: 'sql',
      },
    ]);
  });

  it('installs idempotently, also when several processes install the same schema at once', async () => {
    const again = db.newSchema();
    await Promise.all([installLegacySchema(db.pool, again), installLegacySchema(db.pool, again), installLegacySchema(db.pool, again)]);
    await db.pool.query(`INSERT INTO ${again}.products (prod_code, descr, unit_price, qty_on_hand) VALUES ('HW-1', 'Hammer', 9.99, 1)`);
    await installLegacySchema(db.pool, again);
    const { rows } = await db.pool.query(`SELECT prod_code FROM ${again}.products`);
    expect(rows).toEqual([{ prod_code: 'HW-1' }]);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(installLegacySchema(db.pool, 'legacy; DROP TABLE x')).rejects.toThrow(/schema name must match/);
  });
});
