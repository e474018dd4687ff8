// The quarantine: every legacy row the migration cannot take over as it is, with a reason.
// Each batch syncs the quarantine for the source rows it looked at: the reasons that still hold
// are upserted (a row is written only when something about it changed, so a re-run changes
// nothing), and older reasons of those rows that no longer hold are marked resolved.
import type { LegacySourceTable, QuarantineDisposition } from '../../entities/migration-quarantine';
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
          AND NOT EXISTS (SELECT 1 FROM unnest($5::varchar[], $6::varchar[]) AS c(source_key, reason)
                           WHERE c.source_key = q.source_key AND c.reason = q.reason)`,
      [ctx.sourceSchema, scope.table, keys, parentKeys, current.map((e) => e.key), current.map((e) => e.reason)],
    );
  }

  if (rows.length > 0) {
    await ctx.manager.query(
      `INSERT INTO migration_quarantine
              (run_id, source_schema, source_table, source_key, parent_key, reason, detail, disposition, target_id, source_modified_dt)
       SELECT $1, $2, t.* FROM unnest($3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::text[], $8::varchar[], $9::uuid[], $10::timestamp[])
           AS t(source_table, source_key, parent_key, reason, detail, disposition, target_id, source_modified_dt)
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
        rows.map((e) => e.table),
        rows.map((e) => e.key),
        rows.map((e) => e.parentKey ?? null),
        rows.map((e) => e.reason),
        rows.map((e) => e.detail),
        rows.map((e) => e.disposition),
        rows.map((e) => e.targetId ?? null),
        rows.map((e) => e.modifiedDt ?? null),
      ],
    );
  }
  return new Set(rows.map((e) => `${e.table}\u0000${e.key}`)).size;
}
