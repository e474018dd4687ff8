import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Legacy N orders are adopted too: an order workflow parks them NEEDS_ATTENTION ('legacy order
 * without payment') so an operator's cancel, and the auto-cancel, work on them like on any order.
 */
export class AdoptNewLegacyOrders1795651200101 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE migration_adoptions DROP CONSTRAINT migration_adoptions_legacy_status_check`);
    await q.query(`ALTER TABLE migration_adoptions ADD CONSTRAINT migration_adoptions_legacy_status_check CHECK (legacy_status IN ('N', 'P', 'S'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM migration_adoptions WHERE legacy_status = 'N'`);
    await q.query(`ALTER TABLE migration_adoptions DROP CONSTRAINT migration_adoptions_legacy_status_check`);
    await q.query(`ALTER TABLE migration_adoptions ADD CONSTRAINT migration_adoptions_legacy_status_check CHECK (legacy_status IN ('P', 'S'))`);
  }
}
