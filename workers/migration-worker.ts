// The worker for task queue `migration` (the migration workflow and its activities); the Schedule
// that runs it is in ./migration-schedule (client-only, so the API can trigger it without loading
// the worker SDK) and re-exported here. The process entry (workers/main.ts) builds the
// dependencies, creates the worker and calls ensureMigrationSchedule once at start.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { DataConverter, Duration } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { type AdoptOrders, createMigrationActivities } from '../activities/migration';
import { MIGRATION_TASK_QUEUE } from '../domain/ids';
import { startOrderWorkflows } from './adopt-legacy-orders';

export * from './migration-schedule';

/** workflows/index.ts from source, dist/workflows/index.js once compiled. */
export const MIGRATION_WORKFLOWS_PATH = path.resolve(__dirname, '../workflows');

export interface MigrationWorkerOptions {
  connection: NativeConnection;
  dataSource: DataSource;
  namespace?: string;
  taskQueue?: string;
  logger?: Logger;
  /** The storefront migrated customers and orders belong to (LEGACY_STOREFRONT; default 'legacy'). */
  storefront?: string;
  /**
   * Adopts the in-flight legacy orders: starts their order workflows on `orderTaskQueue`
   * (default 'orders'). Without it (and without `adoptOrders`) awaiting orders are only counted.
   */
  client?: Client;
  orderTaskQueue?: string;
  /** Replaces the client-based adoption hook (./adopt-legacy-orders.ts). */
  adoptOrders?: AdoptOrders;
  /** A prebuilt bundle (production). Without it the workflows are bundled from `workflowsPath` at start. */
  workflowBundle?: WorkflowBundleOption;
  workflowsPath?: string;
  /** Batches are heavy (one transaction of thousands of rows): a few at a time is plenty. */
  maxConcurrentActivityTaskExecutions?: number;
  shutdownGraceTime?: Duration;
  identity?: string;
  /** The payload codec (runtime/data-converter.ts): the same as the clients' that start and trigger runs. */
  dataConverter?: DataConverter;
  /** Tests only: see MigrationActivitiesDeps.batchPauseMs. */
  batchPauseMs?: number;
}

export async function createMigrationWorker(options: MigrationWorkerOptions): Promise<Worker> {
  const workflows: { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: options.workflowsPath ?? MIGRATION_WORKFLOWS_PATH };
  const adoptOrders =
    options.adoptOrders ??
    (options.client ? startOrderWorkflows(options.client, options.dataSource, options.orderTaskQueue ? { taskQueue: options.orderTaskQueue } : {}) : undefined);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? MIGRATION_TASK_QUEUE,
    activities: createMigrationActivities({
      dataSource: options.dataSource,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.storefront ? { storefront: options.storefront } : {}),
      ...(adoptOrders ? { adoptOrders } : {}),
      ...(options.batchPauseMs ? { batchPauseMs: options.batchPauseMs } : {}),
    }),
    ...workflows,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 4,
    maxHeartbeatThrottleInterval: '5s',
    shutdownGraceTime: options.shutdownGraceTime ?? '30s',
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}

