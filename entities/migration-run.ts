import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from './column-types';

export const MIGRATION_RUN_STATUSES = ['running', 'reconciling', 'completed', 'failed'] as const;
export type MigrationRunStatus = (typeof MIGRATION_RUN_STATUSES)[number];
export type MigrationMode = 'incremental' | 'full';

/** Rows read / inserted / updated / unchanged / quarantined, per legacy table or in total. */
export interface MigrationCounts {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
}

const countColumn = (name: string) => ({ name, type: 'bigint', default: 0, transformer: bigintToNumber }) as const;

/**
 * One migration run: one chain of migration workflow executions (its id is the chain's first
 * run id, stable across continue-as-new). Every batch updates it in the same transaction as the
 * rows it wrote, so the watermarks and counters here are exact, and a killed run resumes from them.
 */
@Entity({ name: 'migration_runs' })
export class MigrationRun {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'workflow_id', type: 'varchar', length: 200 })
  workflowId: string;

  /** The legacy schema read from ('legacy' unless a test or an operator says otherwise). */
  @Column({ name: 'source_schema', type: 'varchar', length: 63 })
  sourceSchema: string;

  @Column({ name: 'mode', type: 'varchar', length: 12 })
  mode: MigrationMode;

  @Column({ name: 'status', type: 'varchar', length: 12 })
  status: MigrationRunStatus;

  /** customers, products, orders, orphan_lines, reconcile, done. */
  @Column({ name: 'phase', type: 'varchar', length: 20 })
  phase: string;

  @Column({ name: 'batch_size', type: 'integer' })
  batchSize: number;

  @Column({ name: 'batches', type: 'integer', default: 0 })
  batches: number;

  @Column(countColumn('rows_read'))
  rowsRead: number;

  @Column(countColumn('rows_inserted'))
  rowsInserted: number;

  @Column(countColumn('rows_updated'))
  rowsUpdated: number;

  @Column(countColumn('rows_unchanged'))
  rowsUnchanged: number;

  @Column(countColumn('rows_quarantined'))
  rowsQuarantined: number;

  /** Rows read per second since the run started (numeric(12,2) as a decimal string). */
  @Column({ name: 'rows_per_second', type: 'numeric', precision: 12, scale: 2, nullable: true })
  rowsPerSecond: string | null;

  @Column({ name: 'table_counts', type: 'jsonb', default: {} })
  tableCounts: Record<string, MigrationCounts>;

  /** Where this run started: the previous run's watermarks (incremental) or none (full). */
  @Column({ name: 'start_watermarks', type: 'jsonb', default: {} })
  startWatermarks: Record<string, { modifiedDt: string; key: string } | null>;

  /** `(modified_dt, key)` of the last row taken, per legacy table. */
  @Column({ name: 'watermarks', type: 'jsonb', default: {} })
  watermarks: Record<string, { modifiedDt: string; key: string } | null>;

  @Column({ name: 'orphan_cursor', type: 'jsonb', nullable: true })
  orphanCursor: { orderNo: number; lineNo: number } | null;

  /** The last batch's input and result: a retried batch activity returns it instead of running twice. */
  @Column({ name: 'last_batch', type: 'jsonb', nullable: true })
  lastBatch: Record<string, unknown> | null;

  /** The reconciliation's figures (counts and sums by status, customers, products). */
  @Column({ name: 'reconciliation', type: 'jsonb', nullable: true })
  reconciliation: Record<string, unknown> | null;

  @Column({ name: 'discrepancies', type: 'integer', nullable: true })
  discrepancies: number | null;

  @Column({ name: 'error', type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
