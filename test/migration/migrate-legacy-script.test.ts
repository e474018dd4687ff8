// `./dev migrate` (scripts/migrate-legacy.ts): triggers the Schedule, follows the run's row to the
// end with a progress line, prints the summary; joins a run already active; explains a missing
// Schedule.
import { randomUUID } from 'node:crypto';
import { followMigration, type Query } from '../../scripts/migrate-legacy';
import { MigrationTestBed } from './migration-bed';

jest.setTimeout(120_000);

const bed = new MigrationTestBed('migrate-script');
const scheduleId = `test-legacy-migration-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await bed.start({ orders: 200, seed: 13 });
  await bed.startWorker({ batchPauseMs: 50 });
});
afterAll(async () => {
  await bed.env?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  await bed.stop();
});

function follow(extra: { scheduleId?: string; tty?: boolean } = {}) {
  const out: string[] = [];
  const query: Query = (sql, params) => bed.dataSource.query(sql, params);
  const done = followMigration({ client: bed.env.client, query, scheduleId, write: (t) => out.push(t), pollMs: 100, plainEveryMs: 0, startTimeoutMs: 10_000, ...extra });
  return { out, done };
}

it('explains a missing Schedule', async () => {
  const { out, done } = follow();
  expect(await done).toBe(1);
  expect(out.join('')).toContain(`no migration Schedule '${scheduleId}'`);
});

it('triggers a run, draws progress to 100 %, and prints quarantined rows and discrepancies by kind', async () => {
  await bed.ensureSchedule(scheduleId);
  const first = follow();
  // A second follower while the run is active joins it instead of starting another.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const second = follow({ tty: true });
  expect(await first.done).toBe(0);
  expect(await second.done).toBe(0);

  const text = first.out.join('');
  const runId = /started run ([0-9a-f-]{36})/.exec(text)?.[1];
  expect(runId).toBeDefined();
  expect(second.out.join('')).toContain(`run ${runId} is already active; following it`);
  expect(second.out.join('')).toMatch(/\r\[#+\.*\] +\d+%/);
  expect(text).toMatch(/\[#{24}\] 100% {2}done/);
  expect(text).toMatch(new RegExp(`run ${runId} completed after [\\d.]+ s: [\\d,]+ rows read`));

  const [run] = await bed.dataSource.query('SELECT rows_quarantined::int AS q, discrepancies FROM migration_runs WHERE id = $1', [runId]);
  expect(text).toContain(`discrepancies: ${run.discrepancies}`);
  const reasons = await bed.dataSource.query(
    `SELECT reason, count(*)::int AS n FROM migration_quarantine WHERE source_schema = $1 AND resolved_at IS NULL GROUP BY reason`,
    [bed.sourceSchema],
  );
  expect(reasons.length).toBeGreaterThan(0);
  for (const { reason } of reasons) expect(text).toContain(`  ${reason}`);
});
