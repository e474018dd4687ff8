// PostgreSQL for integration tests: the server DATABASE_URL names, with the migrations applied
// once (runMigrations holds an advisory lock, so parallel jest workers take turns). Test files
// share the public schema and keep apart by unique ids; a file that touches global state (the
// simulator switches, every due shipment) asks for a schema of its own.
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '../../entities/data-source';
import { recordStockMovement } from '../../entities/product';
import type { Tier } from '../../domain/pricing';
import { unitPriceFromDecimal } from '../../domain/money';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://ordersaga:ordersaga@127.0.0.1:15433/ordersaga';

/** A DataSource on DATABASE_URL, migrated. With `schema`, everything lives in that (new) schema. */
export async function openTestDataSource(opts: { schema?: string; poolSize?: number } = {}): Promise<DataSource> {
  let url = DATABASE_URL;
  if (opts.schema) {
    const admin = new Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema}"`);
    await admin.end();
    const parsed = new URL(DATABASE_URL);
    parsed.searchParams.set('options', `-c search_path=${opts.schema}`);
    url = parsed.toString();
  }
  const dataSource = createDataSource(url, { poolSize: opts.poolSize ?? 20 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  return dataSource;
}

/** A schema name no other test run uses. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(dataSource: DataSource, schema: string): Promise<void> {
  await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/**
 * A migrated schema of the test file's own: call at the top level of the file; it is opened before
 * the file's tests and dropped after them. `db.dataSource` is the connection (once opened).
 */
export function schemaForFile(prefix: string, opts: { poolSize?: number } = {}): { readonly schema: string; readonly dataSource: DataSource } {
  const schema = uniqueSchema(prefix);
  let dataSource: DataSource | undefined;
  beforeAll(async () => {
    dataSource = await openTestDataSource({ schema, ...opts });
  });
  afterAll(async () => {
    if (!dataSource) return;
    await dropSchema(dataSource, schema);
    await dataSource.destroy();
  });
  return {
    schema,
    get dataSource() {
      if (!dataSource) throw new Error(`the schema ${schema} is opened in beforeAll; use it inside tests`);
      return dataSource;
    },
  };
}

/** A SKU no other test uses (max 20 characters, as products.sku). */
export function uniqueSku(prefix = 'T'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`.slice(0, 20);
}

/** A customer of `storefront` (default: the development client's, which the API harness signs in as). */
export async function createCustomer(
  dataSource: DataSource,
  attrs: { tier?: Tier | null; country?: string | null; active?: boolean; storefront?: string } = {},
): Promise<string> {
  const id = randomUUID();
  await dataSource.query('INSERT INTO customers (id, storefront, name, email, tier, country, active) VALUES ($1, $7, $2, $3, $4, $5, $6)', [
    id,
    `Customer ${id.slice(0, 8)}`,
    `${id}@example.test`,
    attrs.tier ?? null,
    attrs.country ?? 'US',
    attrs.active ?? true,
    attrs.storefront ?? 'dev',
  ]);
  return id;
}

/** A product with `onHand` units received through the stock ledger. */
export async function createProduct(
  dataSource: DataSource,
  attrs: { onHand?: number; unitPriceDecimal?: string; sku?: string } = {},
): Promise<string> {
  const sku = attrs.sku ?? uniqueSku();
  const price = unitPriceFromDecimal(attrs.unitPriceDecimal ?? '10.0000');
  await dataSource.transaction(async (manager) => {
    await manager.query('INSERT INTO products (sku, name, unit_price_decimal, unit_price) VALUES ($1, $2, $3, $4)', [
      sku,
      `Product ${sku}`,
      price.unitPriceDecimal,
      price.unitPrice,
    ]);
    if (attrs.onHand) await recordStockMovement(manager, { sku, delta: attrs.onHand, reason: 'receive' });
  });
  return sku;
}

export async function stockOf(dataSource: DataSource, sku: string): Promise<{ onHand: number; reserved: number; available: number }> {
  const [row]: { on_hand: number; reserved: number }[] = await dataSource.query('SELECT on_hand, reserved FROM products WHERE sku = $1', [sku]);
  return { onHand: row.on_hand, reserved: row.reserved, available: row.on_hand - row.reserved };
}

/** True while some session waits on a row lock in a statement like `queryLike` (a LIKE pattern). */
export async function someoneWaitsOnLock(dataSource: DataSource, queryLike: string): Promise<boolean> {
  const [row]: { n: string }[] = await dataSource.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [queryLike]);
  return Number(row.n) > 0;
}

/** Holds the rows `lockSql` locks (`... FOR UPDATE`) in a transaction of its own while `meanwhile` runs, then lets them go. */
export async function whileRowsHeld(dataSource: DataSource, lockSql: string, params: unknown[], meanwhile: () => Promise<void>): Promise<void> {
  const blocker = dataSource.createQueryRunner();
  await blocker.connect();
  await blocker.startTransaction();
  try {
    await blocker.query(lockSql, params);
    await meanwhile();
    await blocker.commitTransaction();
  } finally {
    if (blocker.isTransactionActive) await blocker.rollbackTransaction();
    await blocker.release();
  }
}
