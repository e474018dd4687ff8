// The worker for task queue `migration` (the migration workflow and its activities) and the
// Schedule that runs it. The process entry (workers/main.ts) builds the dependencies, creates
// the worker and calls ensureMigrationSchedule once at start.
import path from 'node:path';
import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { type AdoptOrders, createMigrationActivities } from '../activities/migration';
import { MIGRATION_TASK_QUEUE } from '../domain/ids';
import { MIGRATION_WORKFLOW_TYPE, type MigrationWorkflowInput, type migrationWorkflow } from '../workflows/migration';

export const MIGRATION_SCHEDULE_ID = 'legacy-migration';
/** workflows/index.ts from source, dist/workflows/index.js once compiled. */
export const MIGRATION_WORKFLOWS_PATH = path.resolve(__dirname, '../workflows');

export interface MigrationWorkerOptions {
  connection: NativeConnection;
  dataSource: DataSource;
  namespace?: string;
  taskQueue?: string;
  logger?: Logger;
  /** The adoption hook for in-flight legacy orders (activities/migration/adopt-legacy-orders.ts). */
  adoptOrders?: AdoptOrders;
  /** A prebuilt bundle (production). Without it the workflows are bundled from `workflowsPath` at start. */
  workflowBundle?: WorkflowBundleOption;
  workflowsPath?: string;
  /** Batches are heavy (one transaction of thousands of rows): a few at a time is plenty. */
  maxConcurrentActivityTaskExecutions?: number;
  shutdownGraceTime?: Duration;
  identity?: string;
  /** Tests only: see MigrationActivitiesDeps.batchPauseMs. */
  batchPauseMs?: number;
}

export async function createMigrationWorker(options: MigrationWorkerOptions): Promise<Worker> {
  const workflows: { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: options.workflowsPath ?? MIGRATION_WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? MIGRATION_TASK_QUEUE,
    activities: createMigrationActivities({
      dataSource: options.dataSource,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.adoptOrders ? { adoptOrders: options.adoptOrders } : {}),
      ...(options.batchPauseMs ? { batchPauseMs: options.batchPauseMs } : {}),
    }),
    ...workflows,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 4,
    maxHeartbeatThrottleInterval: '5s',
    shutdownGraceTime: options.shutdownGraceTime ?? '30s',
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

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

export type TriggerMigrationResult = { triggered: true } | { triggered: false; reason: 'already_running'; workflowId: string } | { triggered: false; reason: 'no_schedule' };

/**
 * What `POST /v1/migration-runs` does: trigger the Schedule now, unless a run is active (409).
 * The trigger itself uses overlap SKIP too, so two racing triggers start at most one run.
 */
export async function triggerMigrationRun(client: Client, scheduleId: string = MIGRATION_SCHEDULE_ID): Promise<TriggerMigrationResult> {
  const handle = client.schedule.getHandle(scheduleId);
  try {
    const described = await handle.describe();
    const running = described.info.runningActions[0];
    if (running) return { triggered: false, reason: 'already_running', workflowId: running.workflow.workflowId };
    await handle.trigger(ScheduleOverlapPolicy.SKIP);
    return { triggered: true };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return { triggered: false, reason: 'no_schedule' };
    throw err;
  }
}
