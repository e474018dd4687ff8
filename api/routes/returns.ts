// Returns (DESIGN.md, "After the order is paid"): request within the window, list and read,
// receive with dispositions (ops), cancel while requested. Each return is a workflow of its own
// (`return-<id>`); these routes check what they can against the projection first (422 with the
// field, nothing started), start or update the workflow, and answer from the projection.
import { randomUUID } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { v5 as uuidv5 } from 'uuid';
import { isRecordedReceipt, returnRequestProblems } from '../../domain/returns';
import { OrderReturn } from '../../entities/return';
import { loadReturnableOrder } from '../../entities/return-queries';
import { secured } from '../auth';
import type { OrderCache } from '../cache';
import type { ApiDeps, AppEnv } from '../deps';
import { errors } from '../errors';
import { idempotency } from '../idempotency';
import { errorResponses, JSON_API_HEADERS, jsonApiBody, jsonApiResponse, keysetPage, pageDocument } from '../json-api';
import { returnProblemError, ReturnWorkflows } from '../return-workflows';
import { loadReturns, returnResource } from '../return-projection';
import { IDEMPOTENCY_KEY_PATTERN, IdParam } from '../schemas/common';
import { ReceiveReturnRequest, RequestReturnRequest, ReturnDocument, ReturnList, ReturnListQuery } from '../schemas/returns';
import { mayAccess, notYours, visibleOrders, whereStorefrontVisible } from '../storefronts';

/** Return ids derive from the client and the Idempotency-Key: a retried POST reaches the same return. */
export const RETURN_ID_NAMESPACE = '0d8a3c6e-4b1f-5a92-8e7d-1c6b9f2e3a40';

const OptionalIdempotencyKey = z.object({
  'Idempotency-Key': z.string().regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1 to 255 printable ASCII characters, quoted or bare').optional().openapi({
    param: { name: 'Idempotency-Key', in: 'header', required: false },
    description: 'honoured: the same key reaches the same return; reused with another body: 422',
  }),
});

export function returnRoutes({ deps, cache }: { deps: ApiDeps; cache: OrderCache }) {
  const app = new OpenAPIHono<AppEnv>();
  const { config } = deps;
  const workflows = new ReturnWorkflows(deps.temporal, { taskQueue: config.ORDERS_TASK_QUEUE, timeoutMs: config.TEMPORAL_CALL_TIMEOUT_MS });
  const visibleOrder = visibleOrders(deps, cache);

  /** The return as the projection has it, or 404 when there is none or the caller may not see it. */
  const visibleReturn = async (c: Parameters<typeof visibleOrder>[0], id: string) => {
    const [row] = await loadReturns(deps.dataSource, [id]);
    if (!row || !mayAccess(c.get('principal')!, row.storefront)) throw errors.notFound(`Return ${id}`);
    return row;
  };
  const answer = async (id: string) => {
    const [row] = await loadReturns(deps.dataSource, [id]);
    return { data: returnResource(row) };
  };

  const requestRoute = createRoute({
    method: 'post',
    path: '/orders/{id}/returns',
    tags: ['returns'],
    summary: 'Ask for a return of delivered units',
    description:
      `From DELIVERED until RETURN_WINDOW_DAYS (default ${config.RETURN_WINDOW_DAYS}) after delivery, for at most the delivered ` +
      'quantity less what earlier returns claim; anything else is 422 naming the field, and nothing is written. 201 with the ' +
      `return (REQUESTED, its RMA number). ${notYours('An order')} Idempotency-Key honoured.`,
    ...secured('orders:write', idempotency(deps, { required: false })),
    request: { params: IdParam, headers: OptionalIdempotencyKey, body: jsonApiBody(RequestReturnRequest, 'the units to return') },
    responses: {
      201: jsonApiResponse(ReturnDocument, 'the return, REQUESTED', { Location: { description: 'the return', schema: { type: 'string' } } }),
      ...errorResponses(404, 409, 413, 415, 422),
    },
  });
  app.openapi(requestRoute, async (c) => {
    const { id: orderId } = c.req.valid('param');
    const { lines } = c.req.valid('json').data.attributes;
    await visibleOrder(c, orderId);
    const requestedAt = new Date();
    const key = c.get('idempotencyKey');
    const returnId = key === undefined ? randomUUID() : uuidv5(`${c.get('principal')!.clientId}\n${key}`, RETURN_ID_NAMESPACE);
    // This key's own return (made by an attempt whose answer was a 5xx, which is never stored) claims nothing against it.
    const order = (await loadReturnableOrder(deps.dataSource.manager, orderId, returnId))!;
    const problems = returnRequestProblems(order, lines, requestedAt, config.RETURN_WINDOW_DAYS);
    if (problems.length > 0) throw returnProblemError(problems[0]);

    const input = {
      returnId,
      orderId,
      lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, reason: l.reason ?? null })),
      requestedAt: requestedAt.toISOString(),
      windowDays: config.RETURN_WINDOW_DAYS,
      receiptDays: config.RETURN_RECEIPT_DAYS,
    };
    await workflows.request(input, key ?? returnId);
    const [row] = await loadReturns(deps.dataSource, [returnId]);
    if (!row) throw errors.conflict('return_finished', `Return ${returnId} for this Idempotency-Key was refused earlier.`);
    return c.json({ data: returnResource(row) }, 201, { ...JSON_API_HEADERS, Location: `/v1/returns/${returnId}` });
  });

  const getRoute = createRoute({
    method: 'get',
    path: '/returns/{id}',
    tags: ['returns'],
    summary: 'A return, its refund and its credit note',
    description: notYours('A return of an order'),
    ...secured('orders:read'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(ReturnDocument, 'the return'), ...errorResponses(404) },
  });
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const row = await visibleReturn(c, id);
    return c.json({ data: returnResource(row) }, 200, JSON_API_HEADERS);
  });

  const listRoute = createRoute({
    method: 'get',
    path: '/returns',
    tags: ['returns'],
    summary: "Returns of the caller's storefront (every storefront with ops), newest first",
    ...secured('orders:read'),
    request: { query: ReturnListQuery },
    responses: { 200: jsonApiResponse(ReturnList, 'a page of returns'), ...errorResponses() },
  });
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid('query');
    const qb = whereStorefrontVisible(c, deps.dataSource.getRepository(OrderReturn).createQueryBuilder('r').where('true'), 'r.storefront');
    if (query['filter[status]']) qb.andWhere('r.status = :status', { status: query['filter[status]'] });
    return c.json(await returnPage(c.req.url, qb, 'DESC', query), 200, JSON_API_HEADERS);
  });

  const orderReturnsRoute = createRoute({
    method: 'get',
    path: '/orders/{id}/returns',
    tags: ['returns'],
    summary: "The order's returns, oldest first",
    description: notYours('An order'),
    ...secured('orders:read'),
    request: { params: IdParam, query: ReturnListQuery },
    responses: { 200: jsonApiResponse(ReturnList, 'a page of returns'), ...errorResponses(404) },
  });
  app.openapi(orderReturnsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    await visibleOrder(c, id);
    const qb = deps.dataSource.getRepository(OrderReturn).createQueryBuilder('r').where('r.order_id = :id', { id });
    if (query['filter[status]']) qb.andWhere('r.status = :status', { status: query['filter[status]'] });
    return c.json(await returnPage(c.req.url, qb, 'ASC', query), 200, JSON_API_HEADERS);
  });

  const receiveRoute = createRoute({
    method: 'post',
    path: '/returns/{id}/receive',
    tags: ['returns'],
    summary: 'Operator: record what arrived (received quantity and disposition per SKU); the refund follows',
    description:
      'restock puts the units back on hand (a stock movement); damaged units are refunded but not restocked. Answers ' +
      'once refunded (REFUNDED with its credit note), or RECEIVED with statusReason when the provider refused the refund. ' +
      'The same receive sent again (same SKUs, quantities and dispositions) answers 200 with the return as it is; any ' +
      'other receive of a return that is not REQUESTED is 409. The carrier may send it signed (webhook-id, ' +
      'webhook-timestamp, webhook-signature with CARRIER_WEBHOOK_SECRET, as its webhook) instead of a token with ops.',
    ...secured('ops'),
    request: { params: IdParam, body: jsonApiBody(ReceiveReturnRequest, 'what arrived') },
    responses: { 200: jsonApiResponse(ReturnDocument, 'the return'), ...errorResponses(404, 409, 413, 415, 422) },
  });
  // The document names the carrier's signature as the other way in (app.ts checks it).
  app.openAPIRegistry.registerPath({ ...receiveRoute, security: [...(receiveRoute.security ?? []), { carrierSignature: [] }] });
  app.openapi({ ...receiveRoute, hide: true }, async (c) => {
    const { id } = c.req.valid('param');
    const { lines } = c.req.valid('json').data.attributes;
    const row = await visibleReturn(c, id);
    // A return that moved on (its workflow may have finished) answers from the projection: a
    // repeat of the receive it took (a client retrying a lost answer) with the return as it is.
    if (row.status !== 'REQUESTED') {
      if (isRecordedReceipt(row.lines ?? [], lines)) return c.json({ data: returnResource(row) }, 200, JSON_API_HEADERS);
      throw errors.conflict('illegal_transition', `Return ${id} is ${row.status}; only a REQUESTED return can be received.`);
    }
    await workflows.receive(id, lines);
    return c.json(await answer(id), 200, JSON_API_HEADERS);
  });

  const cancelRoute = createRoute({
    method: 'delete',
    path: '/returns/{id}',
    tags: ['returns'],
    summary: 'Cancel a REQUESTED return (cancelling a cancelled one is a harmless 200; any other status is 409)',
    description: notYours('A return of an order'),
    ...secured('orders:write'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(ReturnDocument, 'the return, CANCELLED'), ...errorResponses(404, 409) },
  });
  app.openapi(cancelRoute, async (c) => {
    const { id } = c.req.valid('param');
    const row = await visibleReturn(c, id);
    if (row.status !== 'CANCELLED' && row.status !== 'REQUESTED') {
      throw errors.conflict('illegal_transition', `Return ${id} is ${row.status}; only a REQUESTED return can be cancelled.`);
    }
    if (row.status === 'REQUESTED') await workflows.cancel(id);
    return c.json(await answer(id), 200, JSON_API_HEADERS);
  });

  /** A keyset page of returns with their lines and credit notes. */
  async function returnPage(url: string, qb: ReturnType<ReturnType<typeof deps.dataSource.getRepository<OrderReturn>>['createQueryBuilder']>, order: 'ASC' | 'DESC', query: { 'page[size]': number; 'page[after]'?: string }) {
    const page = await keysetPage(qb, { at: 'r.created_at', id: 'r.id' }, order, query['page[size]'], query['page[after]']);
    const rows = await loadReturns(deps.dataSource, page.rows.map((r) => r.id));
    return pageDocument(url, { rows, next: page.next }, returnResource, query['page[size]']);
  }

  return app;
}
