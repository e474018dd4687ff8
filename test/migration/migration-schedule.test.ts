// The migration Schedule: created once whatever the number of workers calling
// ensureMigrationSchedule, overlap SKIP, pausable, and triggerable (what POST /v1/migration-runs
// does): a trigger starts a run, a second trigger while it runs is refused.
import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { triggerMigrationRun } from '../../api/migration-trigger';
import { ensureMigrationSchedule } from '../../workers/migration-worker';
import { eventually } from '../support/temporal';
import { MigrationTestBed } from './migration-bed';

jest.setTimeout(120_000);

const bed = new MigrationTestBed('migration-schedule');
const scheduleId = `test-legacy-migration-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await bed.start({ orders: 300, seed: 5 });
  await bed.startWorker({ batchPauseMs: 150 });
});
afterAll(async () => {
  await bed.env.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  await bed.stop();
});

it('is created once, updated in place, pausable and triggerable, one run at a time', async () => {
  const options = {
    scheduleId,
    intervalSeconds: 3600,
    pausedOnCreate: true,
    taskQueue: bed.taskQueue,
    workflowInput: { sourceSchema: bed.sourceSchema, batchSize: 100 },
  };
  const [a, b] = await Promise.all([ensureMigrationSchedule(bed.env.client, options), ensureMigrationSchedule(bed.env.client, options)]);
  expect([a.created, b.created].sort()).toEqual([false, true]);

  // A restart with another interval updates the Schedule and leaves it paused.
  expect(await ensureMigrationSchedule(bed.env.client, { ...options, intervalSeconds: 7200 })).toEqual({ scheduleId, created: false });
  const handle = bed.env.client.schedule.getHandle(scheduleId);
  const described = await handle.describe();
  expect(described.state.paused).toBe(true);
  expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
  expect(described.spec.intervals?.[0]?.every).toBe(7_200_000);
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'migrationWorkflow', taskQueue: bed.taskQueue });

  // Triggering works while paused (an operator's "run now"); a second trigger during the run is refused.
  const triggered = await triggerMigrationRun(bed.env.client, scheduleId, { awaitStartMs: 30_000 });
  const running = await eventually(async () => (await handle.describe()).info.runningActions[0], 'the triggered run to start', 30_000);
  const ref = { workflowId: running.workflow.workflowId, runId: running.workflow.firstExecutionRunId };
  expect(triggered).toEqual({ triggered: true, run: ref });
  expect(await triggerMigrationRun(bed.env.client, scheduleId)).toEqual({ triggered: false, reason: 'already_running', run: ref });

  await bed.env.client.workflow.getHandle(running.workflow.workflowId).result();
  const [run] = await bed.dataSource.query('SELECT id, status, source_schema, workflow_id FROM migration_runs WHERE workflow_id = $1', [running.workflow.workflowId]);
  expect(run).toEqual({ id: ref.runId, status: 'completed', source_schema: bed.sourceSchema, workflow_id: running.workflow.workflowId });
  expect(await triggerMigrationRun(bed.env.client, `${scheduleId}-missing`)).toEqual({ triggered: false, reason: 'no_schedule' });
});
