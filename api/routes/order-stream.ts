// GET /v1/orders/{id}/stream: the order's events as Server-Sent Events. Events are always read
// from order_events (the record), in seq order, each sent with `id: <seq>`, so Last-Event-ID
// resumes exactly where a client stopped. A Redis publish on `order-events:<id>` only wakes the
// stream early; without Redis it polls.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { ORDER_EVENT_TYPES, type OrderEventType } from '../../domain/events';
import type { OrderStatus } from '../../domain/order-status';
import { OrderEvent } from '../../entities/order-event';
import { secured } from '../auth';
import type { OrderCache } from '../cache';
import type { ApiDeps, AppEnv } from '../deps';
import { errorResponses } from '../json-api';
import type { OrderEventsHub } from '../order-events-hub';
import { IdParam } from '../schemas/common';
import { StreamQuery } from '../schemas/orders';
import { notYours, visibleOrders } from '../storefronts';

const BATCH = 100;
/** How long a stream sleeps without a wake-up: short when events cannot wake it (no subscription). */
const POLL_LIVE_MS = 15_000;
const POLL_OFFLINE_MS = 1_000;
const HEARTBEAT_MS = 15_000;

/** The status an event moves the order to, for clients that follow only the status. */
const STATUS_AFTER: Partial<Record<OrderEventType, OrderStatus>> = {
  'order.created': 'PENDING',
  'payment.authorized': 'PROCESSING',
  'order.shipped': 'SHIPPED',
  'order.delivered': 'DELIVERED',
  'order.canceled': 'CANCELLED',
  'order.rejected': 'REJECTED',
  'order.needs_attention': 'NEEDS_ATTENTION',
};

export const StreamEventData = z
  .object({
    orderId: z.string(),
    seq: z.number().int(),
    type: z.enum(ORDER_EVENT_TYPES),
    status: z.string().nullable().openapi({ description: 'the status this event moved the order to, when it moved it' }),
    data: z.record(z.string(), z.unknown()),
    occurredAt: z.string(),
  })
  .openapi('OrderStreamEvent');

const StreamReadyData = z.object({ orderId: z.string(), after: z.number().int() }).openapi('OrderStreamReady');

/** A `data:` field holding the JSON of `component` (a schema registered under that name). */
const jsonData = (component: string) => {
  // JSON Schema 2020-12 keywords (OpenAPI 3.1) the metadata type does not list; the generator keeps them.
  const content = { contentMediaType: 'application/json', contentSchema: { $ref: `#/components/schemas/${component}` } };
  return z.string().openapi(content as unknown as { description: string });
};

/**
 * One event of the stream, as OpenAPI 3.1 describes a text/event-stream (the fields of each event):
 * first `ready` (with the reconnection delay), then the order's events, each with its sequence as `id`.
 */
const StreamItem = z
  .union([
    z.object({ event: z.literal('ready'), data: jsonData('OrderStreamReady'), retry: z.number().int() }),
    z.object({ event: z.enum(ORDER_EVENT_TYPES), id: z.string().regex(/^[0-9]+$/), data: jsonData('OrderStreamEvent') }),
  ])
  .openapi('OrderStreamItem', { description: 'one Server-Sent Event: `event`, `id` and `retry` lines and JSON `data`' });

function lastEventIdOf(header: string | undefined): number {
  const n = header === undefined ? NaN : Number(header.trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

export function orderStreamRoutes({ deps, hub, cache }: { deps: ApiDeps; hub: OrderEventsHub; cache: OrderCache }) {
  const app = new OpenAPIHono<AppEnv>();
  const visibleOrder = visibleOrders(deps, cache);
  // Named by the events' `contentSchema` only, so registered here.
  app.openAPIRegistry.register('OrderStreamEvent', StreamEventData);
  app.openAPIRegistry.register('OrderStreamReady', StreamReadyData);
  app.openAPIRegistry.registerComponent('securitySchemes', 'accessToken', {
    type: 'apiKey',
    in: 'query',
    name: 'access_token',
    description: 'The bearer token in the query, for browsers (EventSource sends no headers); on the event stream only.',
  });

  const stream = createRoute({
    method: 'get',
    path: '/orders/{id}/stream',
    tags: ['orders'],
    summary: 'Live order events (Server-Sent Events)',
    description:
      'Each event: `event: <type>`, `id: <seq>`, `data:` a JSON OrderStreamEvent. Reconnect with Last-Event-ID to resume ' +
      'after the last seq seen (0 or absent: from the start). EventSource cannot send headers, so the token may come as `?access_token=`. ' +
      notYours('An order'),
    ...secured('orders:read'),
    request: {
      params: IdParam,
      query: StreamQuery,
      headers: z.object({
        'Last-Event-ID': z
          .string()
          .regex(/^[0-9]{1,16}$/, 'must be the id (a sequence number) of an event of this stream')
          .optional()
          .openapi({ param: { name: 'Last-Event-ID', in: 'header' } }),
      }),
    },
    responses: {
      200: { description: 'the event stream', content: { 'text/event-stream': { schema: StreamItem } } },
      ...errorResponses(404),
    },
  });

  // The document gives `access_token` as what it is, a way to authenticate (not a parameter);
  // the route still validates the query it arrives in.
  app.openAPIRegistry.registerPath({
    ...stream,
    security: [...(stream.security ?? []), { accessToken: ['orders:read'] }],
    request: { params: stream.request.params, headers: stream.request.headers },
  });
  app.openapi({ ...stream, hide: true }, async (c) => {
    const { id } = c.req.valid('param');
    await visibleOrder(c, id);
    let last = lastEventIdOf(c.req.header('last-event-id'));
    const events = deps.dataSource.getRepository(OrderEvent);

    return streamSSE(c, async (sse) => {
      let wake: (() => void) | undefined;
      const unwatch = hub.watch(id, () => wake?.());
      sse.onAbort(() => {
        unwatch();
        wake?.();
      });
      await sse.writeSSE({ event: 'ready', data: JSON.stringify({ orderId: id, after: last }), retry: 2000 });
      let lastWrite = Date.now();
      try {
        while (!sse.aborted && !sse.closed) {
          let batch: OrderEvent[] = [];
          try {
            batch = await events
              .createQueryBuilder('e')
              .where('e.order_id = :id AND e.seq > :last', { id, last })
              .orderBy('e.seq', 'ASC')
              .limit(BATCH)
              .getMany();
          } catch (err) {
            deps.logger.warn({ err: (err as Error).message, orderId: id }, 'stream could not read order_events; retrying');
          }
          for (const e of batch) {
            const data = { orderId: id, seq: e.seq, type: e.type, status: (e.data?.status as string | undefined) ?? STATUS_AFTER[e.type] ?? null, data: e.data, occurredAt: e.occurredAt.toISOString() };
            await sse.writeSSE({ id: String(e.seq), event: e.type, data: JSON.stringify(data) });
            last = e.seq;
            lastWrite = Date.now();
          }
          if (batch.length === BATCH) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, hub.live ? POLL_LIVE_MS : POLL_OFFLINE_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (!sse.aborted && Date.now() - lastWrite >= HEARTBEAT_MS) {
            await sse.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
        }
      } finally {
        unwatch();
      }
    });
  });

  return app;
}
