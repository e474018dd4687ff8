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

export interface WebhookActivities {
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
