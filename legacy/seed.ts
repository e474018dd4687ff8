// Loads generated legacy data into PostgreSQL. Rows go in as one INSERT ... SELECT FROM
// unnest($1::int[], $2::varchar[], ...) per batch: one parameter per column instead of one per
// value, so a batch of 20000 rows is a single round trip and a single plan, close to COPY speed
// without a COPY library. Everything is loaded in one transaction, so a failed seed leaves the
// schema as it was.
import pg from 'pg';
import { type BatchRow, type ColumnTypes, batchColumns } from '../entities/batch-columns';
import { type GenerateLegacyOptions, generateLegacyData } from './generator';
import { installLegacySchema, resetLegacySchema } from './install';
import type { LegacyData, LegacyManifest, LegacyTable } from './rows';
import { DEFAULT_LEGACY_SCHEMA, quoteSchemaName } from './schema-name';

type Db = pg.Pool | pg.ClientBase;

/** Each table's columns with the array type its values travel as, in load order. */
const TABLES = [
  legacyTable('customers', (d) => d.customers, {
    cust_id: 'int', cust_name: 'varchar', email: 'varchar', tier: 'char(1)', country: 'char(2)', is_deleted: 'boolean', modified_dt: 'timestamp',
  }),
  legacyTable('products', (d) => d.products, { prod_code: 'varchar', descr: 'varchar', unit_price: 'numeric', qty_on_hand: 'int', modified_dt: 'timestamp' }),
  legacyTable('orders', (d) => d.orders, {
    order_no: 'int', cust_id: 'int', order_dt: 'timestamp', status_cd: 'char(1)', ship_country: 'char(2)',
    ship_addr1: 'varchar', ship_city: 'varchar', ship_zip: 'varchar', modified_dt: 'timestamp',
  }),
  legacyTable('order_lines', (d) => d.orderLines, { order_no: 'int', line_no: 'int', prod_code: 'varchar', qty: 'int', unit_price: 'numeric', disc_pct: 'numeric' }),
];

interface LegacyTableLoad {
  name: LegacyTable;
  rows(data: LegacyData): readonly unknown[];
  insertSql(schema: string): string;
  arrays(rows: readonly unknown[]): unknown[][];
}

function legacyTable<const C extends ColumnTypes>(name: LegacyTable, rowsOf: (data: LegacyData) => readonly BatchRow<C>[], types: C): LegacyTableLoad {
  const columns = batchColumns(types);
  return {
    name,
    rows: rowsOf,
    insertSql: (schema) => `INSERT INTO ${quoteSchemaName(schema)}.${name} (${columns.names}) SELECT * FROM ${columns.unnest('t')}`,
    arrays: (rows) => columns.arrays(rows as readonly BatchRow<C>[]),
  };
}

export const DEFAULT_SEED_BATCH_ROWS = 20000;

export interface SeedProgress {
  table: LegacyTable;
  /** Rows of `table` inserted so far, this batch included. */
  inserted: number;
  total: number;
  /** Since the load began. */
  elapsedMs: number;
}

export interface LoadLegacyOptions {
  schema?: string;
  /** Drop and re-create the schema first; without it the tables must be empty. */
  reset?: boolean;
  batchRows?: number;
  onProgress?: (progress: SeedProgress) => void;
}

export type SeedLegacyOptions = GenerateLegacyOptions & LoadLegacyOptions;

export interface SeedLegacyResult {
  manifest: LegacyManifest;
  generateMs: number;
  loadMs: number;
}

async function withClient<T>(db: Db, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool)) return work(db);
  const client = await db.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

async function assertEmpty(client: pg.ClientBase, schema: string): Promise<void> {
  const s = quoteSchemaName(schema);
  const { rows } = await client.query<{ name: string }>(
    TABLES.map(({ name }) => `SELECT '${name}' AS name WHERE EXISTS (SELECT 1 FROM ${s}.${name})`).join(' UNION ALL '),
  );
  if (rows.length > 0) {
    throw new Error(`legacy schema ${schema} already holds rows (${rows.map((r) => r.name).join(', ')}); reset it first`);
  }
}

/** Inserts `data` into the legacy schema (installing it when missing) in one transaction. */
export async function loadLegacyData(db: Db, data: LegacyData, options: LoadLegacyOptions = {}): Promise<void> {
  const { schema = DEFAULT_LEGACY_SCHEMA, reset = false, batchRows = DEFAULT_SEED_BATCH_ROWS, onProgress } = options;
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer, got ${batchRows}`);
  const started = performance.now();
  await (reset ? resetLegacySchema(db, schema) : installLegacySchema(db, schema));

  await withClient(db, async (client) => {
    await client.query('BEGIN');
    try {
      // A lost seed is re-run, not recovered: no need to wait for the WAL flush at commit.
      await client.query('SET LOCAL synchronous_commit = off');
      if (!reset) await assertEmpty(client, schema);
      for (const table of TABLES) {
        const rows = table.rows(data);
        const sql = table.insertSql(schema);
        for (let from = 0; from < rows.length; from += batchRows) {
          const batch = rows.slice(from, from + batchRows);
          await client.query(sql, table.arrays(batch));
          onProgress?.({ table: table.name, inserted: from + batch.length, total: rows.length, elapsedMs: performance.now() - started });
        }
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    // Fresh statistics, so the migration's first queries are planned for 100000 rows, not 0.
    const s = quoteSchemaName(schema);
    await client.query(`ANALYZE ${TABLES.map(({ name }) => `${s}.${name}`).join(', ')}`);
  });
}

/** Generates legacy data from a seed and loads it; returns the manifest of dirty rows. */
export async function seedLegacy(db: Db, options: SeedLegacyOptions): Promise<SeedLegacyResult> {
  const started = performance.now();
  const data = generateLegacyData(options);
  const generated = performance.now();
  await loadLegacyData(db, data, options);
  return { manifest: data.manifest, generateMs: generated - started, loadMs: performance.now() - generated };
}
