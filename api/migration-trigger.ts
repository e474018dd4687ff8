// Triggering the migration Schedule now (POST /v1/migration-runs, `./dev migrate`): the worker
// creates the Schedule (workers/migration-schedule.ts), the API and scripts only trigger it.
import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { MIGRATION_SCHEDULE_ID } from '../domain/ids';

/** A run the Schedule started: its workflow id and `runId`, the id of its migration_runs row (the chain's first run id). */
export interface MigrationRunRef {
  workflowId: string;
  runId: string;
}

export type TriggerMigrationResult =
  | { triggered: true; run: MigrationRunRef | null }
  | { triggered: false; reason: 'already_running'; run: MigrationRunRef }
  | { triggered: false; reason: 'no_schedule' };

type ScheduleDescription = Awaited<ReturnType<ReturnType<Client['schedule']['getHandle']>['describe']>>;

function startedRuns(described: ScheduleDescription): MigrationRunRef[] {
  const recent = described.info.recentActions.map((a) => a.action.workflow);
  return [...described.info.runningActions.map((a) => a.workflow), ...recent].map((w) => ({ workflowId: w.workflowId, runId: w.firstExecutionRunId }));
}

/**
 * What `POST /v1/migration-runs` does: trigger the Schedule now, unless a run is active (409).
 * The trigger itself uses overlap SKIP too, so two racing triggers start at most one run. Then
 * waits up to `awaitStartMs` for the started run to show on the Schedule (`run` null if it did not).
 */
export async function triggerMigrationRun(
  client: Client,
  scheduleId: string = MIGRATION_SCHEDULE_ID,
  options: { awaitStartMs?: number; pollMs?: number } = {},
): Promise<TriggerMigrationResult> {
  const handle = client.schedule.getHandle(scheduleId);
  try {
    const described = await handle.describe();
    const running = described.info.runningActions[0];
    if (running) return { triggered: false, reason: 'already_running', run: { workflowId: running.workflow.workflowId, runId: running.workflow.firstExecutionRunId } };
    const before = new Set(startedRuns(described).map((r) => r.runId));
    await handle.trigger(ScheduleOverlapPolicy.SKIP);
    const deadline = Date.now() + (options.awaitStartMs ?? 5000);
    for (;;) {
      const started = startedRuns(await handle.describe()).find((r) => !before.has(r.runId));
      if (started) return { triggered: true, run: started };
      if (Date.now() >= deadline) return { triggered: true, run: null };
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return { triggered: false, reason: 'no_schedule' };
    throw err;
  }
}
