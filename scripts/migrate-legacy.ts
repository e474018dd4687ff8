// `./dev migrate`: runs the legacy migration now and follows it to the end.
//   node dist/scripts/migrate-legacy.js
// Triggers the migration Schedule through the Temporal client (as POST /v1/migration-runs does;
// a run already active is followed instead), polls its migration_runs row and draws one progress
// line with rows/s, then prints the quarantined rows and the discrepancies by kind. Ctrl-C stops
// following only: the run goes on, and running this again follows it. Exit 1 when the run failed.
import 'reflect-metadata';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { triggerMigrationRun } from '../api/migration-trigger';
import { MIGRATION_SCHEDULE_ID } from '../domain/ids';
import { quoteSchemaName } from '../legacy/schema-name';
import { baseSchema, loadConfig } from '../runtime/config';
import { createDataConverter } from '../runtime/data-converter';

export type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface FollowOptions {
  client: Client;
  query: Query;
  scheduleId?: string;
  write?: (text: string) => void;
  /** Redraw one line in place (a terminal) or print a line every `plainEveryMs` (a log). */
  tty?: boolean;
  pollMs?: number;
  plainEveryMs?: number;
  /** How long the triggered run may take to show on the Schedule (the worker must be up). */
  startTimeoutMs?: number;
}

interface RunRow {
  id: string;
  status: string;
  phase: string;
  source_schema: string;
  batches: number;
  rows_read: string;
  rows_inserted: string;
  rows_updated: string;
  rows_unchanged: string;
  rows_quarantined: string;
  rows_per_second: string | null;
  table_counts: Record<string, { read: number }>;
  start_watermarks: Record<string, { modifiedDt: string; key: string } | null>;
  discrepancies: number | null;
  error: string | null;
  seconds: string;
}

/** The watermarked legacy tables, their key column and its type. */
const TABLES = [
  ['customers', 'cust_id', 'int'],
  ['products', 'prod_code', 'varchar'],
  ['orders', 'order_no', 'int'],
] as const;

const n = (v: unknown) => Number(v ?? 0).toLocaleString('en-US');

/** Legacy rows each watermarked phase will read (after the run's start watermarks); null if the schema cannot be read. */
async function expectedRows(query: Query, run: RunRow): Promise<Record<string, number> | null> {
  try {
    const s = quoteSchemaName(run.source_schema);
    const expected: Record<string, number> = {};
    for (const [table, key, type] of TABLES) {
      const mark = run.start_watermarks[table] ?? null;
      const [row] = await query(
        `SELECT count(*)::bigint AS n FROM ${s}.${table} WHERE $1::text IS NULL OR (modified_dt, ${key}) > ($1::timestamp, $2::${type})`,
        [mark?.modifiedDt ?? null, mark?.key ?? null],
      );
      expected[table] = Number(row.n);
    }
    return expected;
  } catch {
    return null;
  }
}

export function progressLine(run: RunRow, expected: Record<string, number> | null, width = 24): string {
  const rows = `${n(run.rows_read)} rows, ${n(Math.round(Number(run.rows_per_second ?? 0)))} rows/s, ${n(run.rows_quarantined)} quarantined`;
  const where = `${run.phase.padEnd(12)} batch ${run.batches}`;
  if (!expected) return `${where}  ${rows}`;
  const total = TABLES.reduce((sum, [t]) => sum + expected[t], 0);
  const done = TABLES.reduce((sum, [t]) => sum + Math.min(run.table_counts[t]?.read ?? 0, expected[t]), 0);
  const finished = run.phase === 'reconcile' || run.phase === 'done';
  const fraction = finished || total === 0 ? 1 : done / total;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${where}  ${rows}`;
}

async function summary(query: Query, run: RunRow): Promise<string[]> {
  const lines = [
    `run ${run.id} ${run.status} after ${Number(run.seconds).toFixed(1)} s: ${n(run.rows_read)} rows read (${n(run.rows_inserted)} inserted, ${n(run.rows_updated)} updated, ` +
      `${n(run.rows_unchanged)} unchanged, ${n(run.rows_quarantined)} quarantined) in ${run.batches} batches, ${n(Math.round(Number(run.rows_per_second ?? 0)))} rows/s`,
  ];
  if (run.error) lines.push(`error: ${run.error}`);
  const quarantine = await query(
    `SELECT reason, disposition, count(*)::int AS total, (count(*) FILTER (WHERE run_id = $2))::int AS new
       FROM migration_quarantine WHERE source_schema = $1 AND resolved_at IS NULL
      GROUP BY reason, disposition ORDER BY total DESC, reason, disposition`,
    [run.source_schema, run.id],
  );
  const quarantined = quarantine.reduce((sum, r) => sum + Number(r.total), 0);
  lines.push(`quarantined rows (unresolved, ${run.source_schema}): ${n(quarantined)}`);
  for (const r of quarantine) lines.push(`  ${String(r.reason).padEnd(28)} ${String(r.disposition).padEnd(18)} ${n(r.total).padStart(8)}  (${n(r.new)} new in this run)`);
  const kinds = await query(`SELECT kind, count(*)::int AS total FROM migration_discrepancies WHERE run_id = $1 GROUP BY kind ORDER BY total DESC, kind`, [run.id]);
  lines.push(run.discrepancies === null ? 'discrepancies: not reconciled' : `discrepancies: ${n(run.discrepancies)}`);
  for (const r of kinds) lines.push(`  ${String(r.kind).padEnd(28)} ${n(r.total).padStart(8)}`);
  return lines;
}

const RUN_COLUMNS = `*, extract(epoch FROM coalesce(finished_at, now()) - started_at)::text AS seconds`;

/** Triggers (or joins) a run and follows it to its end; resolves with the exit code. */
export async function followMigration(options: FollowOptions): Promise<number> {
  const { client, query } = options;
  const scheduleId = options.scheduleId ?? MIGRATION_SCHEDULE_ID;
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const pollMs = options.pollMs ?? 500;

  const trigger = await triggerMigrationRun(client, scheduleId, { awaitStartMs: options.startTimeoutMs ?? 15_000 });
  if (!trigger.triggered && trigger.reason === 'no_schedule') {
    write(`migrate: there is no migration Schedule '${scheduleId}' yet; the worker creates it when it starts (./dev up)\n`);
    return 1;
  }
  if (trigger.triggered && !trigger.run) {
    write(`migrate: triggered, but no run started within ${(options.startTimeoutMs ?? 15_000) / 1000} s; is the worker running? (./dev status)\n`);
    return 1;
  }
  const ref = trigger.run!;
  write(trigger.triggered ? `migrate: started run ${ref.runId} (workflow ${ref.workflowId})\n` : `migrate: run ${ref.runId} is already active; following it\n`);

  const handle = client.workflow.getHandle(ref.workflowId);
  let expected: Record<string, number> | null | undefined;
  let lastPlain = 0;
  let polls = 0;
  for (;;) {
    const [run] = (await query(`SELECT ${RUN_COLUMNS} FROM migration_runs WHERE id = $1`, [ref.runId])) as unknown as RunRow[];
    if (run) {
      if (expected === undefined) expected = await expectedRows(query, run);
      const line = progressLine(run, expected);
      if (options.tty) write(`\r${line}\x1b[K`);
      else if (Date.now() - lastPlain >= (options.plainEveryMs ?? 5000) || run.status === 'completed' || run.status === 'failed') {
        write(`${line}\n`);
        lastPlain = Date.now();
      }
      if (run.status === 'completed' || run.status === 'failed') {
        if (options.tty) write('\n');
        for (const l of await summary(query, run)) write(`${l}\n`);
        return run.status === 'completed' ? 0 : 1;
      }
    }
    // A workflow ended without finishing its row (terminated, or timed out) would be waited for forever.
    if (++polls % 10 === 0) {
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING' && status.name !== 'CONTINUED_AS_NEW') {
        const [again] = (await query(`SELECT status FROM migration_runs WHERE id = $1`, [ref.runId])) as { status?: string }[];
        if (again?.status !== 'completed' && again?.status !== 'failed') {
          write(`${options.tty ? '\n' : ''}migrate: workflow ${ref.workflowId} ended as ${status.name} without finishing run ${ref.runId}\n`);
          return 1;
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function main(): Promise<void> {
  const config = loadConfig(baseSchema);
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 2 });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: createDataConverter(config) });
  process.once('SIGINT', () => {
    process.stdout.write('\nmigrate: stopped following; the run goes on (./dev migrate follows it again)\n');
    process.exit(130);
  });
  try {
    process.exitCode = await followMigration({
      client,
      query: async (sql, params) => (await pool.query(sql, params)).rows,
      scheduleId: process.env.MIGRATION_SCHEDULE_ID || MIGRATION_SCHEDULE_ID,
      tty: process.stdout.isTTY === true,
    });
  } finally {
    await connection.close();
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
