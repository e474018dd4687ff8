import type { MigrationInterface, QueryRunner } from 'typeorm';

const DISCREPANCY_KINDS = [
  'missing_in_target',
  'unexpected_in_target',
  'total_mismatch',
  'status_mismatch',
  'customer_mismatch',
  'product_mismatch',
  'quarantined_source_row',
  'count_mismatch',
  'sum_mismatch',
];

/**
 * The legacy migration's bookkeeping: its runs (watermarks and counters kept current, so a
 * killed run resumes), the quarantine of rows it could not take over, the reconciliation's
 * discrepancies, and the imported in-flight orders waiting to be adopted by order workflows.
 */
export class MigrationTables1795651200100 implements MigrationInterface {
  name = 'MigrationTables1795651200100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE migration_runs (
        id               uuid PRIMARY KEY,
        workflow_id      varchar(200) NOT NULL,
        source_schema    varchar(63) NOT NULL,
        mode             varchar(12) NOT NULL CONSTRAINT migration_runs_mode_check CHECK (mode IN ('incremental', 'full')),
        status           varchar(12) NOT NULL
                         CONSTRAINT migration_runs_status_check CHECK (status IN ('running', 'reconciling', 'completed', 'failed')),
        phase            varchar(20) NOT NULL,
        batch_size       integer NOT NULL CONSTRAINT migration_runs_batch_size_check CHECK (batch_size > 0),
        batches          integer NOT NULL DEFAULT 0,
        rows_read        bigint NOT NULL DEFAULT 0,
        rows_inserted    bigint NOT NULL DEFAULT 0,
        rows_updated     bigint NOT NULL DEFAULT 0,
        rows_unchanged   bigint NOT NULL DEFAULT 0,
        rows_quarantined bigint NOT NULL DEFAULT 0,
        rows_per_second  numeric(12,2),
        table_counts     jsonb NOT NULL DEFAULT '{}',
        start_watermarks jsonb NOT NULL DEFAULT '{}',
        watermarks       jsonb NOT NULL DEFAULT '{}',
        orphan_cursor    jsonb,
        last_batch       jsonb,
        reconciliation   jsonb,
        discrepancies    integer,
        error            text,
        started_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        finished_at      timestamptz
      )`);
    await q.query(`CREATE INDEX migration_runs_source_schema_started_at_idx ON migration_runs (source_schema, started_at DESC)`);
    await q.query(`CREATE INDEX migration_runs_started_at_id_idx ON migration_runs (started_at, id)`);

    await q.query(`
      CREATE TABLE migration_quarantine (
        id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id             uuid REFERENCES migration_runs (id) ON DELETE SET NULL,
        source_schema      varchar(63) NOT NULL,
        source_table       varchar(20) NOT NULL
                           CONSTRAINT migration_quarantine_source_table_check CHECK (source_table IN ('customers', 'products', 'orders', 'order_lines')),
        source_key         varchar(100) NOT NULL,
        parent_key         varchar(100),
        reason             varchar(40) NOT NULL,
        detail             text NOT NULL,
        disposition        varchar(20) NOT NULL
                           CONSTRAINT migration_quarantine_disposition_check CHECK (disposition IN ('excluded', 'merged', 'imported_inactive', 'imported_adjusted')),
        target_id          uuid,
        source_modified_dt timestamp,
        first_seen_at      timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        resolved_at        timestamptz,
        CONSTRAINT migration_quarantine_row_reason_key UNIQUE (source_schema, source_table, source_key, reason)
      )`);
    await q.query(`CREATE INDEX migration_quarantine_parent_key_idx ON migration_quarantine (source_schema, parent_key) WHERE parent_key IS NOT NULL`);
    await q.query(`CREATE INDEX migration_quarantine_run_id_idx ON migration_quarantine (run_id)`);

    await q.query(`
      CREATE TABLE migration_discrepancies (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id       uuid NOT NULL REFERENCES migration_runs (id) ON DELETE CASCADE,
        kind         varchar(40) NOT NULL
                     CONSTRAINT migration_discrepancies_kind_check CHECK (kind IN (${DISCREPANCY_KINDS.map((k) => `'${k}'`).join(', ')})),
        source_table varchar(20) NOT NULL,
        source_key   varchar(100),
        target_id    uuid,
        expected     jsonb,
        actual       jsonb,
        detail       text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX migration_discrepancies_run_id_kind_id_idx ON migration_discrepancies (run_id, kind, id)`);
    await q.query(`CREATE INDEX migration_discrepancies_run_id_id_idx ON migration_discrepancies (run_id, id)`);

    await q.query(`
      CREATE TABLE migration_adoptions (
        order_id        uuid PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
        legacy_order_no integer NOT NULL CONSTRAINT migration_adoptions_legacy_order_no_key UNIQUE,
        source_schema   varchar(63) NOT NULL,
        legacy_status   char(1) NOT NULL CONSTRAINT migration_adoptions_legacy_status_check CHECK (legacy_status IN ('P', 'S')),
        imported_status varchar(20) NOT NULL,
        legacy_modified_dt timestamp NOT NULL,
        workflow_id     varchar(200),
        created_at      timestamptz NOT NULL DEFAULT now(),
        adopted_at      timestamptz
      )`);
    await q.query(`CREATE INDEX migration_adoptions_awaiting_idx ON migration_adoptions (legacy_order_no) WHERE adopted_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE migration_adoptions`);
    await q.query(`DROP TABLE migration_discrepancies`);
    await q.query(`DROP TABLE migration_quarantine`);
    await q.query(`DROP TABLE migration_runs`);
  }
}
