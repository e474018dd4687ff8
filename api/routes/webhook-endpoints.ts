// Webhook endpoints (scope webhooks:write): create (the signing secret is shown this once), list,
// read, change, delete, rotate the secret (the old one signs beside the new for 24 hours), the
// delivery log and replay. An endpoint belongs to the caller's storefront and receives that
// storefront's events; another storefront's endpoint answers 404 (ops sees every one).
import { randomUUID } from 'node:crypto';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { FEED_START, readFeed } from '../../entities/event-feed';
import { queueDeliveries, sendQueuedNow } from '../../entities/webhook-deliveries';
import { WebhookAttempt, WebhookEndpoint } from '../../entities/webhook-endpoint';
import { webhookUrlProblem } from '../../runtime/webhook-address';
import { newWebhookSecret } from '../../runtime/webhook-signature';
import { secured } from '../auth';
import type { ApiDeps, AppEnv } from '../deps';
import { errors } from '../errors';
import { idempotency } from '../idempotency';
import { assertSameId, errorResponses, JSON_API_HEADERS, jsonApiBody, jsonApiResponse, keysetPage, pageDocument } from '../json-api';
import { IdParam } from '../schemas/common';
import {
  CreateWebhookEndpointRequest,
  ReplayDocument,
  ReplayRequest,
  UpdateWebhookEndpointRequest,
  WebhookAttemptList,
  WebhookAttemptListQuery,
  WebhookEndpointDocument,
  WebhookEndpointList,
  WebhookEndpointListQuery,
} from '../schemas/events';
import { notYours, whereStorefrontVisible } from '../storefronts';

/** How long the secret before a rotation keeps signing. */
const ROTATION_OVERLAP_MS = 24 * 3_600_000;
const REPLAY_BATCH = 1000;

export function webhookEndpointResource(e: WebhookEndpoint, secret?: string) {
  return {
    type: 'webhook-endpoints' as const,
    id: e.id,
    attributes: {
      url: e.url,
      eventTypes: e.eventTypes,
      enabled: e.enabled,
      disabledReason: e.disabledReason,
      description: e.description,
      storefront: e.storefront,
      ...(secret ? { secret } : {}),
      previousSecretExpiresAt: e.previousSecretUntil && e.previousSecretUntil > new Date() ? e.previousSecretUntil.toISOString() : null,
      createdAt: e.createdAt.toISOString(),
      updatedAt: e.updatedAt.toISOString(),
    },
    links: { self: `/v1/webhook-endpoints/${e.id}` },
  };
}

function attemptResource(a: WebhookAttempt) {
  return {
    type: 'webhook-attempts' as const,
    id: String(a.id),
    attributes: { eventId: a.eventId, attempt: a.attempt, statusCode: a.statusCode, latencyMs: a.latencyMs, error: a.error, attemptedAt: a.attemptedAt.toISOString() },
  };
}

const NOT_YOURS = notYours('An endpoint');

export function webhookEndpointRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const endpoints = () => deps.dataSource.getRepository(WebhookEndpoint);
  const allowPrivate = deps.config.WEBHOOK_ALLOW_PRIVATE_URLS;

  /** The endpoint, or 404 when there is none or it is another storefront's. */
  const visibleEndpoint = async (c: Context<AppEnv>, id: string) => {
    const endpoint = await whereStorefrontVisible(c, endpoints().createQueryBuilder('w').where('w.id = :id', { id }), 'w.storefront').getOne();
    if (!endpoint) throw errors.notFound(`Webhook endpoint ${id}`);
    return endpoint;
  };
  const checkUrl = async (url: string) => {
    const problem = await webhookUrlProblem(url, allowPrivate);
    if (problem) throw errors.unprocessable('forbidden_url', `url ${problem}.`, '/data/attributes/url');
  };

  const create = createRoute({
    method: 'post',
    path: '/webhook-endpoints',
    tags: ['webhooks'],
    summary: 'Create a webhook endpoint',
    description:
      "The endpoint receives the caller's storefront's events of `eventTypes` (all when empty), signed by the Standard Webhooks specification. " +
      'The answer carries the signing secret, shown this once. The URL must be https and must not resolve to a loopback, private, link-local, ' +
      'CGNAT or unique-local address (422 forbidden_url). Honours an Idempotency-Key.',
    ...secured('webhooks:write', idempotency(deps, { required: false })),
    request: { body: jsonApiBody(CreateWebhookEndpointRequest, 'the endpoint') },
    responses: { 201: jsonApiResponse(WebhookEndpointDocument, 'created; attributes.secret is the signing secret'), ...errorResponses(413, 415, 422) },
  });
  app.openapi(create, async (c) => {
    const { attributes } = c.req.valid('json').data;
    await checkUrl(attributes.url);
    const secret = newWebhookSecret();
    const now = new Date();
    const row = endpoints().create({
      id: randomUUID(),
      storefront: c.get('principal')!.storefront,
      url: attributes.url,
      eventTypes: [...new Set(attributes.eventTypes ?? [])],
      description: attributes.description ?? null,
      enabled: attributes.enabled ?? true,
      disabledReason: attributes.enabled === false ? 'disabled' : null,
      secret,
      previousSecret: null,
      previousSecretUntil: null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    });
    await endpoints().insert(row);
    c.header('Location', `/v1/webhook-endpoints/${row.id}`);
    return c.json({ data: webhookEndpointResource(row, secret) }, 201, JSON_API_HEADERS);
  });

  const list = createRoute({
    method: 'get',
    path: '/webhook-endpoints',
    tags: ['webhooks'],
    summary: 'List webhook endpoints, oldest first',
    description: "The caller's storefront's endpoints (every storefront's with ops). Secrets are never listed.",
    ...secured('webhooks:write'),
    request: { query: WebhookEndpointListQuery },
    responses: { 200: jsonApiResponse(WebhookEndpointList, 'a page of endpoints'), ...errorResponses() },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const qb = whereStorefrontVisible(c, endpoints().createQueryBuilder('w'), 'w.storefront');
    const page = await keysetPage(qb, { at: 'w.created_at', id: 'w.id' }, 'ASC', query['page[size]'], query['page[after]']);
    return c.json(pageDocument(c.req.url, page, (e) => webhookEndpointResource(e), query['page[size]']), 200, JSON_API_HEADERS);
  });

  const read = createRoute({
    method: 'get',
    path: '/webhook-endpoints/{id}',
    tags: ['webhooks'],
    summary: 'Read a webhook endpoint',
    description: NOT_YOURS,
    ...secured('webhooks:write'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(WebhookEndpointDocument, 'the endpoint'), ...errorResponses(404) },
  });
  app.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    return c.json({ data: webhookEndpointResource(await visibleEndpoint(c, id)) }, 200, JSON_API_HEADERS);
  });

  const update = createRoute({
    method: 'patch',
    path: '/webhook-endpoints/{id}',
    tags: ['webhooks'],
    summary: 'Change a webhook endpoint (url, eventTypes, enabled, description)',
    description: `Enabling an endpoint that was disabled (by its client, a 410 or 5 days of failures) sends what is queued for it, in order. ${NOT_YOURS}`,
    ...secured('webhooks:write'),
    request: { params: IdParam, body: jsonApiBody(UpdateWebhookEndpointRequest, 'the changes') },
    responses: { 200: jsonApiResponse(WebhookEndpointDocument, 'the endpoint'), ...errorResponses(404, 409, 413, 415, 422) },
  });
  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const { data } = c.req.valid('json');
    assertSameId(data.id, id);
    const endpoint = await visibleEndpoint(c, id);
    const a = data.attributes;
    if (a.url !== undefined) {
      await checkUrl(a.url);
      endpoint.url = a.url;
    }
    if (a.eventTypes !== undefined) endpoint.eventTypes = [...new Set(a.eventTypes)];
    if (a.description !== undefined) endpoint.description = a.description;
    const reenabled = a.enabled === true && !endpoint.enabled;
    if (a.enabled !== undefined && a.enabled !== endpoint.enabled) {
      endpoint.enabled = a.enabled;
      endpoint.disabledReason = a.enabled ? null : 'disabled';
      // A fresh start: the 5 days of failures count again from the next failure.
      if (a.enabled) endpoint.failingSince = null;
    }
    endpoint.updatedAt = new Date();
    await endpoints().update(
      { id },
      { url: endpoint.url, eventTypes: endpoint.eventTypes, description: endpoint.description, enabled: endpoint.enabled, disabledReason: endpoint.disabledReason, failingSince: endpoint.failingSince, updatedAt: endpoint.updatedAt },
    );
    if (reenabled) await sendQueuedNow(deps.dataSource.manager, id);
    return c.json({ data: webhookEndpointResource(endpoint) }, 200, JSON_API_HEADERS);
  });

  const remove = createRoute({
    method: 'delete',
    path: '/webhook-endpoints/{id}',
    tags: ['webhooks'],
    summary: 'Delete a webhook endpoint, its queue and its delivery log',
    description: NOT_YOURS,
    ...secured('webhooks:write'),
    request: { params: IdParam },
    responses: { 204: { description: 'deleted' }, ...errorResponses(404) },
  });
  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    await visibleEndpoint(c, id);
    await endpoints().delete({ id });
    return c.body(null, 204);
  });

  const rotate = createRoute({
    method: 'post',
    path: '/webhook-endpoints/{id}/rotate-secret',
    tags: ['webhooks'],
    summary: "Rotate the endpoint's signing secret",
    description: `Answers with the new secret, shown this once. For 24 hours every delivery carries two signatures, by the new and the old secret, so receivers can switch without losing one. ${NOT_YOURS}`,
    ...secured('webhooks:write'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(WebhookEndpointDocument, 'the endpoint; attributes.secret is the new secret'), ...errorResponses(404) },
  });
  app.openapi(rotate, async (c) => {
    const { id } = c.req.valid('param');
    await visibleEndpoint(c, id);
    const secret = newWebhookSecret();
    await deps.dataSource.query(
      `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = now() + $3 * interval '1 millisecond', secret = $2, updated_at = now() WHERE id = $1`,
      [id, secret, ROTATION_OVERLAP_MS],
    );
    return c.json({ data: webhookEndpointResource(await visibleEndpoint(c, id), secret) }, 200, JSON_API_HEADERS);
  });

  const deliveries = createRoute({
    method: 'get',
    path: '/webhook-endpoints/{id}/deliveries',
    tags: ['webhooks'],
    summary: 'The delivery log: every attempt, oldest first',
    description: `Each attempt names the event (its webhook-id), the receiver's status code, the latency and the error. ${NOT_YOURS}`,
    ...secured('webhooks:write'),
    request: { params: IdParam, query: WebhookAttemptListQuery },
    responses: { 200: jsonApiResponse(WebhookAttemptList, 'a page of attempts'), ...errorResponses(404) },
  });
  app.openapi(deliveries, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    await visibleEndpoint(c, id);
    const qb = deps.dataSource.getRepository(WebhookAttempt).createQueryBuilder('a').where('a.endpoint_id = :id', { id });
    const page = await keysetPage(qb, { at: 'a.attempted_at', id: 'a.id' }, 'ASC', query['page[size]'], query['page[after]']);
    return c.json(pageDocument(c.req.url, page, attemptResource, query['page[size]']), 200, JSON_API_HEADERS);
  });

  const replay = createRoute({
    method: 'post',
    path: '/webhook-endpoints/{id}/replay',
    tags: ['webhooks'],
    summary: 'Send again every event since a time',
    description:
      "Queues every event of the endpoint's storefront and types that happened at or after `since`, delivered or not, with its original webhook-id " +
      `(receivers deduplicate by it); events of one order go in sequence as always. ${NOT_YOURS}`,
    ...secured('webhooks:write', idempotency(deps, { required: false })),
    request: { params: IdParam, body: jsonApiBody(ReplayRequest, 'since when') },
    responses: { 202: jsonApiResponse(ReplayDocument, 'queued'), ...errorResponses(404, 413, 415, 422) },
  });
  app.openapi(replay, async (c) => {
    const { id } = c.req.valid('param');
    const { since } = c.req.valid('json').data.attributes;
    const endpoint = await visibleEndpoint(c, id);
    let after = FEED_START;
    let queued = 0;
    for (;;) {
      const events = await readFeed(deps.dataSource.manager, {
        after,
        limit: REPLAY_BATCH,
        storefront: endpoint.storefront,
        since,
        ...(endpoint.eventTypes.length > 0 ? { types: endpoint.eventTypes } : {}),
      });
      queued += await queueDeliveries(deps.dataSource.manager, events, endpoint.id);
      if (events.length < REPLAY_BATCH) break;
      after = events[events.length - 1].position;
    }
    return c.json({ data: { type: 'webhook-replays' as const, id: randomUUID(), attributes: { since: new Date(since).toISOString(), events: queued } } }, 202, JSON_API_HEADERS);
  });

  return app;
}
