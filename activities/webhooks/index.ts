// The webhook activities, built once per worker: createWebhookActivities({ dataSource, allowPrivate }).
import type { DataSource } from 'typeorm';
import type { WebhookActivities } from './contract';
import { deliverDueWebhooks, type DeliveryOptions } from './deliver-due';
import { dueWebhookEndpoints, fanOutWebhookEvents } from './fan-out';
import { whileHeartbeating } from '../heartbeat';

export interface WebhookActivitiesDeps extends DeliveryOptions {
  dataSource: DataSource;
}

export function createWebhookActivities(deps: WebhookActivitiesDeps): WebhookActivities {
  const { dataSource, ...delivery } = deps;
  return {
    fanOutWebhookEvents: () => fanOutWebhookEvents(dataSource),
    dueWebhookEndpoints: ({ limit }) => dueWebhookEndpoints(dataSource, limit),
    deliverDueWebhooks: ({ endpointId, limit }) => whileHeartbeating('deliverDueWebhooks', () => deliverDueWebhooks(dataSource, endpointId, limit, delivery)),
  };
}

export type { WebhookActivities } from './contract';
