// The order saga's activities, one proxy per timeout class, and how their failures read.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
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
 * the history instead of three events and a further workflow task. A dead worker's
 * local activity runs again after the workflow task times out; every activity is idempotent.
 */
const LOCAL_DB_WORK = 'local-db-work';
const LOCAL_PROJECTION: LocalActivityOptions = { startToCloseTimeout: '30s', retry: UNTIL_DONE };
const LOCAL_STEP: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...UNTIL_DONE, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * Provider calls as local activities too, for orders started with patch 'local-provider-calls'
 * (workflows/order-patches.ts): a booking, a capture or a change's call then runs in the workflow
 * task that asks for it, one marker instead of three events, no activity task to complete and no
 * workflow task after it. A call takes milliseconds to a few seconds (the adapters time out at
 * 20 s). A retry whose backoff is over `localRetryThreshold` waits on a timer: the task completes
 * meanwhile, so a cancel or a query is not held up by a provider that is down. The authorization
 * stays an activity (`authorization`).
 */
const LOCAL_PROVIDER: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  localRetryThreshold: '2s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/** Which of the saga's work runs as local activities, as the order's patches decide. */
export interface LocalWork {
  /** The order was started with a patch that implies LOCAL_DB_WORK (no marker of its own then). */
  database(): boolean;
  /** The order was started with patch 'local-provider-calls'. */
  providers(): boolean;
}

export class OrderActivityProxies {
  readonly undo = proxyActivities<OrderActivities>(UNDO);
  /** Before patch LOCAL_DB_WORK (histories of orders placed earlier): ordinary activities. */
  private readonly remote: { projection: OrderActivities; database: OrderActivities; providers: OrderActivities };
  private readonly local: { projection: OrderActivities; database: OrderActivities; providers: OrderActivities };

  constructor(
    providerRetry: ProviderRetryOptions = {},
    private readonly localWork: LocalWork = { database: () => false, providers: () => false },
  ) {
    const retry = { ...DEFAULT_ORDER_WORKFLOW_OPTIONS.providerRetry, ...providerRetry, nonRetryableErrorTypes: NON_RETRYABLE };
    this.remote = {
      projection: proxyActivities<OrderActivities>(PROJECTION),
      database: proxyActivities<OrderActivities>(STEP),
      providers: proxyActivities<OrderActivities>({ ...STEP, retry }),
    };
    this.local = {
      projection: proxyLocalActivities<OrderActivities>(LOCAL_PROJECTION),
      database: proxyLocalActivities<OrderActivities>(LOCAL_STEP),
      providers: proxyLocalActivities<OrderActivities>({ ...LOCAL_PROVIDER, retry }),
    };
  }

  /**
   * The payment authorization, an activity for every order: it is the first provider call after
   * the placement, scheduled by the workflow task that carries the POST's answer, which must not
   * wait for a provider (a timer to end that task first costs a second: the server fires timers
   * at that granularity). Eager dispatch hands it back to this worker with the task's completion.
   */
  get authorization(): OrderActivities {
    return this.remote.providers;
  }

  /** Payment and carrier: bounded retries, then the order is parked for an operator. */
  get providers(): OrderActivities {
    return this.localWork.providers() ? this.local.providers : this.remote.providers;
  }

  /** Projection writes: placeOrder, adoptLegacyOrder, recordOrderEvent. */
  get projection(): OrderActivities {
    return this.localDbWork() ? this.local.projection : this.remote.projection;
  }

  /** Work on our own database as an ordinary activity, whatever the patches (a change's first call, order-change.ts). */
  get ordinaryDatabase(): OrderActivities {
    return this.remote.database;
  }

  /** Steps on our own database: reserveInventory, createInvoice, openOrder (all three steps at once). */
  get database(): OrderActivities {
    return this.localDbWork() ? this.local.database : this.remote.database;
  }

  private localDbWork(): boolean {
    return this.localWork.database() || patched(LOCAL_DB_WORK);
  }
}

/** A failure of one of the business types of domain/failures (out of stock, card declined, ...). */
export function businessFailureOf(err: unknown): { type: BusinessFailureType; message: string } | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && isBusinessFailureType(cause.type)) return { type: cause.type, message: cause.message };
  return null;
}

/**
 * What made an activity of the saga fail, or null when `err` is not an activity's failure. An
 * ordinary activity's failure comes wrapped in an ActivityFailure; a local activity's as its own
 * ApplicationFailure (or TimeoutFailure).
 */
export function activityFailureMessage(err: unknown): string | null {
  if (err instanceof ActivityFailure) return err.cause instanceof Error ? err.cause.message : err.message;
  if (err instanceof ApplicationFailure || err instanceof TimeoutFailure) return err.message;
  return null;
}

/** A failure an update handler passes to its caller, without the activity wrapper. */
export function asUpdateFailure(err: unknown): unknown {
  const business = businessFailureOf(err);
  if (business !== null) return ApplicationFailure.create({ type: business.type, message: business.message, nonRetryable: true });
  return err;
}
