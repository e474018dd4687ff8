// The quarantine: every legacy row the migration cannot take over as it is, with a reason.
// Each batch syncs the quarantine for the source rows it looked at: the reasons that still hold
// are upserted (a row is written only when something about it changed, so a re-run changes
// nothing), and older reasons of those rows that no longer hold are marked resolved.
import type { LegacySourceTable, QuarantineDisposition } from '../../entities/migration-quarantine';
import { batchColumns } from '../../entities/batch-columns';
import type { BatchContext } from './batch';

export interface QuarantineEntry {
  table: LegacySourceTable;
  key: string;
  /** The order_no of a line. */
  parentKey?: string | null;
  reason: string;
  detail: string;
  disposition: QuarantineDisposition;
  targetId?: string | null;
  modifiedDt?: string | null;
}

/** The source rows a batch looked at: by key, or (lines) by their order's key. */
export interface QuarantineScope {
  table: LegacySourceTable;
  keys?: string[];
  parentKeys?: string[];
}

const REASON_COLUMNS = batchColumns({ source_key: 'varchar', reason: 'varchar' });
const ENTRY_COLUMNS = batchColumns({
  source_table: 'varchar',
  source_key: 'varchar',
  parent_key: 'varchar',
  reason: 'varchar',
  detail: 'text',
  disposition: 'varchar',
  target_id: 'uuid',
  source_modified_dt: 'timestamp',
});

/** Writes `entries` and resolves stale reasons within `scopes`; returns how many source rows are quarantined. */
export async function syncQuarantine(ctx: BatchContext, scopes: QuarantineScope[], entries: QuarantineEntry[]): Promise<number> {
  const unique = new Map<string, QuarantineEntry>();
  for (const e of entries) unique.set(`${e.table}\u0000${e.key}\u0000${e.reason}`, e);
  const rows = [...unique.values()];

  for (const scope of scopes) {
    const keys = scope.keys ?? [];
    const parentKeys = scope.parentKeys ?? [];
    if (keys.length === 0 && parentKeys.length === 0) continue;
    const current = rows.filter((e) => e.table === scope.table);
    await ctx.manager.query(
      `UPDATE migration_quarantine q SET resolved_at = now(), updated_at = now()
        WHERE q.source_schema = $1 AND q.source_table = $2 AND q.resolved_at IS NULL
          AND (q.source_key = ANY ($3::varchar[]) OR q.parent_key = ANY ($4::varchar[]))
          AND NOT EXISTS (SELECT 1 FROM ${REASON_COLUMNS.unnest('c', 5)} WHERE c.source_key = q.source_key AND c.reason = q.reason)`,
      [ctx.sourceSchema, scope.table, keys, parentKeys, ...REASON_COLUMNS.arrays(current.map((e) => ({ source_key: e.key, reason: e.reason })))],
    );
  }

  if (rows.length > 0) {
    await ctx.manager.query(
      `INSERT INTO migration_quarantine
              (run_id, source_schema, source_table, source_key, parent_key, reason, detail, disposition, target_id, source_modified_dt)
       SELECT $1, $2, t.* FROM ${ENTRY_COLUMNS.unnest('t', 3)}
       ON CONFLICT (source_schema, source_table, source_key, reason) DO UPDATE
          SET detail = excluded.detail, disposition = excluded.disposition, target_id = excluded.target_id,
              parent_key = excluded.parent_key, source_modified_dt = excluded.source_modified_dt,
              resolved_at = NULL, updated_at = now()
        WHERE migration_quarantine.resolved_at IS NOT NULL
           OR (migration_quarantine.detail, migration_quarantine.disposition, migration_quarantine.target_id, migration_quarantine.source_modified_dt)
              IS DISTINCT FROM (excluded.detail, excluded.disposition, excluded.target_id, excluded.source_modified_dt)`,
      [
        ctx.runId,
        ctx.sourceSchema,
        ...ENTRY_COLUMNS.arrays(
          rows.map((e) => ({
            source_table: e.table,
            source_key: e.key,
            parent_key: e.parentKey ?? null,
            reason: e.reason,
            detail: e.detail,
            disposition: e.disposition,
            target_id: e.targetId ?? null,
            source_modified_dt: e.modifiedDt ?? null,
          })),
        ),
      ],
    );
  }
  return new Set(rows.map((e) => `${e.table}\u0000${e.key}`)).size;
}
