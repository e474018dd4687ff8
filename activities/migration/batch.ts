// What every phase of a batch works with, and the conventions they share.
import type { EntityManager } from 'typeorm';
import type { MigrationCounts, OrphanCursor, Watermark } from './contract';

/** A legacy schema name spliced into SQL: plain lower-case identifiers only (as legacy/ installs them). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
export const DEFAULT_SOURCE_SCHEMA = 'legacy';

export function quoteSourceSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`source schema must match ${SCHEMA_NAME}, got ${JSON.stringify(schema)}`);
  return `"${schema}"`;
}

/**
 * Legacy timestamps travel as text in this form (microseconds, no zone): exact, and the same on
 * machines in any time zone. The legacy columns are `timestamp`; the target reads them as UTC.
 */
export const TIMESTAMP_TEXT = `'YYYY-MM-DD"T"HH24:MI:SS.US'`;

/** The watermark before every row: `(modified_dt, key) > ('-infinity', <lowest key>)`. */
export const START_MODIFIED_DT = '-infinity';

export interface BatchContext {
  manager: EntityManager;
  runId: string;
  sourceSchema: string;
  /** The storefront migrated customers and orders belong to (LEGACY_STOREFRONT). */
  storefront: string;
  /** The source schema quoted for SQL. */
  s: string;
  limit: number;
  heartbeat(step: string): void;
}

export interface PhaseOutcome {
  counts: MigrationCounts;
  /** Rows taken from the source (fewer than `limit` ends the phase). */
  taken: number;
  next: Watermark | OrphanCursor | null;
}

export function emptyCounts(): MigrationCounts {
  return { read: 0, inserted: 0, updated: 0, unchanged: 0, quarantined: 0 };
}

export function addCounts(a: MigrationCounts, b: MigrationCounts): MigrationCounts {
  return {
    read: a.read + b.read,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    quarantined: a.quarantined + b.quarantined,
  };
}

/** Trimmed text, or null when nothing is left. */
export function cleanText(value: string | null): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}
