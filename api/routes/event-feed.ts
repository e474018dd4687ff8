// GET /v1/events: the storefront's feed (every storefront's with ops), oldest first. The feed
// never ends, so links.next is always there: a follower reads it again later and gets what has
// committed since, without ever skipping an event (entities/event-feed.ts says how).
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { decodeFeedCursor, encodeFeedCursor, FEED_START, type FeedEvent, readFeed } from '../../entities/event-feed';
import { secured } from '../auth';
import type { ApiDeps, AppEnv } from '../deps';
import { errors } from '../errors';
import { errorResponses, JSON_API_HEADERS, jsonApiResponse, nextLink, selfLink } from '../json-api';
import { FeedEventList, FeedQuery } from '../schemas/events';
import { storefrontScope } from '../storefronts';

export function feedEventResource(e: FeedEvent) {
  return {
    type: 'events' as const,
    id: e.id,
    attributes: {
      type: e.type,
      storefront: e.storefront,
      orderId: e.orderId,
      seq: e.seq,
      data: e.data,
      occurredAt: e.occurredAt.toISOString(),
      actor: e.actorClientId === null ? { type: 'system' as const, id: null } : { type: 'client' as const, id: e.actorClientId },
      requestId: e.requestId,
    },
    meta: { cursor: encodeFeedCursor(e.position) },
  };
}

export function eventFeedRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();

  const feed = createRoute({
    method: 'get',
    path: '/events',
    tags: ['events'],
    summary: "The storefront's event feed, oldest first",
    description:
      "Every order event of the caller's storefront (every storefront's with ops) and the storefront's own events (endpoint.disabled). " +
      'Follow links.next: it is always there, and an event whose transaction commits after a later one is never skipped. Events are kept 30 days at least.',
    ...secured('orders:read'),
    request: { query: FeedQuery },
    responses: { 200: jsonApiResponse(FeedEventList, 'a page of events'), ...errorResponses() },
  });
  app.openapi(feed, async (c) => {
    const query = c.req.valid('query');
    const principal = c.get('principal');
    if (!principal) throw errors.unauthorized();
    const after = query['page[after]'] ? decodeFeedCursor(query['page[after]']) : FEED_START;
    const types = query['filter[type]']?.split(',');
    const events = await readFeed(deps.dataSource.manager, {
      after,
      limit: query['page[size]'],
      storefront: storefrontScope(principal),
      ...(types ? { types } : {}),
      ...(query['filter[orderId]'] ? { orderId: query['filter[orderId]'] } : {}),
    });
    const last = events.length > 0 ? events[events.length - 1].position : after;
    return c.json(
      {
        data: events.map(feedEventResource),
        links: { self: selfLink(c.req.url), next: nextLink(c.req.url, encodeFeedCursor(last)) },
        meta: { pageSize: query['page[size]'] },
      },
      200,
      JSON_API_HEADERS,
    );
  });

  return app;
}
