// The `migration-runs` resource (one run of the legacy migration, from migration_runs) and the
// `migration-discrepancies` the reconciliation found.
import { z } from '@hono/zod-openapi';
import { DISCREPANCY_KINDS } from '../../entities/migration-discrepancy';
import { MIGRATION_RUN_STATUSES } from '../../entities/migration-run';
import { Links, listDocument, pageQuery, resourceSchema, singleDocument } from '../json-api';
import { Timestamp } from './common';

export const MigrationCounts = z
  .object({ read: z.number().int(), inserted: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), quarantined: z.number().int() })
  .openapi('MigrationCounts');

const Watermark = z.object({ modifiedDt: z.string(), key: z.string() }).nullable();

export const MigrationRunAttributes = z
  .object({
    workflowId: z.string(),
    sourceSchema: z.string(),
    mode: z.enum(['incremental', 'full']),
    status: z.enum(MIGRATION_RUN_STATUSES),
    phase: z.string().openapi({ description: 'customers, products, orders, orphan_lines, reconcile, done' }),
    batchSize: z.number().int(),
    batches: z.number().int(),
    rows: MigrationCounts,
    rowsPerSecond: z.number().nullable().openapi({ description: 'rows read per second since the run started' }),
    tableCounts: z.record(z.string(), MigrationCounts),
    startWatermarks: z.record(z.string(), Watermark),
    watermarks: z.record(z.string(), Watermark),
    reconciliation: z.record(z.string(), z.unknown()).nullable(),
    discrepancies: z.number().int().nullable().openapi({ description: 'how many the reconciliation found; null until it ran' }),
    error: z.string().nullable(),
    startedAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
  })
  .openapi('MigrationRunAttributes');

export const MigrationRunResource = resourceSchema('migration-runs', MigrationRunAttributes).openapi('MigrationRun');
export const MigrationRunDocument = singleDocument('MigrationRunDocument', MigrationRunResource);
export const MigrationRunList = listDocument('MigrationRunList', MigrationRunResource);

/** 202 of POST /v1/migration-runs: the started run (follow links.self), or null when it has not shown yet. */
export const MigrationRunTriggerDocument = z
  .object({
    data: z.object({ type: z.literal('migration-runs'), id: z.string(), links: Links }).nullable(),
    meta: z.object({ triggered: z.literal(true), scheduleId: z.string(), workflowId: z.string().nullable() }),
  })
  .openapi('MigrationRunTriggerDocument');

export const MigrationRunListQuery = z
  .object({
    'filter[status]': z.enum(MIGRATION_RUN_STATUSES).optional().openapi({ param: { name: 'filter[status]', in: 'query' } }),
    ...pageQuery('uuid'),
  })
  .strict();

export const DiscrepancyAttributes = z
  .object({
    runId: z.string(),
    kind: z.enum(DISCREPANCY_KINDS),
    sourceTable: z.string(),
    sourceKey: z.string().nullable(),
    targetId: z.string().nullable(),
    expected: z.unknown().openapi({ description: 'JSON: what the legacy source says' }),
    actual: z.unknown().openapi({ description: 'JSON: what the target has' }),
    detail: z.string(),
    createdAt: Timestamp,
  })
  .openapi('MigrationDiscrepancyAttributes');

export const DiscrepancyResource = z
  .object({ type: z.literal('migration-discrepancies'), id: z.string(), attributes: DiscrepancyAttributes })
  .openapi('MigrationDiscrepancy');
export const DiscrepancyList = listDocument('MigrationDiscrepancyList', DiscrepancyResource);

const KIND = `(${DISCREPANCY_KINDS.join('|')})`;
const kindList = z
  .string()
  .regex(new RegExp(`^${KIND}(,${KIND})*$`), `must be kinds separated by commas, each one of ${DISCREPANCY_KINDS.join(', ')}`)
  .max(400)
  .openapi({ param: { name: 'filter[kind]', in: 'query' }, example: 'missing_in_target,total_mismatch' });

export const DiscrepancyListQuery = z.object({ 'filter[kind]': kindList.optional(), ...pageQuery('bigint') }).strict();
