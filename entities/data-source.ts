import { Client, type Pool, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { Customer } from './customer';
import { InventoryReservation } from './inventory-reservation';
import { Invoice } from './invoice';
import { migrations } from './migrations';
import { Order, OrderLineRow } from './order';
import { OrderEvent } from './order-event';
import { Payment } from './payment';
import { PaymentMovement } from './payment-movement';
import { DocumentNumber } from './document-number';
import { Product, StockMovement } from './product';
import { Shipment } from './shipment';
import { SimSwitch } from './sim-switch';
import { CreditNote, OrderReturn, ReturnLineRow } from './return';
import { MigrationAdoption } from './migration-adoption';
import { MigrationDiscrepancy } from './migration-discrepancy';
import { MigrationQuarantine } from './migration-quarantine';
import { MigrationRun } from './migration-run';
import { WebhookAttempt, WebhookEndpoint } from './webhook-endpoint';

export const entities = [
  Customer,
  Product,
  StockMovement,
  Order,
  OrderLineRow,
  OrderEvent,
  InventoryReservation,
  Invoice,
  Payment,
  PaymentMovement,
  DocumentNumber,
  OrderReturn,
  ReturnLineRow,
  CreditNote,
  Shipment,
  SimSwitch,
  MigrationRun,
  MigrationQuarantine,
  MigrationDiscrepancy,
  MigrationAdoption,
  WebhookEndpoint,
  WebhookAttempt,
];

/** The advisory lock every migration runner takes (scripts/migrate.ts uses the same number). */
export const MIGRATION_LOCK = 7_233_001;

export function createDataSource(url: string, opts: { poolSize?: number; logging?: boolean } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    // The schema belongs to the migrations alone.
    synchronize: false,
    migrationsRun: false,
    installExtensions: false, // gen_random_uuid() is built in; extensions are the migrations' business
    logging: opts.logging ?? false,
    extra: { max: opts.poolSize ?? 10 },
  });
}

/**
 * PostgreSQL ending a session (a restart: "terminating connection due to administrator command")
 * is an 'error' event on its pg client. The pool hears it while the client is idle in the pool,
 * nobody while TypeORM holds it (a transaction between two statements), and an unheard 'error'
 * event ends the process: the fault drill saw a worker die so when it stopped PostgreSQL. This
 * listens on every client the pool hands out (once each); the statement that next uses the dead
 * session fails like any lost connection (the activity is retried) and the pool drops the client.
 * Call after `initialize()`.
 */
export function hearLostSessions(dataSource: DataSource, onLost: (err: Error) => void): void {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const heard = new WeakSet<PoolClient>();
  pool.on('acquire', (client) => {
    if (heard.has(client)) return;
    heard.add(client);
    client.on('error', onLost);
  });
}

/**
 * Applies pending migrations; safe from several processes (workers, parallel test files) at
 * once. The advisory lock is held on a connection of its own, so it works with any pool size.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const options = dataSource.options as { url?: string };
  const lock = new Client({ connectionString: options.url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end(); // ending the session releases the lock
  }
}
