import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What happened to a quarantined row: `excluded` (not migrated), `merged` (a duplicate customer
 * folded into `targetId`), `imported_inactive` (a deleted customer kept for its orders, inactive),
 * `imported_adjusted` (migrated with a value corrected, the detail says which).
 */
export const QUARANTINE_DISPOSITIONS = ['excluded', 'merged', 'imported_inactive', 'imported_adjusted'] as const;
export type QuarantineDisposition = (typeof QUARANTINE_DISPOSITIONS)[number];

export type LegacySourceTable = 'customers' | 'products' | 'orders' | 'order_lines';

/**
 * A legacy row the migration could not take over as it is, with the reason. One row per
 * (source row, reason); nothing is dropped silently. `resolvedAt` is set when a later run
 * migrated the row after all (the legacy system fixed it).
 */
@Entity({ name: 'migration_quarantine' })
export class MigrationQuarantine {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id: string;

  /** The run that found it first. */
  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId: string | null;

  @Column({ name: 'source_schema', type: 'varchar', length: 63 })
  sourceSchema: string;

  @Column({ name: 'source_table', type: 'varchar', length: 20 })
  sourceTable: LegacySourceTable;

  /** cust_id, prod_code, order_no, or 'order_no/line_no' for a line. */
  @Column({ name: 'source_key', type: 'varchar', length: 100 })
  sourceKey: string;

  /** The order_no of a line. */
  @Column({ name: 'parent_key', type: 'varchar', length: 100, nullable: true })
  parentKey: string | null;

  /** A code: the generator's dirty kinds (unknown_product, duplicate_email, ...) and a few more. */
  @Column({ name: 'reason', type: 'varchar', length: 40 })
  reason: string;

  @Column({ name: 'detail', type: 'text' })
  detail: string;

  @Column({ name: 'disposition', type: 'varchar', length: 20 })
  disposition: QuarantineDisposition;

  /** The target row it was merged into or imported as, if any. */
  @Column({ name: 'target_id', type: 'uuid', nullable: true })
  targetId: string | null;

  @Column({ name: 'source_modified_dt', type: 'timestamp', nullable: true })
  sourceModifiedDt: Date | null;

  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;
}
