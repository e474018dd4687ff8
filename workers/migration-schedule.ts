// The migration Schedule (`legacy-migration`): created or brought up to date by the worker at
// start (ensureMigrationSchedule), triggered by POST /v1/migration-runs and `./dev migrate`
// (triggerMigrationRun). Client-only: no worker SDK here.
import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { MIGRATION_TASK_QUEUE } from '../domain/ids';
import { MIGRATION_WORKFLOW_TYPE, type MigrationWorkflowInput, type migrationWorkflow } from '../workflows/migration';

export const MIGRATION_SCHEDULE_ID = 'legacy-migration';

export interface MigrationScheduleOptions {
  scheduleId?: string;
  /** How often the migration runs. */
  intervalSeconds: number;
  /** How late a missed run (Temporal was down) may still start; default one interval. */
  catchupWindow?: Duration;
  /** Create the Schedule paused (nothing runs until an operator unpauses or triggers it). */
  pausedOnCreate?: boolean;
  taskQueue?: string;
  /** The workflow's input (source schema, batch size, mode). */
  workflowInput?: MigrationWorkflowInput;
}

/**
 * Creates the migration Schedule, or brings an existing one's interval, policies and action up to
 * date (keeping whether it is paused: that is the operator's call). Overlap SKIP: a run still
 * going when the next is due makes the next one skip. Safe from several workers at once.
 */
export async function ensureMigrationSchedule(client: Client, options: MigrationScheduleOptions): Promise<{ scheduleId: string; created: boolean }> {
  if (!(options.intervalSeconds > 0)) throw new RangeError(`intervalSeconds must be positive, got ${options.intervalSeconds}`);
  const scheduleId = options.scheduleId ?? MIGRATION_SCHEDULE_ID;
  const spec = { intervals: [{ every: options.intervalSeconds * 1000 }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: MIGRATION_WORKFLOW_TYPE,
    workflowId: scheduleId,
    taskQueue: options.taskQueue ?? MIGRATION_TASK_QUEUE,
    args: [options.workflowInput ?? {}] as [MigrationWorkflowInput],
  };
  const policies = {
    overlap: ScheduleOverlapPolicy.SKIP,
    // The server refuses a catch-up window under 10 s.
    catchupWindow: options.catchupWindow ?? Math.max(10_000, options.intervalSeconds * 1000),
  };
  try {
    await client.schedule.create<typeof migrationWorkflow>({
      scheduleId,
      spec,
      action,
      policies,
      state: { paused: options.pausedOnCreate ?? false, note: options.pausedOnCreate ? 'created paused' : 'created by the migration worker' },
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update<typeof migrationWorkflow>((previous) => ({
    ...previous,
    spec,
    action,
    policies: { ...previous.policies, ...policies },
    state: { paused: previous.state.paused, note: previous.state.note },
  }));
  return { scheduleId, created: false };
}

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
