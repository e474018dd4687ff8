// Legacy migration runs (ops scope): trigger a run now through the migration Schedule, list and
// read runs (the migration_runs rows, exact after every batch), and a run's discrepancies.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { type DiscrepancyKind, MigrationDiscrepancy } from '../../entities/migration-discrepancy';
import { MigrationRun } from '../../entities/migration-run';
import { secured } from '../auth';
import type { ApiDeps, AppEnv } from '../deps';
import { ApiError, errors } from '../errors';
import { errorResponses, JSON_API_HEADERS, jsonApiResponse, keysetPage, pageDocument } from '../json-api';
import { triggerMigrationRun, type TriggerMigrationResult } from '../migration-trigger';
import { IdParam } from '../schemas/common';
import {
  DiscrepancyList,
  DiscrepancyListQuery,
  MigrationRunDocument,
  MigrationRunList,
  MigrationRunListQuery,
  MigrationRunTriggerDocument,
} from '../schemas/migration-runs';
import { temporalFailureToApiError } from '../temporal-calls';

const runLink = (id: string) => `/v1/migration-runs/${id}`;

export function migrationRunResource(run: MigrationRun) {
  return {
    type: 'migration-runs' as const,
    id: run.id,
    attributes: {
      workflowId: run.workflowId,
      sourceSchema: run.sourceSchema,
      mode: run.mode,
      status: run.status,
      phase: run.phase,
      batchSize: run.batchSize,
      batches: run.batches,
      rows: { read: run.rowsRead, inserted: run.rowsInserted, updated: run.rowsUpdated, unchanged: run.rowsUnchanged, quarantined: run.rowsQuarantined },
      rowsPerSecond: run.rowsPerSecond === null ? null : Number(run.rowsPerSecond),
      tableCounts: run.tableCounts,
      startWatermarks: run.startWatermarks,
      watermarks: run.watermarks,
      reconciliation: run.reconciliation,
      discrepancies: run.discrepancies,
      error: run.error,
      startedAt: run.startedAt.toISOString(),
      updatedAt: run.updatedAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
    },
    links: { self: runLink(run.id) },
  };
}

function discrepancyResource(d: MigrationDiscrepancy) {
  return {
    type: 'migration-discrepancies' as const,
    id: String(d.id),
    attributes: {
      runId: d.runId,
      kind: d.kind,
      sourceTable: d.sourceTable,
      sourceKey: d.sourceKey,
      targetId: d.targetId,
      expected: d.expected ?? null,
      actual: d.actual ?? null,
      detail: d.detail,
      createdAt: d.createdAt.toISOString(),
    },
  };
}

export function migrationRunRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const runs = () => deps.dataSource.getRepository(MigrationRun);
  const scheduleId = deps.config.MIGRATION_SCHEDULE_ID;

  /** The trigger under the Temporal call deadline; Temporal away or too slow is 503. */
  const trigger = async (deadline: number): Promise<TriggerMigrationResult> => {
    try {
      return await deps.temporal.withDeadline(deadline, () =>
        triggerMigrationRun(deps.temporal, scheduleId, { awaitStartMs: Math.max(0, Math.min(3000, deadline - Date.now() - 1000)) }),
      );
    } catch (err) {
      const mapped = temporalFailureToApiError(err, scheduleId);
      if (mapped instanceof ApiError) throw mapped;
      throw err;
    }
  };

  /** Whether the run's row shows up (its workflow's first activity writes it) before `deadline`. */
  const rowShows = async (runId: string, deadline: number): Promise<boolean> => {
    for (;;) {
      if (await runs().existsBy({ id: runId })) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const create = createRoute({
    method: 'post',
    path: '/migration-runs',
    tags: ['migration'],
    summary: 'Run the legacy migration now',
    description:
      'Triggers the migration Schedule (as its next run would, incremental from the last watermarks). 202 with the started ' +
      'run once GET data.links.self finds it (data is null if it had not started within the call deadline: list the runs), ' +
      '409 while a run is active, 503 while the Schedule does not exist yet (the worker creates it when it starts).',
    ...secured('ops'),
    responses: {
      202: jsonApiResponse(MigrationRunTriggerDocument, 'triggered', { Location: { description: 'the started run', schema: { type: 'string' } } }),
      ...errorResponses(409),
    },
  });
  app.openapi(create, async (c) => {
    const deadline = Date.now() + deps.config.TEMPORAL_CALL_TIMEOUT_MS;
    const result = await trigger(deadline);
    if (!result.triggered && result.reason === 'no_schedule') {
      throw errors.unavailable(`The migration Schedule '${scheduleId}' does not exist yet; the worker creates it when it starts.`, 30);
    }
    if (!result.triggered) {
      throw errors.conflict('migration_running', `Migration run ${result.run.runId} (workflow ${result.run.workflowId}) is still running; see ${runLink(result.run.runId)}.`);
    }
    // Only an id GET /v1/migration-runs/{id} can find is named.
    const run = result.run && (await rowShows(result.run.runId, deadline)) ? result.run : null;
    const doc = {
      data: run ? { type: 'migration-runs' as const, id: run.runId, links: { self: runLink(run.runId) } } : null,
      meta: { triggered: true as const, scheduleId, workflowId: result.run?.workflowId ?? null },
    };
    return c.json(doc, 202, { ...JSON_API_HEADERS, ...(run ? { Location: runLink(run.runId) } : {}) });
  });

  const list = createRoute({
    method: 'get',
    path: '/migration-runs',
    tags: ['migration'],
    summary: 'List migration runs, newest first, with cursor pagination',
    description: 'filter[status]; page[size] (25, at most 100) and page[after] from links.next.',
    ...secured('ops'),
    request: { query: MigrationRunListQuery },
    responses: { 200: jsonApiResponse(MigrationRunList, 'a page of runs'), ...errorResponses() },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const qb = runs().createQueryBuilder('r');
    if (query['filter[status]'] !== undefined) qb.andWhere('r.status = :status', { status: query['filter[status]'] });
    const page = await keysetPage(qb, { at: 'r.started_at', id: 'r.id' }, 'DESC', query['page[size]'], query['page[after]']);
    return c.json(pageDocument(c.req.url, page, migrationRunResource, query['page[size]']), 200, JSON_API_HEADERS);
  });

  const read = createRoute({
    method: 'get',
    path: '/migration-runs/{id}',
    tags: ['migration'],
    summary: 'Read a migration run: phase, counters, rows/s, watermarks, reconciliation',
    ...secured('ops'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(MigrationRunDocument, 'the run'), ...errorResponses(404) },
  });
  app.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const run = await runs().findOneBy({ id });
    if (!run) throw errors.notFound(`Migration run ${id}`);
    return c.json({ data: migrationRunResource(run) }, 200, JSON_API_HEADERS);
  });

  const discrepancies = createRoute({
    method: 'get',
    path: '/migration-runs/{id}/discrepancies',
    tags: ['migration'],
    summary: "A run's reconciliation discrepancies, in the order found, with cursor pagination",
    description: 'filter[kind]=A,B; page[size] (25, at most 100) and page[after] from links.next.',
    ...secured('ops'),
    request: { params: IdParam, query: DiscrepancyListQuery },
    responses: { 200: jsonApiResponse(DiscrepancyList, 'a page of discrepancies'), ...errorResponses(404) },
  });
  app.openapi(discrepancies, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    if (!(await runs().existsBy({ id }))) throw errors.notFound(`Migration run ${id}`);
    const qb = deps.dataSource.getRepository(MigrationDiscrepancy).createQueryBuilder('d').where('d.run_id = :id', { id });
    const kinds = query['filter[kind]']?.split(',').map((k) => k.trim() as DiscrepancyKind);
    if (kinds) qb.andWhere('d.kind IN (:...kinds)', { kinds });
    const page = await keysetPage(qb, { at: 'd.created_at', id: 'd.id' }, 'ASC', query['page[size]'], query['page[after]']);
    return c.json(pageDocument(c.req.url, page, discrepancyResource, query['page[size]']), 200, JSON_API_HEADERS);
  });

  return app;
}
