// The feed (`events`) and webhook endpoints (`webhook-endpoints`, their deliveries and replay).
import { z } from '@hono/zod-openapi';
import { FEED_EVENT_TYPES } from '../../domain/events';
import { FEED_CURSOR_PATTERN } from '../../entities/event-feed';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument, updateRequest } from '../json-api';
import { Timestamp, TimestampInput, Uuid, text } from './common';

const TYPE = `(${FEED_EVENT_TYPES.map((t) => t.replace('.', '\\.')).join('|')})`;

/** A comma-separated list of event types, each one the feed knows. */
const typeList = z
  .string()
  .regex(new RegExp(`^${TYPE}(,${TYPE})*$`), `must be event types separated by commas, each one of ${FEED_EVENT_TYPES.join(', ')}`)
  .max(1000);

export const FeedEventAttributes = z
  .object({
    type: z.enum(FEED_EVENT_TYPES),
    storefront: z.string(),
    orderId: z.string().nullable().openapi({ description: 'the order the event belongs to; null for a storefront event (endpoint.disabled)' }),
    seq: z.number().int().nullable().openapi({ description: "the event's sequence number within its order (gapless from 1)" }),
    data: z.record(z.string(), z.unknown()),
    occurredAt: Timestamp,
    actor: z.object({ type: z.enum(['client', 'system']), id: z.string().nullable() }),
    requestId: z.string().nullable(),
  })
  .openapi('FeedEventAttributes');

export const FeedEventResource = z
  .object({ type: z.literal('events'), id: z.string(), attributes: FeedEventAttributes, meta: z.object({ cursor: z.string() }) })
  .openapi('FeedEvent');

export const FeedEventList = z
  .object({
    data: z.array(FeedEventResource),
    links: z.object({ self: z.string(), next: z.string().openapi({ description: 'where to read on from; the feed never ends, so there always is one' }) }),
    meta: z.object({ pageSize: z.number().int() }),
  })
  .openapi('FeedEventList');

export const FeedQuery = z
  .object({
    'filter[type]': typeList.optional().openapi({ param: { name: 'filter[type]', in: 'query' }, example: 'order.created,order.shipped' }),
    'filter[orderId]': Uuid.optional().openapi({ param: { name: 'filter[orderId]', in: 'query' } }),
    'page[size]': pageQuery('uuid')['page[size]'],
    'page[after]': z
      .string()
      .regex(FEED_CURSOR_PATTERN, 'is not a feed cursor; follow links.next')
      .optional()
      .openapi({ param: { name: 'page[after]', in: 'query' }, description: 'the cursor in links.next of the page before (or meta.cursor of the last event read)' }),
  })
  .strict();

// ---------------------------------------------------------------- webhook endpoints

/** https only, unless WEBHOOK_ALLOW_PRIVATE_URLS (checked by the route: the schema allows http too). */
const WebhookUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s/?#]+[^\s]*$/, 'must be an absolute https URL')
  .openapi({ format: 'uri', example: 'https://hooks.example.com/ordersaga' });

const EventTypes = z
  .array(z.enum(FEED_EVENT_TYPES))
  .max(FEED_EVENT_TYPES.length)
  .openapi({ description: 'the event types sent to the endpoint; empty: every type' });

export const WebhookEndpointAttributes = z
  .object({
    url: z.string(),
    eventTypes: z.array(z.enum(FEED_EVENT_TYPES)),
    enabled: z.boolean(),
    disabledReason: z.enum(['disabled', 'gone', 'failing']).nullable().openapi({ description: 'why it is disabled: by the client, the receiver answered 410, or it failed for 5 days' }),
    description: z.string().nullable(),
    storefront: z.string(),
    secret: z.string().optional().openapi({ description: 'the signing secret (whsec_...): only in the answer to creation and rotation' }),
    previousSecretExpiresAt: Timestamp.nullable().openapi({ description: 'until when the secret before the last rotation still signs beside the new one' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('WebhookEndpointAttributes');

export const WebhookEndpointResource = resourceSchema('webhook-endpoints', WebhookEndpointAttributes).openapi('WebhookEndpoint');
export const WebhookEndpointDocument = singleDocument('WebhookEndpointDocument', WebhookEndpointResource);
export const WebhookEndpointList = listDocument('WebhookEndpointList', WebhookEndpointResource);

export const CreateWebhookEndpointRequest = createRequest(
  'CreateWebhookEndpointRequest',
  'webhook-endpoints',
  z
    .object({
      url: WebhookUrl,
      eventTypes: EventTypes.optional(),
      enabled: z.boolean().optional(),
      description: text(500).optional(),
    })
    .strict(),
);

export const UpdateWebhookEndpointRequest = updateRequest(
  'UpdateWebhookEndpointRequest',
  'webhook-endpoints',
  z
    .object({
      url: WebhookUrl.optional(),
      eventTypes: EventTypes.optional(),
      enabled: z.boolean().optional(),
      description: text(500).nullable().optional(),
    })
    .strict(),
);

export const WebhookEndpointListQuery = z.object({ ...pageQuery('uuid') }).strict();

export const WebhookAttemptAttributes = z
  .object({
    eventId: z.string(),
    attempt: z.number().int(),
    statusCode: z.number().int().nullable().openapi({ description: "the receiver's HTTP status; null when no answer came (refused, timed out)" }),
    latencyMs: z.number().int(),
    error: z.string().nullable(),
    attemptedAt: Timestamp,
  })
  .openapi('WebhookAttemptAttributes');

export const WebhookAttemptResource = z
  .object({ type: z.literal('webhook-attempts'), id: z.string(), attributes: WebhookAttemptAttributes })
  .openapi('WebhookAttempt');
export const WebhookAttemptList = listDocument('WebhookAttemptList', WebhookAttemptResource);
export const WebhookAttemptListQuery = z.object({ ...pageQuery('bigint') }).strict();

export const ReplayRequest = createRequest('WebhookReplayRequest', 'webhook-replays', z.object({ since: TimestampInput }).strict());
export const ReplayDocument = z
  .object({
    data: z.object({
      type: z.literal('webhook-replays'),
      id: z.string(),
      attributes: z.object({ since: Timestamp, events: z.number().int().openapi({ description: 'how many events are queued to be sent again' }) }),
    }),
  })
  .openapi('WebhookReplayDocument');
