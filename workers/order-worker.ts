// The worker for task queue `orders`: the order workflow plus the saga's activities. Production
// starts from the prebuilt bundle (`npm run build` writes dist/workflow-bundle.js); development
// and tests bundle from source. The process entry (workers/main.ts) builds the dependencies.
import path from 'node:path';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DataConverter, Duration, Logger } from '@temporalio/common';
import { bundleWorkflowCode, type NativeConnection, Worker, type WorkerInterceptors, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { type CarrierDispatchEvent, type CarrierDueSignal, startCarrierDispatcher } from '../activities/adapters/carrier-dispatcher';
import type { OrderActivities } from '../activities/contract';
import { ORDERS_TASK_QUEUE, orderWorkflowId } from '../domain/ids';
import { carrierEventSignal } from '../workflows/order-definitions';
import { REQUEST_CAUSE_WORKFLOW_INTERCEPTORS, requestCauseActivityInterceptors } from './request-cause-activities';

/** workflows/index.ts from source, dist/workflows/index.js once compiled: webpack resolves either. */
export const ORDER_WORKFLOWS_PATH = path.resolve(__dirname, '../workflows');

export interface OrderWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  activities: OrderActivities;
  /** A prebuilt bundle (production). Without it the workflows are bundled from `workflowsPath` at start. */
  workflowBundle?: WorkflowBundleOption;
  workflowsPath?: string;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  /** The saga's work on PostgreSQL runs as local activities (workflows/order.ts). */
  maxConcurrentLocalActivityExecutions?: number;
  maxCachedWorkflows?: number;
  /** Concurrent workflow task polls (sticky and normal queue together); the SDK's default is 10. */
  maxConcurrentWorkflowTaskPolls?: number;
  /** Concurrent activity task polls; the SDK's default is 10. */
  maxConcurrentActivityTaskPolls?: number;
  /** Share of the workflow task polls that poll the normal (non-sticky) queue; the SDK's default is 0.2. */
  nonStickyToStickyPollRatio?: number;
  /**
   * Heartbeats are throttled to this at most; a cancelled step learns of the cancellation with its
   * next heartbeat, so keep it short (the saga's heartbeat timeout is 10 s).
   */
  maxHeartbeatThrottleInterval?: Duration;
  shutdownGraceTime?: Duration;
  dataConverter?: DataConverter;
  /** More interceptors; the request cause's (workers/request-cause-activities.ts) are always there. */
  interceptors?: WorkerInterceptors;
  identity?: string;
}

export async function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  const workflows: { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: options.workflowsPath ?? ORDER_WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? ORDERS_TASK_QUEUE,
    activities: options.activities,
    ...workflows,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 100,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions ?? 40,
    maxConcurrentLocalActivityExecutions: options.maxConcurrentLocalActivityExecutions ?? 100,
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(options.maxConcurrentWorkflowTaskPolls !== undefined ? { maxConcurrentWorkflowTaskPolls: options.maxConcurrentWorkflowTaskPolls } : {}),
    ...(options.maxConcurrentActivityTaskPolls !== undefined ? { maxConcurrentActivityTaskPolls: options.maxConcurrentActivityTaskPolls } : {}),
    ...(options.nonStickyToStickyPollRatio !== undefined ? { nonStickyToStickyPollRatio: options.nonStickyToStickyPollRatio } : {}),
    maxHeartbeatThrottleInterval: options.maxHeartbeatThrottleInterval ?? '1s',
    shutdownGraceTime: options.shutdownGraceTime ?? '30s',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    interceptors: {
      ...options.interceptors,
      activity: [requestCauseActivityInterceptors, ...(options.interceptors?.activity ?? [])],
      // For bundling at start; a prebuilt bundle has them from bundleOrderWorkflows.
      ...(options.workflowBundle ? {} : { workflowModules: [REQUEST_CAUSE_WORKFLOW_INTERCEPTORS, ...(options.interceptors?.workflowModules ?? [])] }),
    },
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

/** Bundles the workflows with their interceptors (what scripts/bundle-workflows.ts writes to dist/workflow-bundle.js). */
export async function bundleOrderWorkflows(workflowsPath: string = ORDER_WORKFLOWS_PATH, logger?: Logger): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [REQUEST_CAUSE_WORKFLOW_INTERCEPTORS], ...(logger ? { logger } : {}) });
}

/**
 * The carrier's events as signals to the order workflows. An order that no longer runs (finished,
 * or never existed) has nobody to tell: the event counts as delivered. Any other error is thrown,
 * so the dispatcher delivers the event again later.
 */
export function carrierEventDelivery(client: Client): (event: CarrierDispatchEvent) => Promise<void> {
  return async (event) => {
    try {
      await client.workflow
        .getHandle(orderWorkflowId(event.orderId))
        .signal(carrierEventSignal, { kind: event.kind, trackingNumber: event.trackingNumber, at: event.at });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      throw err;
    }
  };
}

/** Starts the simulated carrier's dispatcher, signalling the order workflows; returns its stop function. */
export function startCarrierEventDispatcher(options: {
  client: Client;
  dataSource: DataSource;
  pollMs?: number;
  dueSignal?: CarrierDueSignal;
  onError?: (err: unknown, event?: CarrierDispatchEvent) => void;
}): () => Promise<void> {
  return startCarrierDispatcher({
    dataSource: options.dataSource,
    deliver: carrierEventDelivery(options.client),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.dueSignal ? { dueSignal: options.dueSignal } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
