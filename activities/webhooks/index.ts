// The webhook activities, built once per worker: createWebhookActivities({ dataSource, startDeliveries, allowPrivate }).
import type { DataSource } from 'typeorm';
import type { StartDeliveries, WebhookActivities } from './contract';
import { dispatchWebhooks } from './dispatch';
import { deliverDueWebhooks, type DeliveryOptions } from './deliver-due';
import { dueWebhookEndpoints, fanOutWebhookEvents } from './fan-out';
import { whileHeartbeating } from '../heartbeat';

export interface WebhookActivitiesDeps extends DeliveryOptions {
  dataSource: DataSource;
  startDeliveries: StartDeliveries;
}

export function createWebhookActivities(deps: WebhookActivitiesDeps): WebhookActivities {
  const { dataSource, startDeliveries, ...delivery } = deps;
  return {
    dispatchWebhooks: (input) => dispatchWebhooks(dataSource, startDeliveries, input),
    fanOutWebhookEvents: () => fanOutWebhookEvents(dataSource),
    dueWebhookEndpoints: ({ limit }) => dueWebhookEndpoints(dataSource, limit),
    deliverDueWebhooks: ({ endpointId, limit }) => whileHeartbeating('deliverDueWebhooks', () => deliverDueWebhooks(dataSource, endpointId, limit, delivery)),
  };
}

export type { StartDeliveries, WebhookActivities } from './contract';
