// The order saga's activities, one proxy per timeout class, and how their failures read.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  type ActivityOptions,
  type LocalActivityOptions,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/contract';
import { BUSINESS_FAILURE_TYPES, type BusinessFailureType, isBusinessFailureType } from '../domain';
import { DEFAULT_ORDER_WORKFLOW_OPTIONS, type ProviderRetryOptions } from './order-definitions';

/** Unlimited attempts, capped backoff: for work that must happen eventually (PostgreSQL writes, undos). */
const UNTIL_DONE = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;
const NON_RETRYABLE = [...BUSINESS_FAILURE_TYPES];

/** Projection writes: never park, retry until PostgreSQL answers. */
const PROJECTION: ActivityOptions = { startToCloseTimeout: '30s', retry: UNTIL_DONE };

/**
 * Steps heartbeat; a cancelled step is waited for (WAIT_CANCELLATION_COMPLETED) so its undo can
 * never overtake it, and a dead worker is noticed after the heartbeat timeout.
 */
const STEP: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...UNTIL_DONE, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Undos run in a non-cancellable scope and retry until they succeed. */
const UNDO: ActivityOptions = { startToCloseTimeout: '2m', heartbeatTimeout: '10s', retry: UNTIL_DONE };

/**
 * Work that only touches our own PostgreSQL (recording the order and its events, reserving,
 * invoicing) runs as local activities: in the worker that runs the workflow task, one marker in
 * the history instead of three events and a further workflow task. Provider calls stay ordinary
 * activities: they are slow, they heartbeat and they may need another worker. A dead worker's
 * local activity runs again after the workflow task times out; every activity is idempotent.
 */
const LOCAL_DB_WORK = 'local-db-work';
const LOCAL_PROJECTION: LocalActivityOptions = { startToCloseTimeout: '30s', retry: UNTIL_DONE };
const LOCAL_STEP: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...UNTIL_DONE, nonRetryableErrorTypes: NON_RETRYABLE },
};

export class OrderActivityProxies {
  /** Payment and carrier: bounded retries, then the order is parked for an operator. */
  readonly providers: OrderActivities;
  readonly undo = proxyActivities<OrderActivities>(UNDO);
  /** Before patch LOCAL_DB_WORK (histories of orders placed earlier): ordinary activities. */
  private readonly remote = { projection: proxyActivities<OrderActivities>(PROJECTION), database: proxyActivities<OrderActivities>(STEP) };
  private readonly local = { projection: proxyLocalActivities<OrderActivities>(LOCAL_PROJECTION), database: proxyLocalActivities<OrderActivities>(LOCAL_STEP) };

  /** alwaysLocal: the order was started with a patch that implies LOCAL_DB_WORK (no marker of its own then). */
  constructor(
    providerRetry: ProviderRetryOptions = {},
    private readonly alwaysLocal: () => boolean = () => false,
  ) {
    const retry = { ...DEFAULT_ORDER_WORKFLOW_OPTIONS.providerRetry, ...providerRetry, nonRetryableErrorTypes: NON_RETRYABLE };
    this.providers = proxyActivities<OrderActivities>({ ...STEP, retry });
  }

  /** Projection writes: placeOrder, adoptLegacyOrder, recordOrderEvent. */
  get projection(): OrderActivities {
    return this.localDbWork() ? this.local.projection : this.remote.projection;
  }

  /** Steps on our own database: reserveInventory, createInvoice, openOrder (all three steps at once). */
  get database(): OrderActivities {
    return this.localDbWork() ? this.local.database : this.remote.database;
  }

  private localDbWork(): boolean {
    return this.alwaysLocal() || patched(LOCAL_DB_WORK);
  }
}

/** A failure of one of the business types of domain/failures (out of stock, card declined, ...). */
export function businessFailureOf(err: unknown): { type: BusinessFailureType; message: string } | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && isBusinessFailureType(cause.type)) return { type: cause.type, message: cause.message };
  return null;
}

export function failureMessage(err: ActivityFailure): string {
  const cause = err.cause;
  return cause instanceof Error ? cause.message : err.message;
}

/** A failure an update handler passes to its caller, without the activity wrapper. */
export function asUpdateFailure(err: unknown): unknown {
  const business = businessFailureOf(err);
  if (business !== null) return ApplicationFailure.create({ type: business.type, message: business.message, nonRetryable: true });
  return err;
}
