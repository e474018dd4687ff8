// What both benchmarks share: command-line flags, the services' addresses, a PostgreSQL schema
// of the run's own (migrated, dropped afterwards), the catalogue, percentiles and the saga worker
// as the benchmarks run it (simulators at zero latency).
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Client as PgClient } from 'pg';
import type Redis from 'ioredis';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createOrderActivities, type OrderActivities } from '../activities';
import { CarrierSimulator } from '../activities/adapters/carrier-simulator';
import { PaymentSimulator } from '../activities/adapters/payment-simulator';
import { unitPriceFromDecimal } from '../domain/money';
import { createDataSource, runMigrations } from '../entities/data-source';
import { recordStockMovement } from '../entities/product';
import { createOrderWorker, type OrderWorkerOptions } from '../workers/order-worker';

// ---------------------------------------------------------------- flags and services

/** `--name value` and bare `--flag` (true); anything else is refused. */
export function parseFlags<T extends Record<string, string | number | boolean>>(argv: string[], defaults: T): T {
  const flags: Record<string, string | number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (!(name in defaults)) throw new Error(`unknown flag --${name} (known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')})`);
    const kind = typeof defaults[name];
    if (kind === 'boolean') {
      flags[name] = inline === undefined ? true : inline === 'true';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got ${value}`);
      flags[name] = n;
    } else {
      flags[name] = value;
    }
  }
  return flags as T;
}

/** A TCP port free on 127.0.0.1 right now (for a server the bench starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const services = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://ordersaga:ordersaga@127.0.0.1:5433/ordersaga',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6380',
  temporalAddress: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
};

// ---------------------------------------------------------------- PostgreSQL

export interface BenchDatabase {
  dataSource: DataSource;
  /** DATABASE_URL pointing at the schema (for child processes). */
  url: string;
  schema: string | null;
  /** Closes the data source and drops the schema (unless kept). */
  close(opts?: { keep?: boolean }): Promise<void>;
}

/**
 * A schema of the run's own: other people's tests on the same server neither see the bench's
 * orders nor have their due shipments dispatched by it. `schema: null` uses DATABASE_URL as is.
 */
export async function openBenchDatabase(opts: { prefix: string; poolSize: number; schema?: string | null }): Promise<BenchDatabase> {
  const schema = opts.schema === undefined ? `${opts.prefix}_${randomBytes(4).toString('hex')}` : opts.schema;
  let url = services.databaseUrl;
  if (schema) {
    const admin = new PgClient({ connectionString: services.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await admin.end();
    const parsed = new URL(services.databaseUrl);
    parsed.searchParams.set('options', `-c search_path=${schema}`);
    url = parsed.toString();
  }
  const dataSource = createDataSource(url, { poolSize: opts.poolSize });
  await dataSource.initialize();
  await runMigrations(dataSource);
  return {
    dataSource,
    url,
    schema,
    async close({ keep = false } = {}) {
      if (schema && !keep) await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}

export interface Catalogue {
  customerId: string;
  skus: string[];
}

/** One active customer and `products` products with `stock` units each (through the stock ledger). */
export async function seedCatalogue(dataSource: DataSource, opts: { products: number; stock: number }): Promise<Catalogue> {
  const customerId = randomUUID();
  await dataSource.query(`INSERT INTO customers (id, storefront, name, email, tier, country, active) VALUES ($1, 'dev', $2, $3, NULL, $4, true)`, [
    customerId,
    'Bench Customer',
    `${customerId}@bench.example`,
    'US',
  ]);
  const skus: string[] = [];
  for (let i = 0; i < opts.products; i++) {
    const sku = `BENCH-${randomBytes(5).toString('hex')}`;
    const price = unitPriceFromDecimal(`${10 + i}.5000`);
    await dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO products (sku, name, unit_price_decimal, unit_price) VALUES ($1, $2, $3, $4)', [
        sku,
        `Bench product ${i + 1}`,
        price.unitPriceDecimal,
        price.unitPrice,
      ]);
      await recordStockMovement(manager, { sku, delta: opts.stock, reason: 'receive' });
    });
    skus.push(sku);
  }
  return { customerId, skus };
}

export const BENCH_ADDRESS = { name: 'Bench Buyer', line1: '1 Main St', line2: null, city: 'Austin', postalCode: '78701', country: 'US' };

/** Two distinct SKUs, 1-3 units each: reservations spread over the catalogue, as real orders do. */
export function benchLines(skus: string[], n: number): { sku: string; quantity: number }[] {
  const a = n % skus.length;
  const b = (a + 1 + (Math.floor(n / skus.length) % (skus.length - 1))) % skus.length;
  return [
    { sku: skus[a], quantity: 1 + (n % 3) },
    { sku: skus[b], quantity: 1 + ((n + 1) % 3) },
  ];
}

// ---------------------------------------------------------------- the saga worker

export interface SagaWorkerSettings {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows: number;
  /** Unset: the worker's defaults (workers/order-worker.ts). */
  maxConcurrentWorkflowTaskPolls?: number;
  maxConcurrentActivityTaskPolls?: number;
  nonStickyToStickyPollRatio?: number;
}

/** The poller settings that are set, as Worker options. */
export function pollerOptions(s: SagaWorkerSettings): Pick<SagaWorkerSettings, 'maxConcurrentWorkflowTaskPolls' | 'maxConcurrentActivityTaskPolls' | 'nonStickyToStickyPollRatio'> {
  return {
    ...(s.maxConcurrentWorkflowTaskPolls !== undefined ? { maxConcurrentWorkflowTaskPolls: s.maxConcurrentWorkflowTaskPolls } : {}),
    ...(s.maxConcurrentActivityTaskPolls !== undefined ? { maxConcurrentActivityTaskPolls: s.maxConcurrentActivityTaskPolls } : {}),
    ...(s.nonStickyToStickyPollRatio !== undefined ? { nonStickyToStickyPollRatio: s.nonStickyToStickyPollRatio } : {}),
  };
}

export const DEFAULT_WORKER_SETTINGS: SagaWorkerSettings = {
  // The worker process's defaults (runtime/config.ts: WORKER_MAX_*).
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxCachedWorkflows: 2000,
};

/**
 * The real activities with both simulators at zero latency. `carrier` null: manual (parcels move
 * only when told); otherwise the carrier ships and delivers after these delays.
 */
export function benchActivities(
  dataSource: DataSource,
  redis: Redis | null,
  carrier: { shipAfterMs: number; deliverAfterMs: number } | null,
): OrderActivities {
  return createOrderActivities({
    dataSource,
    redis,
    payment: new PaymentSimulator({ dataSource, latencyMs: 0 }),
    carrier: new CarrierSimulator({ dataSource, latencyMs: 0, shipAfterMs: carrier?.shipAfterMs ?? null, deliverAfterMs: carrier?.deliverAfterMs ?? null }),
    logger: pino({ level: 'warn' }),
  });
}

export async function createBenchOrderWorker(opts: {
  connection: NativeConnection;
  taskQueue: string;
  activities: OrderActivities;
  workflowBundle: OrderWorkerOptions['workflowBundle'];
  settings: SagaWorkerSettings;
}): Promise<Worker> {
  const { settings } = opts;
  return createOrderWorker({
    connection: opts.connection,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    workflowBundle: opts.workflowBundle,
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: settings.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: settings.maxCachedWorkflows,
    ...pollerOptions(settings),
    shutdownGraceTime: '10s',
  });
}

/** Ends the workflows a run left open on its task queue (orders kept open on purpose, or a failed run). */
export async function terminateRunning(client: Client, taskQueue: string): Promise<number> {
  let terminated = 0;
  const batch: Promise<unknown>[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"` })) {
    batch.push(client.workflow.getHandle(wf.workflowId).terminate('benchmark finished').then(() => terminated++, () => undefined));
    if (batch.length >= 50) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  return terminated;
}

// ---------------------------------------------------------------- figures

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function ms(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : '-';
}

export function rate(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '-';
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

/** A fixed-width table, for figures that are pasted into the README as they are. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function log(text: string): void {
  process.stdout.write(`${text}\n`);
}
