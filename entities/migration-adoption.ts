import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An in-flight legacy order (P or S) imported as a projection and waiting for an order workflow
 * to adopt it (see activities/migration/adopt-legacy-orders.ts). `adoptedAt` null = awaiting.
 * Once adopted, the workflow owns the order and the migration never writes it again.
 */
@Entity({ name: 'migration_adoptions' })
export class MigrationAdoption {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'legacy_order_no', type: 'integer', unique: true })
  legacyOrderNo: number;

  @Column({ name: 'source_schema', type: 'varchar', length: 63 })
  sourceSchema: string;

  /** 'P' (processing: reserved and authorized in the legacy system), 'S' (shipped) or 'N' (new: no payment). */
  @Column({ name: 'legacy_status', type: 'char', length: 1 })
  legacyStatus: 'N' | 'P' | 'S';

  /** The status the projection was imported with (PROCESSING, SHIPPED or NEEDS_ATTENTION). */
  @Column({ name: 'imported_status', type: 'varchar', length: 20 })
  importedStatus: string;

  /** The legacy modified_dt the projection was imported from: a later one means the legacy row changed. */
  @Column({ name: 'legacy_modified_dt', type: 'timestamp' })
  legacyModifiedDt: Date;

  @Column({ name: 'workflow_id', type: 'varchar', length: 200, nullable: true })
  workflowId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'adopted_at', type: 'timestamptz', nullable: true })
  adoptedAt: Date | null;
}
