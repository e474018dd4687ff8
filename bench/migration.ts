// The legacy migration against its floor.
//
//   npx tsx bench/migration.ts [--orders 100000] [--seed 1] [--batch 1000] [--keep]
//
// Seeds `--orders` legacy orders (the generator, ~2% dirty rows; order numbers shifted by a random
// offset, see seedShiftedLegacy) into a legacy schema of the run's own, migrates a target schema of the run's own with the entity migrations (as the tests do,
// reached through search_path), and runs the migration workflow once, through the Temporal dev
// server, on a migration worker in a child process (bench/migration-worker-process.ts:
// createMigrationWorker, adoption through a client). Adopted P/S/N orders start order workflows on
// a task queue of the run's own, served by an order worker in another child process
// (bench/order-worker-process.ts: simulators at zero latency, manual carrier; its warnings, one per
// parked N order, are not echoed).
//
// Phase timings come from the run's own workflow history (each activity's scheduled and completed
// times, across continue-as-new); counts from migration_runs, migration_quarantine and
// migration_discrepancies. The worker's peak RSS is its /proc/<pid>/status VmHWM (and VmRSS
// sampled every 100 ms). The floor: a plain INSERT ... SELECT of the same legacy rows into
// scratch tables shaped like the source, timed in the same run. Both schemas are dropped at the
// end (unless --keep); order workflows still open on the run's task queue are terminated.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { dropLegacySchema, generateLegacyData, loadLegacyData, quoteSchemaName } from '../legacy';
import { DEFAULT_MIGRATION_BATCH_SIZE, MIGRATION_WORKFLOW_TYPE, type MigrationWorkflowInput, type MigrationWorkflowResult } from '../workflows/migration';
import { startChild, stopChild, waitForLine } from '../scripts/lib/child-process';
import { mb, sampleMemory } from './process-stats';
import { log, openBenchDatabase, parseFlags, rate, ratio, services, table, terminateRunning } from './support';

const flags = parseFlags(process.argv.slice(2), {
  orders: 100000,
  seed: 1,
  batch: DEFAULT_MIGRATION_BATCH_SIZE,
  'batches-per-execution': 100,
  keep: false,
  'timeout-s': 1800,
  /** Run the workers from dist/ (after `npm run build`) on plain node, as production does. */
  compiled: false,
});
const workerEntry = (name: string) => (flags.compiled ? `dist/bench/${name}.js` : `bench/${name}.ts`);

const TARGET_IMPORT_RATE = 2000;
const TARGET_PEAK_RSS = 400 * 1024 * 1024;
const EventType = temporal.api.enums.v1.EventType;

// ---------------------------------------------------------------- the run's own timings

interface ActivityRun {
  type: string;
  input: Record<string, unknown>;
  result: unknown;
  scheduledAt: number;
  completedAt: number;
}

function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(ts?.seconds ?? 0) * 1000 + (ts?.nanos ?? 0) / 1e6;
}

function decode(payloads: { payloads?: temporal.api.common.v1.IPayload[] | null } | null | undefined): unknown {
  const first = payloads?.payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload(first) : undefined;
}

/** Every completed activity of the run's chain of executions (continue-as-new followed), in order. */
async function activitiesOfChain(client: Client, workflowId: string, firstRunId: string): Promise<ActivityRun[]> {
  const runs: ActivityRun[] = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const scheduled = new Map<string, { type: string; input: Record<string, unknown>; at: number }>();
    runId = null;
    for (const event of history.events ?? []) {
      const id = String(event.eventId);
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        const a = event.activityTaskScheduledEventAttributes;
        scheduled.set(id, { type: a?.activityType?.name ?? '?', input: (decode(a?.input) ?? {}) as Record<string, unknown>, at: timestampMs(event.eventTime) });
      } else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const a = event.activityTaskCompletedEventAttributes;
        const s = scheduled.get(String(a?.scheduledEventId));
        if (s) runs.push({ type: s.type, input: s.input, result: decode(a?.result), scheduledAt: s.at, completedAt: timestampMs(event.eventTime) });
      } else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
        runId = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      }
    }
  }
  return runs;
}

interface Span {
  runs: number;
  startedAt: number;
  endedAt: number;
  /** Wall time from the first one's scheduling to the last one's completion. */
  seconds: number;
  rowsRead: number;
}

function span(runs: ActivityRun[]): Span | null {
  if (runs.length === 0) return null;
  const startedAt = Math.min(...runs.map((r) => r.scheduledAt));
  const endedAt = Math.max(...runs.map((r) => r.completedAt));
  const rowsRead = runs.reduce((sum, r) => sum + Number((r.result as { counts?: { read?: number } } | undefined)?.counts?.read ?? 0), 0);
  return { runs: runs.length, startedAt, endedAt, seconds: (endedAt - startedAt) / 1000, rowsRead };
}

function seconds(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} s` : '-';
}

// ---------------------------------------------------------------- the seed

/**
 * The generator's rows with every order number shifted by `orderNoOffset`: the generator numbers
 * orders from 100001 for every seed, and an adopted order's workflow id is order-<UUIDv5 of its
 * order_no>, global in the Temporal namespace and refused again after it closed (reuse policy
 * REJECT_DUPLICATE). Unshifted, a second run (or a test with the same numbers) would find its
 * workflows "already started" and adopt without starting anything. Nothing else changes.
 */
async function seedShiftedLegacy(
  pool: pg.Pool,
  opts: { orders: number; seed: number; schema: string; orderNoOffset: number },
): Promise<{ generateMs: number; loadMs: number }> {
  const t0 = performance.now();
  const data = generateLegacyData({ orders: opts.orders, seed: opts.seed });
  for (const row of data.orders) row.order_no += opts.orderNoOffset;
  for (const row of data.orderLines) row.order_no += opts.orderNoOffset;
  const t1 = performance.now();
  await loadLegacyData(pool, data, { schema: opts.schema });
  return { generateMs: t1 - t0, loadMs: performance.now() - t1 };
}

// ---------------------------------------------------------------- the floor

interface Floor {
  ordersAndLinesSeconds: number;
  allTablesSeconds: number;
}

/** INSERT ... SELECT of the legacy tables into scratch tables shaped like them (LIKE ... INCLUDING ALL), each copy one committed transaction. */
async function timeFloor(pool: pg.Pool, schema: string): Promise<Floor> {
  const s = quoteSchemaName(schema);
  const client = await pool.connect();
  const copy = async (tables: string[]): Promise<number> => {
    for (const t of tables) await client.query(`DROP TABLE IF EXISTS ${s}.floor_${t}; CREATE TABLE ${s}.floor_${t} (LIKE ${s}.${t} INCLUDING ALL)`);
    const t0 = performance.now();
    await client.query('BEGIN');
    for (const t of tables) await client.query(`INSERT INTO ${s}.floor_${t} SELECT * FROM ${s}.${t}`);
    await client.query('COMMIT');
    return (performance.now() - t0) / 1000;
  };
  try {
    const ordersAndLinesSeconds = await copy(['orders', 'order_lines']);
    const allTablesSeconds = await copy(['customers', 'products', 'orders', 'order_lines']);
    for (const t of ['customers', 'products', 'orders', 'order_lines']) await client.query(`DROP TABLE IF EXISTS ${s}.floor_${t}`);
    return { ordersAndLinesSeconds, allTablesSeconds };
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  const orders = Number(flags.orders);
  const seed = Number(flags.seed);
  const batchSize = Number(flags.batch);
  const keep = Boolean(flags.keep);
  const suffix = randomBytes(4).toString('hex');
  const legacySchema = `bench_legacy_${suffix}`;
  const migrationQueue = `bench-migration-${suffix}`;
  const orderQueue = `bench-adopted-${suffix}`;
  const orderNoOffset = randomInt(1, 1000) * 1_000_000;

  const pool = new pg.Pool({ connectionString: services.databaseUrl, max: 4 });
  const db = await openBenchDatabase({ prefix: 'bench_mig', poolSize: 4 });
  const clientConnection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection: clientConnection });
  const bundleDir = mkdtempSync(path.join(tmpdir(), 'bench-migration-'));
  const children: ChildProcess[] = [];
  let handle: WorkflowHandle | undefined;
  let finished = false;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      if (handle && !finished) await handle.terminate('benchmark ended early').catch(() => undefined);
      const terminated = await terminateRunning(client, orderQueue).catch(() => 0);
      if (terminated > 0) process.stderr.write(`terminated ${terminated} adopted order workflows left open on ${orderQueue}\n`);
      for (const child of children.reverse()) await stopChild(child);
      rmSync(bundleDir, { recursive: true, force: true });
      await clientConnection.close();
      await db.close({ keep });
      if (!keep) await dropLegacySchema(pool, legacySchema);
      else log(`kept schemas ${legacySchema} and ${db.schema}`);
      await pool.end();
    })());
  // Interrupted (Ctrl-C, or the reader of stdout went away): still stop the workers, end the workflows and drop the schemas.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`${signal}: cleaning up\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  process.stdout.on('error', () => undefined);
  try {
    log(`ordersaga migration benchmark: ${orders} legacy orders (seed ${seed}), batch ${batchSize}; ${cpus().length} cores`);
    log(`schemas: legacy ${legacySchema}, target ${db.schema}; migration worker and order worker in child processes`);

    // ------------------------------------------------ seed
    const seeded = await seedShiftedLegacy(pool, { orders, seed, schema: legacySchema, orderNoOffset });
    const s = quoteSchemaName(legacySchema);
    const [legacy]: { customers: string; products: string; orders: string; lines: string; in_flight: string }[] = (
      await pool.query(
        `SELECT (SELECT count(*) FROM ${s}.customers) AS customers, (SELECT count(*) FROM ${s}.products) AS products,
                (SELECT count(*) FROM ${s}.orders) AS orders, (SELECT count(*) FROM ${s}.order_lines) AS lines,
                (SELECT count(*) FROM ${s}.orders WHERE status_cd IN ('N', 'P', 'S')) AS in_flight`,
      )
    ).rows;
    log(
      `seed: generate ${seconds(seeded.generateMs / 1000)}, load ${seconds(seeded.loadMs / 1000)} ` +
        `(${legacy.customers} customers, ${legacy.products} products, ${legacy.orders} orders, ${legacy.lines} lines; ${legacy.in_flight} orders N/P/S; ` +
        `order numbers + ${orderNoOffset})`,
    );

    // ------------------------------------------------ the floor
    const floor = await timeFloor(pool, legacySchema);

    // ------------------------------------------------ workers
    const { code } = await bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '../workflows/migration.ts'), logger: quietBundlerLogger });
    const bundlePath = path.join(bundleDir, 'migration-workflows.js');
    writeFileSync(bundlePath, code);
    const shared = { DATABASE_URL: db.url, REDIS_URL: services.redisUrl, TEMPORAL_ADDRESS: services.temporalAddress };
    const orderWorker = startChild('order worker', workerEntry('order-worker-process'), { env: { ...shared, BENCH_TASK_QUEUE: orderQueue }, quiet: true });
    children.push(orderWorker);
    const migrationWorker = startChild('migration worker', workerEntry('migration-worker-process'), {
      env: { ...shared, BENCH_TASK_QUEUE: migrationQueue, BENCH_ORDER_TASK_QUEUE: orderQueue, BENCH_WORKFLOW_BUNDLE: bundlePath },
    });
    children.push(migrationWorker);
    await Promise.all([waitForLine(orderWorker, 'worker ready'), waitForLine(migrationWorker, 'worker ready')]);
    const migrationMemory = sampleMemory(migrationWorker.pid!, 100);
    const orderMemory = sampleMemory(orderWorker.pid!, 100);

    // ------------------------------------------------ the migration
    const input: MigrationWorkflowInput = { sourceSchema: legacySchema, batchSize, batchesPerExecution: Number(flags['batches-per-execution']) };
    const t0 = performance.now();
    const started = await client.workflow.start(MIGRATION_WORKFLOW_TYPE, { taskQueue: migrationQueue, workflowId: `bench-migration-${suffix}`, args: [input] });
    handle = started;
    const firstRunId = started.firstExecutionRunId;
    const progress = setInterval(() => {
      void db.dataSource
        .query(
          `SELECT phase, batches, rows_read, (SELECT count(*) FILTER (WHERE adopted_at IS NOT NULL) FROM migration_adoptions) AS adopted
             FROM migration_runs WHERE id = $1`,
          [firstRunId],
        )
        .then(([row]: { phase: string; batches: number; rows_read: string; adopted: string }[]) => {
          if (row) process.stderr.write(`  ${((performance.now() - t0) / 1000).toFixed(0)} s: ${row.phase}, ${row.batches} batches, ${row.rows_read} rows read, ${row.adopted} orders adopted\n`);
        }, () => undefined);
    }, 10_000);
    let timer: NodeJS.Timeout | undefined;
    const timeoutS = Number(flags['timeout-s']);
    const result = (await Promise.race([
      handle.result(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the migration did not end within ${timeoutS} s`)), timeoutS * 1000);
      }),
    ]).finally(() => {
      clearTimeout(timer);
      clearInterval(progress);
    })) as MigrationWorkflowResult;
    const wallSeconds = (performance.now() - t0) / 1000;
    finished = true;
    const migrationPeak = migrationMemory.peak();
    const orderPeak = orderMemory.peak();
    migrationMemory.stop();
    orderMemory.stop();

    // ------------------------------------------------ figures
    const activities = await activitiesOfChain(client, handle.workflowId, firstRunId);
    const batches = activities.filter((a) => a.type === 'migrateBatch');
    const phase = (name: string) => span(batches.filter((b) => b.input.phase === name));
    const bulk = span(batches)!;
    const ordersPhase = phase('orders');
    const adoption = span(activities.filter((a) => a.type === 'adoptLegacyOrders'));
    const reconciliation = span(activities.filter((a) => a.type === 'reconcileMigration'));
    const [run]: { rows_read: string; rows_inserted: string; rows_quarantined: string; rows_per_second: string; status: string }[] = await db.dataSource.query(
      'SELECT status, rows_read, rows_inserted, rows_quarantined, rows_per_second FROM migration_runs WHERE id = $1',
      [firstRunId],
    );
    const quarantine: { source_table: string; reason: string; n: number }[] = await db.dataSource.query(
      'SELECT source_table, reason, count(*)::int AS n FROM migration_quarantine WHERE resolved_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2',
    );
    const discrepancies: { kind: string; n: number }[] = await db.dataSource.query(
      'SELECT kind, count(*)::int AS n FROM migration_discrepancies WHERE run_id = $1 GROUP BY 1 ORDER BY 1',
      [firstRunId],
    );
    const [target]: { orders: number; lines: number }[] = await db.dataSource.query(
      'SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM order_lines) AS lines',
    );

    const legacyOrders = Number(legacy.orders);
    const importRate = legacyOrders / bulk.seconds;
    const ordersRate = ordersPhase ? legacyOrders / ordersPhase.seconds : NaN;
    const floorOrdersRate = legacyOrders / floor.ordersAndLinesSeconds;
    const floorAllRate = legacyOrders / floor.allTablesSeconds;
    const adopted = result.adoption?.adopted ?? 0;
    const adoptionRate = adoption ? adopted / adoption.seconds : NaN;
    const quarantined = quarantine.reduce((sum, q) => sum + q.n, 0);
    const discrepancyCount = discrepancies.reduce((sum, d) => sum + d.n, 0);

    log('');
    log(
      table(
        ['batch phase', 'batches', 'rows read', 'wall', 'rows/s'],
        [
          ...['customers', 'products', 'orders', 'orphan_lines'].map((name) => {
            const p = phase(name);
            return [name === 'orders' ? 'orders (+ lines)' : name.replace('_', ' '), String(p?.runs ?? 0), String(p?.rowsRead ?? 0), seconds(p?.seconds ?? NaN), rate((p?.rowsRead ?? NaN) / (p?.seconds ?? NaN))];
          }),
          ['all batches', String(bulk.runs), String(bulk.rowsRead), seconds(bulk.seconds), rate(bulk.rowsRead / bulk.seconds)],
        ],
      ),
    );
    log('');
    log(
      table(
        ['figure', 'value', 'detail'],
        [
          ['bulk import', `${rate(importRate)} orders/s`, `${legacyOrders} orders in ${seconds(bulk.seconds)}: every batch phase (customers, products, orders + lines, orphan lines)`],
          ['orders phase alone', `${rate(ordersRate)} orders/s`, `orders + lines batches, ${seconds(ordersPhase?.seconds ?? NaN)}`],
          ['floor: INSERT ... SELECT', `${rate(floorOrdersRate)} orders/s`, `orders + lines in ${seconds(floor.ordersAndLinesSeconds)}; all four tables in ${seconds(floor.allTablesSeconds)} (${rate(floorAllRate)} orders/s)`],
          ['import / floor', ratio(ordersRate / floorOrdersRate), `orders phase / orders + lines copy; ${ratio(importRate / floorAllRate)} all batches / all four tables`],
          ['adoption', `${rate(adoptionRate)} workflows/s`, `${adopted} order workflows started in ${seconds(adoption?.seconds ?? NaN)} (${result.adoption?.awaiting ?? '-'} left awaiting)`],
          ['reconciliation', seconds(reconciliation?.seconds ?? NaN), `${result.reconciliation ? `${result.reconciliation.discrepancies} discrepancies` : 'not run'}`],
          ['rows quarantined', String(quarantined), `quarantine rows (one per source row and reason, below); migration_runs counts ${run.rows_quarantined}`],
          ['discrepancies', String(discrepancyCount), 'by kind below'],
          ['migration worker peak RSS', mb(migrationPeak), `child process, VmHWM and VmRSS sampled every 100 ms; ${mb(migrationMemory.baseline)} when ready`],
          ['  during the batches', mb(migrationMemory.peakBetween(bulk.startedAt, bulk.endedAt)), 'sampled VmRSS'],
          ['  during adoption', mb(adoption ? migrationMemory.peakBetween(adoption.startedAt, adoption.endedAt) : NaN), 'sampled VmRSS'],
          ['  during reconciliation', mb(reconciliation ? migrationMemory.peakBetween(reconciliation.startedAt, reconciliation.endedAt) : NaN), 'sampled VmRSS'],
          ['order worker peak RSS', mb(orderPeak), `child process (adopted workflows); ${mb(orderMemory.baseline)} when ready`],
          ['whole run', seconds(wallSeconds), `workflow start to result; migration_runs: ${run.status}, ${run.rows_read} rows read, ${run.rows_per_second} rows/s`],
        ],
      ),
    );
    log('');
    log(table(['quarantined: table', 'reason', 'rows'], quarantine.map((q) => [q.source_table, q.reason, String(q.n)])));
    log('');
    log(discrepancies.length > 0 ? table(['discrepancy kind', 'count'], discrepancies.map((d) => [d.kind, String(d.n)])) : 'discrepancies: none');
    log('');
    log(`target: ${target.orders} orders, ${target.lines} lines (legacy: ${legacyOrders} orders, ${legacy.lines} lines)`);
    log(
      `targets: bulk import ${rate(importRate)} orders/s (>= ${TARGET_IMPORT_RATE}: ${importRate >= TARGET_IMPORT_RATE ? 'met' : 'NOT met'}), ` +
        `migration worker peak RSS ${mb(migrationPeak)} (< ${mb(TARGET_PEAK_RSS)}: ${migrationPeak < TARGET_PEAK_RSS ? 'met' : 'NOT met'})`,
    );
  } finally {
    await cleanup();
  }
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: Record<string, unknown>) => process.stderr.write(`bundler: ${message} ${meta ? JSON.stringify(meta) : ''}\n`),
  error: (message: string, meta?: Record<string, unknown>) => process.stderr.write(`bundler: ${message} ${meta ? JSON.stringify(meta) : ''}\n`),
  log: () => undefined,
};

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`migration benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
