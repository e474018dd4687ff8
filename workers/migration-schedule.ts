// The migration Schedule (`legacy-migration`): created or brought up to date by the worker at
// start. POST /v1/migration-runs and `./dev migrate` trigger it (api/migration-trigger.ts).
// Client-only: no worker SDK here.
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { MIGRATION_SCHEDULE_ID, MIGRATION_TASK_QUEUE } from '../domain/ids';
import { MIGRATION_WORKFLOW_TYPE, type MigrationWorkflowInput, type migrationWorkflow } from '../workflows/migration';
import { upsertSchedule } from './schedules';

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
  return upsertSchedule<typeof migrationWorkflow>(client, {
    scheduleId,
    spec,
    action,
    policies,
    state: { paused: options.pausedOnCreate ?? false, note: options.pausedOnCreate ? 'created paused' : 'created by the migration worker' },
  });
}
