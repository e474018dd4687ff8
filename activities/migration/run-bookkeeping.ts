// The migration_runs row: created when a run begins, updated by every batch in the batch's own
// transaction (so watermarks and counters are exactly what was committed), finished at the end.
// A batch retried after its commit (the worker died before reporting it) is recognised by its
// batch number and answered from the row instead of running again: no double counting.
import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import { addCounts, emptyCounts } from './batch';
import {
  type BeginMigrationRunInput,
  MIGRATION_PHASES,
  type MigrateBatchInput,
  type MigrateBatchResult,
  type MigrationCounts,
  type MigrationPhase,
  type MigrationRunState,
  type OrphanCursor,
  type Watermark,
  type Watermarks,
} from './contract';

interface RunRow {
  id: string;
  status: string;
  phase: MigrationRunState['phase'];
  batches: number;
  rows_read: string;
  rows_inserted: string;
  rows_updated: string;
  rows_unchanged: string;
  rows_quarantined: string;
  table_counts: Record<string, MigrationCounts>;
  watermarks: Partial<Watermarks>;
  orphan_cursor: OrphanCursor | null;
  last_batch: { batchNo: number; result: MigrateBatchResult } | null;
}

const NO_WATERMARKS: Watermarks = { customers: null, products: null, orders: null };

function totalsOf(row: RunRow): MigrationCounts {
  return {
    read: Number(row.rows_read),
    inserted: Number(row.rows_inserted),
    updated: Number(row.rows_updated),
    unchanged: Number(row.rows_unchanged),
    quarantined: Number(row.rows_quarantined),
  };
}

function stateOf(row: RunRow): MigrationRunState {
  return {
    runId: row.id,
    phase: row.phase,
    watermarks: { ...NO_WATERMARKS, ...row.watermarks },
    orphanCursor: row.orphan_cursor,
    batches: row.batches,
    totals: totalsOf(row),
  };
}

/** The phase after `phase`; after the last one comes the reconciliation. */
export function nextPhase(phase: MigrationPhase): MigrationPhase | 'reconcile' {
  const i = MIGRATION_PHASES.indexOf(phase);
  return i + 1 < MIGRATION_PHASES.length ? MIGRATION_PHASES[i + 1] : 'reconcile';
}

/**
 * Creates the run's row, starting (incremental) from the watermarks of the latest earlier run on
 * the same source; finds the row when it exists already (a resumed chain) and returns its state.
 */
export async function beginMigrationRun(dataSource: DataSource, input: BeginMigrationRunInput): Promise<MigrationRunState> {
  return dataSource.transaction(async (manager) => {
    const [found]: RunRow[] = await manager.query('SELECT * FROM migration_runs WHERE id = $1', [input.runId]);
    if (found) return stateOf(found);
    let start: Watermarks = NO_WATERMARKS;
    if (input.mode === 'incremental') {
      const [previous]: { watermarks: Partial<Watermarks> }[] = await manager.query(
        `SELECT watermarks FROM migration_runs WHERE source_schema = $1 ORDER BY started_at DESC, id DESC LIMIT 1`,
        [input.sourceSchema],
      );
      if (previous) start = { ...NO_WATERMARKS, ...previous.watermarks };
    }
    const [created]: RunRow[] = await manager.query(
      `INSERT INTO migration_runs (id, workflow_id, source_schema, mode, status, phase, batch_size, start_watermarks, watermarks)
       VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $7)
       ON CONFLICT (id) DO NOTHING
       RETURNING *`,
      [input.runId, input.workflowId, input.sourceSchema, input.mode, MIGRATION_PHASES[0], input.batchSize, JSON.stringify(start)],
    );
    if (created) return stateOf(created);
    const [raced]: RunRow[] = await manager.query('SELECT * FROM migration_runs WHERE id = $1', [input.runId]);
    return stateOf(raced);
  });
}

export type PhaseRunner = (manager: EntityManager) => Promise<{ counts: MigrationCounts; taken: number; next: Watermark | OrphanCursor | null }>;

/**
 * Runs one batch in one transaction with the run row locked: the phase's work, then the row's
 * counters, watermark and phase. A batch number already recorded returns the recorded result.
 */
export async function runBatch(dataSource: DataSource, input: MigrateBatchInput, phase: PhaseRunner): Promise<MigrateBatchResult> {
  return dataSource.transaction(async (manager) => {
    const [row]: RunRow[] = await manager.query('SELECT * FROM migration_runs WHERE id = $1 FOR UPDATE', [input.runId]);
    if (!row) throw ApplicationFailure.nonRetryable(`migration run ${input.runId} does not exist`, 'UnknownMigrationRun');
    if (row.batches === input.batchNo && row.last_batch?.batchNo === input.batchNo) return row.last_batch.result;
    if (row.batches !== input.batchNo - 1) {
      throw ApplicationFailure.nonRetryable(
        `batch ${input.batchNo} is out of sequence: run ${input.runId} has recorded ${row.batches} batches`,
        'MigrationBatchOutOfSequence',
      );
    }

    const outcome = await phase(manager);
    const done = outcome.taken < input.batchSize;
    const tableCounts = { ...row.table_counts, [input.phase]: addCounts(row.table_counts[input.phase] ?? emptyCounts(), outcome.counts) };
    const totals = addCounts(totalsOf(row), outcome.counts);
    const watermarks = { ...NO_WATERMARKS, ...row.watermarks };
    let orphanCursor = row.orphan_cursor;
    if (input.phase === 'orphan_lines') orphanCursor = outcome.next as OrphanCursor | null;
    else watermarks[input.phase] = outcome.next as Watermark | null;
    const result: MigrateBatchResult = {
      phase: input.phase,
      batchNo: input.batchNo,
      counts: outcome.counts,
      next: outcome.next,
      done,
      nextPhase: done ? nextPhase(input.phase) : input.phase,
      totals,
    };

    await manager.query(
      `UPDATE migration_runs
          SET batches = $2, phase = $3, rows_read = $4::bigint, rows_inserted = $5, rows_updated = $6, rows_unchanged = $7, rows_quarantined = $8,
              table_counts = $9, watermarks = $10, orphan_cursor = $11, last_batch = $12, updated_at = now(),
              rows_per_second = round($4::bigint / greatest(extract(epoch FROM now() - started_at), 0.001), 2)
        WHERE id = $1`,
      [
        input.runId,
        input.batchNo,
        result.nextPhase,
        totals.read,
        totals.inserted,
        totals.updated,
        totals.unchanged,
        totals.quarantined,
        JSON.stringify(tableCounts),
        JSON.stringify(watermarks),
        orphanCursor ? JSON.stringify(orphanCursor) : null,
        JSON.stringify({ batchNo: input.batchNo, result }),
      ],
    );
    return result;
  });
}

export async function markRunReconciling(dataSource: DataSource, runId: string): Promise<void> {
  await dataSource.query(`UPDATE migration_runs SET status = 'reconciling', phase = 'reconcile', updated_at = now() WHERE id = $1 AND status = 'running'`, [runId]);
}

export async function finishMigrationRun(dataSource: DataSource, input: { runId: string; status: 'completed' | 'failed'; error?: string }): Promise<void> {
  await dataSource.query(
    `UPDATE migration_runs
        SET status = $2::varchar, phase = CASE WHEN $2::varchar = 'completed' THEN 'done' ELSE phase END, error = $3,
            finished_at = coalesce(finished_at, now()), updated_at = now()
      WHERE id = $1`,
    [input.runId, input.status, input.error ?? null],
  );
}
