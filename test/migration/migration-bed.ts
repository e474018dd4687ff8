// What a migration test needs: a legacy schema of its own (legacy_t<random>, seeded from the
// generator), a target schema of its own (every ordersaga table, migrated, reached through
// search_path), the Temporal dev server, and a migration worker on a task queue of its own.
//
// Why a target schema per file rather than the shared public tables: migrated ids are UUIDv5 of
// legacy keys and the generator numbers keys the same way for every seed (cust_id from 1001,
// order_no from 100001), so two files migrating into one set of tables would write the same
// rows. Apart, each file can assert on whole tables (counts, digests, "nothing changed").
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { type LegacyManifest, seedLegacy } from '../../legacy';
import { createMigrationWorker, ensureMigrationSchedule, type MigrationWorkerOptions } from '../../workers/migration-worker';
import { MIGRATION_WORKFLOW_TYPE, type MigrationWorkflowInput, type MigrationWorkflowResult } from '../../workflows/migration';
import { dropSchema, openTestDataSource, uniqueSchema } from '../support/db';
import { connectToDevServer, uniqueTaskQueue } from '../support/temporal';
import { ScratchDatabase } from '../legacy/scratch-schema';

let bundle: Promise<{ code: string }> | undefined;
function migrationBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '../../workflows/migration.ts') });
  return bundle;
}

export interface RunningMigrationWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export interface MigrationRunRow {
  id: string;
  status: string;
  phase: string;
  batches: number;
  rows_read: string;
  rows_inserted: string;
  rows_updated: string;
  rows_unchanged: string;
  rows_quarantined: string;
  rows_per_second: string | null;
  table_counts: Record<string, { read: number; inserted: number; updated: number; unchanged: number; quarantined: number }>;
  watermarks: Record<string, { modifiedDt: string; key: string } | null>;
  discrepancies: number | null;
  reconciliation: Record<string, unknown> | null;
  finished_at: Date | null;
}

export class MigrationTestBed {
  readonly legacy = new ScratchDatabase();
  readonly sourceSchema = this.legacy.newSchema();
  readonly targetSchema = uniqueSchema('mig');
  readonly taskQueue: string;
  env!: TestWorkflowEnvironment;
  dataSource!: DataSource;
  manifest!: LegacyManifest;
  private workers: RunningMigrationWorker[] = [];
  private readonly started: string[] = [];

  constructor(name: string) {
    this.taskQueue = uniqueTaskQueue(name);
  }

  async start(seed: { orders: number; seed: number }): Promise<void> {
    const [env, dataSource, seeded] = await Promise.all([
      connectToDevServer(),
      openTestDataSource({ schema: this.targetSchema, poolSize: 8 }),
      seedLegacy(this.legacy.pool, { ...seed, schema: this.sourceSchema }),
      migrationBundle(),
    ]);
    this.env = env;
    this.dataSource = dataSource;
    this.manifest = seeded.manifest;
  }

  async stop(): Promise<void> {
    // A failed test may leave a run retrying: end it, so nothing keeps polling a dropped schema.
    for (const workflowId of this.started) {
      await this.env.client.workflow.getHandle(workflowId).terminate('test finished').catch(() => undefined);
    }
    for (const w of this.workers) await w.stop();
    if (this.dataSource?.isInitialized) {
      await dropSchema(this.dataSource, this.targetSchema);
      await this.dataSource.destroy();
    }
    await this.legacy.close();
  }

  async startWorker(options: Partial<MigrationWorkerOptions> = {}): Promise<RunningMigrationWorker> {
    const worker = await createMigrationWorker({
      connection: this.env.nativeConnection,
      namespace: this.env.namespace ?? 'default',
      taskQueue: this.taskQueue,
      dataSource: this.dataSource,
      logger: pino({ level: 'silent' }),
      workflowBundle: await migrationBundle(),
      shutdownGraceTime: '1s',
      ...options,
    });
    const running = worker.run();
    let stopped: Promise<void> | undefined;
    const handle: RunningMigrationWorker = {
      worker,
      stop() {
        if (!stopped) {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          stopped = running;
        }
        return stopped;
      },
    };
    this.workers.push(handle);
    return handle;
  }

  /** The Schedule `scheduleId`, created paused, whose runs migrate this bed (batches of 50) on its task queue. */
  ensureSchedule(scheduleId: string) {
    return ensureMigrationSchedule(this.env.client, {
      scheduleId,
      intervalSeconds: 3600,
      pausedOnCreate: true,
      taskQueue: this.taskQueue,
      workflowInput: { sourceSchema: this.sourceSchema, batchSize: 50 },
    });
  }

  /** Starts a run on this file's task queue; `result()` waits for the whole chain. */
  async startRun(input: MigrationWorkflowInput = {}) {
    const workflowId = `test-migration-${randomUUID()}`;
    this.started.push(workflowId);
    return this.env.client.workflow.start(MIGRATION_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [{ sourceSchema: this.sourceSchema, batchSize: 300, batchesPerExecution: 4, ...input }],
    });
  }

  /** Runs the migration to its end; returns the result and the run's row. */
  async migrate(input: MigrationWorkflowInput = {}): Promise<{ result: MigrationWorkflowResult; run: MigrationRunRow }> {
    const handle = await this.startRun(input);
    const result = (await handle.result()) as MigrationWorkflowResult;
    return { result, run: await this.runRow(result.state.runId) };
  }

  async runRow(runId: string): Promise<MigrationRunRow> {
    const [row] = await this.dataSource.query('SELECT * FROM migration_runs WHERE id = $1', [runId]);
    return row;
  }

  /** Rows of the legacy schema (pool on DATABASE_URL, qualified names). */
  async legacyQuery<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const { rows } = await this.legacy.pool.query(sql.replaceAll('legacy.', `${this.sourceSchema}.`), params);
    return rows as T[];
  }

  /** A digest of everything the migration writes into the target, to prove a re-run changed nothing. */
  async targetDigest(): Promise<Record<string, string>> {
    const tables: Record<string, string> = {
      customers: 'id',
      products: 'sku',
      stock_movements: 'id',
      orders: 'id',
      order_lines: 'order_id, line_no',
      order_events: 'order_id, seq',
      migration_quarantine: 'id',
      migration_adoptions: 'order_id',
    };
    const digest: Record<string, string> = {};
    for (const [table, order] of Object.entries(tables)) {
      const [row] = await this.dataSource.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY ${order}), '')) AS d FROM ${table} t`);
      digest[table] = `${row.n}:${row.d}`;
    }
    return digest;
  }
}
