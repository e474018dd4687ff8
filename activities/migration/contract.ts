// The migration's activities as types only: workflows/migration.ts imports this file with
// `import type`; the migration worker registers `createMigrationActivities(deps)`.
// Batches return counts and cursors, never rows: workflow history stays small whatever the volume.
import type { MigrationCounts, MigrationMode } from '../../entities/migration-run';

/** Legacy tables walked by `(modified_dt, key)`, in this order (orders need customers and products). */
export const WATERMARKED_TABLES = ['customers', 'products', 'orders'] as const;
export type WatermarkedTable = (typeof WATERMARKED_TABLES)[number];

/**
 * The phases of a run, in order. `orphan_lines` scans for lines whose order does not exist (they
 * have no modified_dt of their own, so every run looks at all of them; it is one index walk).
 */
export const MIGRATION_PHASES = ['customers', 'products', 'orders', 'orphan_lines'] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** The last row taken: its modified_dt ('2024-05-01T02:00:00.000000', no zone) and key as text. */
export interface Watermark {
  modifiedDt: string;
  key: string;
}
export type Watermarks = Record<WatermarkedTable, Watermark | null>;

export interface OrphanCursor {
  orderNo: number;
  lineNo: number;
}

// The migration_runs row stores these as they are.
export type { MigrationCounts, MigrationMode };

export interface BeginMigrationRunInput {
  runId: string;
  workflowId: string;
  sourceSchema: string;
  mode: MigrationMode;
  batchSize: number;
}

/** Where a run stands: what the workflow carries across continue-as-new. */
export interface MigrationRunState {
  runId: string;
  phase: MigrationPhase | 'reconcile' | 'done';
  watermarks: Watermarks;
  orphanCursor: OrphanCursor | null;
  batches: number;
  totals: MigrationCounts;
}

export interface MigrateBatchInput {
  runId: string;
  sourceSchema: string;
  phase: MigrationPhase;
  /** The run's batch counter after this batch: a retry of a committed batch is recognised by it. */
  batchNo: number;
  batchSize: number;
  /** The cursor the batch starts after (null: from the beginning). */
  after: Watermark | OrphanCursor | null;
}

export interface MigrateBatchResult {
  phase: MigrationPhase;
  batchNo: number;
  counts: MigrationCounts;
  /** The cursor after this batch (unchanged when the batch was empty). */
  next: Watermark | OrphanCursor | null;
  /** Fewer rows than the batch size: the phase has nothing more. */
  done: boolean;
  /** The phase the run goes on with: this one, or the next when it is done ('reconcile' after the last). */
  nextPhase: MigrationPhase | 'reconcile';
  /** The run's totals after this batch, as recorded in migration_runs. */
  totals: MigrationCounts;
}

export interface ReconciliationSummary {
  discrepancies: number;
  byKind: Record<string, number>;
}

export interface MigrationActivities {
  /** Creates the run's migration_runs row (or finds it, when a chain is resumed) and returns where it stands. */
  beginMigrationRun(input: BeginMigrationRunInput): Promise<MigrationRunState>;
  /** Extracts one batch after the cursor, transforms it, upserts it (multi-row), quarantines what it cannot take; one transaction. */
  migrateBatch(input: MigrateBatchInput): Promise<MigrateBatchResult>;
  /** Compares source and target once per run; stores every difference in migration_discrepancies. */
  reconcileMigration(input: { runId: string; sourceSchema: string }): Promise<ReconciliationSummary>;
  /** The adoption hook: hands awaiting P and S orders to order workflows (see adopt-legacy-orders.ts). */
  adoptLegacyOrders(input: { runId: string; sourceSchema: string }): Promise<{ awaiting: number; adopted: number }>;
  /** Marks the run completed or failed (with the error). */
  finishMigrationRun(input: { runId: string; status: 'completed' | 'failed'; error?: string }): Promise<void>;
}
