// /v1/migration-runs: trigger the legacy migration through its Schedule (202, 409 while a run is
// active, 503 without the Schedule), read and list runs, and page through a run's discrepancies.
// The API reads a target schema of this file's own (the migration bed's), where a real migration
// worker migrates a small generated legacy schema. Every response is checked against /openapi.json.
import { randomUUID } from 'node:crypto';
import { MigrationTestBed } from '../migration/migration-bed';
import { type ApiHarness, startApi } from '../support/api';

jest.setTimeout(120_000);

const bed = new MigrationTestBed('api-migration');
const scheduleId = `test-legacy-migration-${randomUUID().slice(0, 8)}`;
let api: ApiHarness;

beforeAll(async () => {
  await bed.start({ orders: 200, seed: 11 });
  await bed.startWorker({ batchPauseMs: 100 });
  api = await startApi({ worker: false, dataSource: bed.dataSource, temporalEnv: bed.env, env: { MIGRATION_SCHEDULE_ID: scheduleId } });
});

afterAll(async () => {
  await bed.env?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  await api?.close();
  await bed.stop();
});

async function insertDiscrepancies(runId: string, kinds: string[]): Promise<void> {
  for (const [i, kind] of kinds.entries()) {
    await bed.dataSource.query(
      `INSERT INTO migration_discrepancies (run_id, kind, source_table, source_key, expected, actual, detail) VALUES ($1, $2, 'orders', $3, $4, $5, 'inserted by the test')`,
      [runId, kind, `T${i}`, JSON.stringify({ total: 100 + i }), JSON.stringify({ total: 99 + i })],
    );
  }
}

it('answers 503 with Retry-After while the Schedule does not exist', async () => {
  const res = await api.call('POST', '/v1/migration-runs');
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('30');
  expect(res.body.errors[0].detail).toContain(scheduleId);
});

it('triggers a run (202), refuses a second while it runs (409), and serves the run as it progresses', async () => {
  await bed.ensureSchedule(scheduleId);

  const triggered = await api.call('POST', '/v1/migration-runs');
  expect(triggered.status).toBe(202);
  expect(triggered.body.meta).toMatchObject({ triggered: true, scheduleId });
  const runId: string = triggered.body.data.id;
  expect(triggered.body.data).toEqual({ type: 'migration-runs', id: runId, links: { self: `/v1/migration-runs/${runId}` } });
  expect(triggered.headers.get('location')).toBe(`/v1/migration-runs/${runId}`);

  const again = await api.call('POST', '/v1/migration-runs');
  expect(again.status).toBe(409);
  expect(again.body.errors[0]).toMatchObject({ code: 'migration_running' });
  expect(again.body.errors[0].detail).toContain(runId);

  // The id the trigger answers is one GET finds at once (the row counts up batch by batch from there).
  const running = await api.call('GET', `/v1/migration-runs/${runId}`);
  expect(running.status).toBe(200);
  expect(running.body.data.attributes).toMatchObject({ workflowId: triggered.body.meta.workflowId, sourceSchema: bed.sourceSchema, mode: 'incremental', batchSize: 50 });

  await bed.env.client.workflow.getHandle(triggered.body.meta.workflowId).result();
  const done = await api.call('GET', `/v1/migration-runs/${runId}`);
  expect(done.status).toBe(200);
  const attributes = done.body.data.attributes;
  expect(attributes).toMatchObject({ status: 'completed', phase: 'done', error: null });
  expect(attributes.rows.read).toBeGreaterThan(200);
  const [row] = await bed.dataSource.query('SELECT rows_read::int AS read, rows_quarantined::int AS quarantined, batches FROM migration_runs WHERE id = $1', [runId]);
  expect({ read: attributes.rows.read, quarantined: attributes.rows.quarantined, batches: attributes.batches }).toEqual(row);
  expect(attributes.rowsPerSecond).toBeGreaterThan(0);
  expect(attributes.discrepancies).toEqual(expect.any(Number));
  expect(attributes.finishedAt).toEqual(expect.any(String));

  const [{ n }] = await bed.dataSource.query('SELECT count(*)::int AS n FROM migration_discrepancies WHERE run_id = $1', [runId]);
  expect(n).toBe(attributes.discrepancies);
});

it('lists runs newest first with cursor pagination and filter[status]', async () => {
  const [{ id: latest }] = await bed.dataSource.query(`SELECT id FROM migration_runs ORDER BY started_at DESC LIMIT 1`);
  const failedId = randomUUID();
  await bed.dataSource.query(
    `INSERT INTO migration_runs (id, workflow_id, source_schema, mode, status, phase, batch_size, error, started_at, finished_at)
     VALUES ($1, 'test-failed-run', $2, 'full', 'failed', 'customers', 10, 'boom', now() - interval '1 day', now() - interval '1 day')`,
    [failedId, bed.sourceSchema],
  );

  const first = await api.call('GET', '/v1/migration-runs?page[size]=1');
  expect(first.status).toBe(200);
  expect(first.body.data.map((r: { id: string }) => r.id)).toEqual([latest]);
  expect(first.body.links.next).toMatch(/page\[after\]=/);
  const second = await api.call('GET', first.body.links.next);
  expect(second.body.data.map((r: { id: string }) => r.id)).toEqual([failedId]);
  expect(second.body.links.next).toBeNull();

  const failed = await api.call('GET', '/v1/migration-runs?filter[status]=failed');
  expect(failed.body.data).toEqual([expect.objectContaining({ id: failedId, attributes: expect.objectContaining({ status: 'failed', error: 'boom', rowsPerSecond: null }) })]);

  expect((await api.call('GET', '/v1/migration-runs?filter[status]=sleeping')).status).toBe(400);
  expect((await api.call('GET', `/v1/migration-runs/${randomUUID()}`)).status).toBe(404);
});

it("pages through a run's discrepancies and filters them by kind", async () => {
  const runId = randomUUID();
  await bed.dataSource.query(
    `INSERT INTO migration_runs (id, workflow_id, source_schema, mode, status, phase, batch_size, discrepancies) VALUES ($1, 'test-run', $2, 'full', 'completed', 'done', 10, 3)`,
    [runId, bed.sourceSchema],
  );
  await insertDiscrepancies(runId, ['total_mismatch', 'missing_in_target', 'total_mismatch']);

  const first = await api.call('GET', `/v1/migration-runs/${runId}/discrepancies?page[size]=2`);
  expect(first.status).toBe(200);
  expect(first.body.data).toHaveLength(2);
  expect(first.body.data[0]).toMatchObject({
    type: 'migration-discrepancies',
    attributes: { runId, kind: 'total_mismatch', sourceTable: 'orders', sourceKey: 'T0', expected: { total: 100 }, actual: { total: 99 } },
  });
  const rest = await api.call('GET', first.body.links.next);
  expect(rest.body.data.map((d: { attributes: { sourceKey: string } }) => d.attributes.sourceKey)).toEqual(['T2']);
  expect(rest.body.links.next).toBeNull();

  const totals = await api.call('GET', `/v1/migration-runs/${runId}/discrepancies?filter[kind]=total_mismatch`);
  expect(totals.body.data.map((d: { attributes: { sourceKey: string } }) => d.attributes.sourceKey)).toEqual(['T0', 'T2']);
  const both = await api.call('GET', `/v1/migration-runs/${runId}/discrepancies?filter[kind]=missing_in_target,total_mismatch`);
  expect(both.body.data).toHaveLength(3);

  const badKind = await api.call('GET', `/v1/migration-runs/${runId}/discrepancies?filter[kind]=nope`);
  expect(badKind.status).toBe(400);
  expect(badKind.body.errors[0].source).toEqual({ parameter: 'filter[kind]' });
  expect((await api.call('GET', `/v1/migration-runs/${randomUUID()}/discrepancies`)).status).toBe(404);
  expect((await api.call('GET', `/v1/migration-runs/${runId}/discrepancies?page[after]=garbage`)).status).toBe(400);
});

it('needs the ops scope', async () => {
  const token = await api.token('orders:read orders:write catalog:write');
  for (const [method, path] of [['POST', '/v1/migration-runs'], ['GET', '/v1/migration-runs'], ['GET', `/v1/migration-runs/${randomUUID()}`]]) {
    const res = await api.call(method, path, { token });
    expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
  }
});
