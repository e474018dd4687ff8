import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const DISCREPANCY_KINDS = [
  'missing_in_target',
  'unexpected_in_target',
  'total_mismatch',
  'status_mismatch',
  'customer_mismatch',
  'product_mismatch',
  'quarantined_source_row',
  'count_mismatch',
  'sum_mismatch',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** One difference the reconciliation found between the legacy source and the target. */
@Entity({ name: 'migration_discrepancies' })
export class MigrationDiscrepancy {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @Column({ name: 'kind', type: 'varchar', length: 40 })
  kind: DiscrepancyKind;

  /** customers, products, orders, order_lines; `status:<S>` rows compare aggregates. */
  @Column({ name: 'source_table', type: 'varchar', length: 20 })
  sourceTable: string;

  @Column({ name: 'source_key', type: 'varchar', length: 100, nullable: true })
  sourceKey: string | null;

  @Column({ name: 'target_id', type: 'uuid', nullable: true })
  targetId: string | null;

  @Column({ name: 'expected', type: 'jsonb', nullable: true })
  expected: unknown;

  @Column({ name: 'actual', type: 'jsonb', nullable: true })
  actual: unknown;

  @Column({ name: 'detail', type: 'text' })
  detail: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
