// What the webhook workflows (workflows/webhooks.ts) may call.

export interface FanOutResult {
  events: number;
  deliveries: number;
}

export interface DeliveryRound {
  /** Deliveries attempted in this round. */
  attempted: number;
  delivered: number;
}

export interface DispatchInput {
  /** Epoch ms: the run polls until then (a retried attempt too), then returns. */
  until: number;
  /** Pause between polls. */
  pollMs: number;
  /** Endpoints one poll starts at most; the next poll takes the rest. */
  maxStarts: number;
}

export interface DispatchResult extends FanOutResult {
  /** Delivery workflows started (not counting those already running). */
  started: number;
  polls: number;
}

/**
 * Starts the delivery workflow of each endpoint on `taskQueue` unless it runs already; answers how
 * many it started. Built on a Temporal client by the worker (workers/webhook-worker.ts).
 */
export type StartDeliveries = (endpointIds: string[], taskQueue: string) => Promise<number>;

export interface WebhookActivities {
  /**
   * The dispatcher: fan-out, due endpoints and their workflows' starts, every `pollMs` until
   * `until`, heartbeating its counts.
   */
  dispatchWebhooks(input: DispatchInput): Promise<DispatchResult>;
  /*
   * The two below are the dispatcher of before patched('dispatch-in-one-activity') (one poll per
   * run, the starts from the workflow): runs begun before the deploy replay with them.
   */
  /** Reads the feed on from where the fan-out stopped and queues every new event for its endpoints. */
  fanOutWebhookEvents(): Promise<FanOutResult>;
  /** Enabled endpoints with a delivery due now (at most `limit`). */
  dueWebhookEndpoints(input: { limit: number }): Promise<string[]>;
  /**
   * One round for one endpoint: its due deliveries (per order, only the oldest one not yet
   * delivered), sent concurrently, each outcome recorded. Nothing due: attempted 0.
   */
  deliverDueWebhooks(input: { endpointId: string; limit: number }): Promise<DeliveryRound>;
}
