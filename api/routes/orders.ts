// Orders: create (update-with-start), read (projection through the cache, or the workflow),
// list, change, move, cancel, retry, and the event trail. Writes go to the order's workflow as
// Temporal Updates and signals; the API never writes the order projection itself.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { v5 as uuidv5 } from 'uuid';
import type { OrderStatus } from '../../domain/order-status';
import { OrderEvent } from '../../entities/order-event';
import type { OrderState } from '../../workflows/order-definitions';
import { hasScope, secured } from '../auth';
import type { OrderCache } from '../cache';
import type { ApiDeps, AppEnv } from '../deps';
import { ApiError, errors } from '../errors';
import { idempotency } from '../idempotency';
import { assertSameId, errorResponses, JSON_API_HEADERS, jsonApiBody, jsonApiResponse, jsonApiText, nextLink, selfLink } from '../json-api';
import { type ChangeRequest, previewChange } from '../order-preview';
import { refuseUnknownSkus, refuseUnplaceable } from '../placement-check';
import { listOrders, loadOrder, orderDocument, orderDocumentJson, type OrderSnapshot, pendingSnapshot, snapshotFromState } from '../order-projection';
import { IdempotencyKeyHeader, IdParam } from '../schemas/common';
import { mayAccess, notYours, storefrontScope, visibleOrders } from '../storefronts';

const NOT_YOURS = notYours('An order');
import {
  CancelQuery,
  ChangeOrderRequest,
  ChangeQuery,
  ChangeShippingRequest,
  IfMatchHeader,
  CreateOrderRequest,
  EventListQuery,
  OrderDocument,
  OrderEventList,
  OrderList,
  OrderListQuery,
  ReadOrderQuery,
  SetStatusRequest,
  versionOf,
} from '../schemas/orders';
import { isOrderFinished, type OrderWorkflows } from '../temporal-calls';

/** Namespace of order ids derived from (client, Idempotency-Key). Fixed forever: changing it would let a retry create a second order. */
export const ORDER_ID_NAMESPACE = '6b1f3f0e-2a57-4c3e-8f0d-5d7a9e2c4b18';

export function orderIdFor(clientId: string, idempotencyKey: string): string {
  return uuidv5(`${clientId}\n${idempotencyKey}`, ORDER_ID_NAMESPACE);
}

interface OrderRouteDeps {
  deps: ApiDeps;
  workflows: OrderWorkflows;
  cache: OrderCache;
}

export function orderRoutes({ deps, workflows, cache }: OrderRouteDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const visibleOrder = visibleOrders(deps, cache);

  /**
   * A finished order's workflow takes no updates. Asking it for the status it already ended in
   * (cancel twice, DELIVERED again) is still the harmless 200 it is while the workflow runs.
   */
  const unlessAlready = async (id: string, status: OrderStatus, change: () => Promise<OrderState>): Promise<OrderState | OrderSnapshot> => {
    try {
      return await change();
    } catch (err) {
      if (!isOrderFinished(err)) throw err;
      const order = await loadOrder(deps, id);
      if (order?.status === status) return order;
      throw new ApiError(409, err.code, err.title, order ? `${err.detail} It is ${order.status}.` : err.detail, err.source);
    }
  };

  const answer = async (order: OrderSnapshot, result: OrderState | OrderSnapshot) =>
    'orderId' in result ? answerAfterChange(order, result) : orderDocument(result);

  /** After an update of `order`: the workflow's answer over the projection, and the cache emptied for the next read. */
  const answerAfterChange = async (order: OrderSnapshot, state: OrderState) => {
    await cache.invalidate(state.orderId);
    const projection = await loadOrder(deps, state.orderId);
    return orderDocument(snapshotFromState(state, projection, order.storefront));
  };

  // ---------------------------------------------------------------- create

  const create = createRoute({
    method: 'post',
    path: '/orders',
    tags: ['orders'],
    summary: 'Place an order',
    description:
      'Needs an Idempotency-Key (quoted or bare). The order id is derived from the client and the key, and the order ' +
      'workflow is started with update-with-start, so a retry reaches the same order even without the idempotency ' +
      'record. The customer and SKUs are checked first (422 with a pointer, nothing started); a customer of another ' +
      'storefront is 422 unknown_customer, as one that does not exist. The order belongs to the storefront of the ' +
      'client that places it. Answers 202 once the order is recorded: a GET right after sees it. When the record takes ' +
      'longer than ORDER_RECORD_WAIT_MS (a backlog of orders), answers 202 once Temporal holds the order instead: PENDING, ' +
      'lines and totals empty until the record; a GET shows it the same way until then.',
    ...secured('orders:write', idempotency(deps, { required: true })),
    request: {
      headers: IdempotencyKeyHeader,
      body: jsonApiBody(CreateOrderRequest, 'the order'),
    },
    responses: {
      202: jsonApiResponse(OrderDocument, 'accepted: the order is recorded and its saga runs', {
        Location: { description: 'the order', schema: { type: 'string' } },
      }),
      ...errorResponses(409, 413, 415, 422),
    },
  });
  app.openapi(create, async (c) => {
    const { attributes } = c.req.valid('json').data;
    // The catalogue check: nothing is started for an order that cannot be placed (422 with a
    // pointer, as DESIGN.md says). Orders never cross storefronts: the customer must be the
    // client's own (for ops clients too).
    const principal = c.get('principal')!;
    await refuseUnplaceable(deps, principal.storefront, attributes.customerId, attributes.lines.map((l) => l.sku));

    const key = c.get('idempotencyKey')!;
    const orderId = orderIdFor(principal.clientId, key);
    const order = {
      orderId,
      customerId: attributes.customerId,
      lines: attributes.lines,
      shippingAddress: { ...attributes.shippingAddress, line2: attributes.shippingAddress.line2 ?? null },
      payment: attributes.payment,
      storefront: principal.storefront,
    };
    const since = cache.generation;
    const outcome = await workflows.place(order, key);
    // The update answers once the projection has the order, so the projection is the answer. It is
    // also the answer to a retry: Temporal replays the first update outcome (the key is the update
    // id) even for a finished workflow, which is never started again (REJECT_DUPLICATE). A record
    // late under load (`started`) answers with the order as Temporal holds it.
    const projection = await loadOrder(deps, orderId);
    if (!projection && outcome.kind === 'finished') throw errors.conflict('order_finished', `Order ${orderId} for this Idempotency-Key is finished.`);
    const snapshot = projection ?? (outcome.kind === 'placed' ? snapshotFromState(outcome.state, null, principal.storefront) : pendingSnapshot(order));
    // Its client polls it until the record: what a GET would build from Temporal's answer, kept.
    if (!projection && outcome.kind === 'started') cache.rememberPending(snapshot, since);
    const doc = orderDocument(snapshot);
    return c.json(doc, 202, { ...JSON_API_HEADERS, Location: doc.data.links.self });
  });

  // ---------------------------------------------------------------- read

  const read = createRoute({
    method: 'get',
    path: '/orders/{id}',
    tags: ['orders'],
    summary: 'Read an order',
    description: `From the projection through the cache; \`?consistency=strong\` asks the order workflow (slower, current to the moment). ${NOT_YOURS}`,
    ...secured('orders:read'),
    request: { params: IdParam, query: ReadOrderQuery },
    responses: { 200: jsonApiResponse(OrderDocument, 'the order'), ...errorResponses(404) },
  });
  app.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    if (c.req.valid('query').consistency === 'strong') {
      const projection = await visibleOrder(c, id, { fresh: true });
      try {
        return c.json(orderDocument(snapshotFromState(await workflows.state(id), projection, projection.storefront)), 200, JSON_API_HEADERS);
      } catch (err) {
        // Orders migrated as history only (delivered, cancelled) have no workflow: the projection is all there is.
        if (err instanceof ApiError && err.status === 404) return c.json(orderDocument(projection), 200, JSON_API_HEADERS);
        throw err;
      }
    }
    // The document's JSON is kept with the snapshot: a local cache hit answers without rebuilding it.
    const recorded = await cache.get(id, () => loadOrder(deps, id));
    if (recorded) {
      if (!mayAccess(c.get('principal')!, recorded.storefront)) throw errors.notFound(`Order ${id}`);
      return jsonApiText(c, orderDocumentJson(recorded), 200);
    }
    // Not recorded (yet): a POST answered before the record under load names an order Temporal holds.
    const started = await workflows.startedOrder(id);
    const pending = started && pendingSnapshot(started);
    if (!pending || !mayAccess(c.get('principal')!, pending.storefront)) throw errors.notFound(`Order ${id}`);
    return c.json(orderDocument(pending), 200, JSON_API_HEADERS);
  });

  const list = createRoute({
    method: 'get',
    path: '/orders',
    tags: ['orders'],
    summary: 'List orders',
    description:
      "The caller's storefront only (every storefront with ops). filter[status]=A,B, filter[customerId], filter[legacyOrderNo], " +
      'filter[createdAt][gte]/[lt]; sort=createdAt or -createdAt (default); page[size] (25, at most 100) and page[after] from links.next.',
    ...secured('orders:read'),
    request: { query: OrderListQuery },
    responses: { 200: jsonApiResponse(OrderList, 'a page of orders'), ...errorResponses() },
  });
  app.openapi(list, async (c) => c.json(await listOrders(deps, c.req.valid('query'), c.req.url, storefrontScope(c.get('principal')!)), 200, JSON_API_HEADERS));

  // ---------------------------------------------------------------- change

  /**
   * Both change routes: a preview answers the would-be order; otherwise the catalogue check of SKUs
   * new to the order (422 with a pointer), the If-Match check against the projection (412 at once),
   * then the workflow's update, which checks the version again in line with other changes.
   */
  const applyChange = async (c: Context<AppEnv>, id: string, change: ChangeRequest, preview: boolean, ifMatch: string | undefined) => {
    const expectedVersion = versionOf(ifMatch);
    const order = await visibleOrder(c, id, { fresh: preview || expectedVersion !== undefined });
    if (preview) return orderDocument(await previewChange(deps, order, change));
    if (expectedVersion !== undefined && expectedVersion !== order.eventSeq) {
      throw errors.staleVersion(`Order ${id} is at version ${order.eventSeq}, not ${expectedVersion}; nothing changed.`);
    }
    if (change.lines) await refuseUnknownSkus(deps, change.lines.map((l) => l.sku));
    const state = await workflows.changeOrder(id, {
      ...(change.lines ? { lines: change.lines } : {}),
      ...(change.shippingAddress ? { shippingAddress: change.shippingAddress } : {}),
      ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    });
    return answerAfterChange(order, state);
  };


  const CHANGE_RULES =
    'Until the goods leave (SHIPPED): lines (add a SKU at its catalogue price, change a quantity, drop a line; one line stays) ' +
    'and the address; stock moves by the difference (409 out_of_stock), the invoice gets its next revision, a booked shipment is ' +
    're-booked, and money follows the difference: a lower total keeps the authorization (the capture takes the new total), a ' +
    'higher one raises it by an incremental authorization or a separate authorization of the difference (declined: 402 ' +
    "payment_declined). All or nothing. If-Match with the order's version: 412 when stale. ?preview=true changes nothing. " +
    '(Orders placed before this release keep their rules: lines until authorization, address until booking.) ';

  const change = createRoute({
    method: 'put',
    path: '/orders/{id}',
    tags: ['orders'],
    summary: 'Change the lines and/or the shipping address',
    description: `${CHANGE_RULES}With both, lines are changed first. ${NOT_YOURS}`,
    ...secured('orders:write'),
    request: { params: IdParam, query: ChangeQuery, headers: IfMatchHeader, body: jsonApiBody(ChangeOrderRequest, 'the changes') },
    responses: { 200: jsonApiResponse(OrderDocument, 'the order after the change (or as it would be, with preview)'), ...errorResponses(402, 404, 409, 412, 413, 415, 422) },
  });
  app.openapi(change, async (c) => {
    const { id } = c.req.valid('param');
    const { data } = c.req.valid('json');
    assertSameId(data.id, id);
    const { lines, shippingAddress } = data.attributes;
    const request = {
      ...(lines ? { lines } : {}),
      ...(shippingAddress ? { shippingAddress: { ...shippingAddress, line2: shippingAddress.line2 ?? null } } : {}),
    };
    return c.json(await applyChange(c, id, request, c.req.valid('query').preview === 'true', c.req.valid('header')['if-match']), 200, JSON_API_HEADERS);
  });

  const shipping = createRoute({
    method: 'put',
    path: '/orders/{id}/shipping',
    tags: ['orders'],
    summary: 'Change the shipping address',
    description: `As PUT /v1/orders/{id} with an address only. ${CHANGE_RULES}${NOT_YOURS}`,
    ...secured('orders:write'),
    request: { params: IdParam, query: ChangeQuery, headers: IfMatchHeader, body: jsonApiBody(ChangeShippingRequest, 'the new address') },
    responses: { 200: jsonApiResponse(OrderDocument, 'the order after the change (or as it would be, with preview)'), ...errorResponses(402, 404, 409, 412, 413, 415, 422) },
  });
  app.openapi(shipping, async (c) => {
    const { id } = c.req.valid('param');
    const { data } = c.req.valid('json');
    assertSameId(data.id, id);
    const address = data.attributes.shippingAddress;
    const request = { shippingAddress: { ...address, line2: address.line2 ?? null } };
    return c.json(await applyChange(c, id, request, c.req.valid('query').preview === 'true', c.req.valid('header')['if-match']), 200, JSON_API_HEADERS);
  });

  const setStatus = createRoute({
    method: 'put',
    path: '/orders/{id}/status',
    tags: ['orders'],
    summary: 'Move the order: SHIPPED (tracking number), DELIVERED, CANCELLED (reason)',
    description: `SHIPPED and DELIVERED need the ops scope, CANCELLED orders:write. Asking for the status the order has is a no-op 200; a move the transition table forbids is 409 illegal_transition. ${NOT_YOURS}`,
    ...secured(['orders:write', 'ops']),
    request: { params: IdParam, body: jsonApiBody(SetStatusRequest, 'the status wanted') },
    responses: { 200: jsonApiResponse(OrderDocument, 'the order after the move'), ...errorResponses(404, 409, 413, 415, 422) },
  });
  app.openapi(setStatus, async (c) => {
    const { id } = c.req.valid('param');
    const { data } = c.req.valid('json');
    assertSameId(data.id, id);
    const { status, trackingNumber, reason } = data.attributes;
    const needed = status === 'CANCELLED' ? 'orders:write' : 'ops';
    if (!hasScope(c, needed)) throw errors.forbidden(needed);
    const order = await visibleOrder(c, id);
    const result = await unlessAlready(id, status, () =>
      status === 'CANCELLED'
        ? workflows.cancel(id, reason)
        : workflows.setStatus(id, { status, ...(trackingNumber ? { trackingNumber } : {}), ...(reason ? { reason } : {}) }),
    );
    return c.json(await answer(order, result), 200, JSON_API_HEADERS);
  });

  const cancel = createRoute({
    method: 'delete',
    path: '/orders/{id}',
    tags: ['orders'],
    summary: 'Cancel the order',
    description: `As PUT status CANCELLED: the saga undoes its steps in reverse. Cancelling twice is a harmless 200; once shipped it is 409. ${NOT_YOURS}`,
    ...secured('orders:write'),
    request: { params: IdParam, query: CancelQuery },
    responses: { 200: jsonApiResponse(OrderDocument, 'the order, CANCELLED or being cancelled'), ...errorResponses(404, 409) },
  });
  app.openapi(cancel, async (c) => {
    const { id } = c.req.valid('param');
    const order = await visibleOrder(c, id);
    const result = await unlessAlready(id, 'CANCELLED', () => workflows.cancel(id, c.req.valid('query').reason));
    return c.json(await answer(order, result), 200, JSON_API_HEADERS);
  });

  const retry = createRoute({
    method: 'post',
    path: '/orders/{id}/retry',
    tags: ['orders', 'ops'],
    summary: 'Operator: resume a NEEDS_ATTENTION order where it stopped',
    ...secured('ops'),
    request: { params: IdParam },
    responses: { 202: jsonApiResponse(OrderDocument, 'the retry is signalled; the order resumes'), ...errorResponses(404, 409) },
  });
  app.openapi(retry, async (c) => {
    const { id } = c.req.valid('param');
    const order = await visibleOrder(c, id, { fresh: true });
    if (order.status !== 'NEEDS_ATTENTION') {
      throw errors.conflict('illegal_transition', `Only a NEEDS_ATTENTION order can be retried; this one is ${order.status}.`);
    }
    await workflows.retry(id, { operator: c.get('principal')?.clientId });
    return c.json(orderDocument(order), 202, JSON_API_HEADERS);
  });

  // ---------------------------------------------------------------- events

  const events = createRoute({
    method: 'get',
    path: '/orders/{id}/events',
    tags: ['orders'],
    summary: "The order's event trail, oldest first",
    description: `Each event names its actor (the API client whose request caused it, or the system) and the request id. ${NOT_YOURS}`,
    ...secured('orders:read'),
    request: { params: IdParam, query: EventListQuery },
    responses: { 200: jsonApiResponse(OrderEventList, 'a page of events'), ...errorResponses(404) },
  });
  app.openapi(events, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const order = await visibleOrder(c, id);
    const size = query['page[size]'];
    const rows = await deps.dataSource
      .getRepository(OrderEvent)
      .createQueryBuilder('e')
      .where('e.order_id = :id AND e.seq > :after', { id: order.id, after: query['page[after]'] ?? 0 })
      .orderBy('e.seq', 'ASC')
      .limit(size + 1)
      .getMany();
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    return c.json(
      {
        data: page.map(eventResource),
        links: { self: selfLink(c.req.url), next: rows.length > size && last ? nextLink(c.req.url, String(last.seq)) : null },
        meta: { pageSize: size },
      },
      200,
      JSON_API_HEADERS,
    );
  });

  return app;
}

export function eventResource(e: OrderEvent) {
  return {
    type: 'order-events' as const,
    id: `${e.orderId}:${e.seq}`,
    attributes: {
      seq: e.seq,
      type: e.type,
      data: e.data,
      occurredAt: e.occurredAt.toISOString(),
      actor: e.actorClientId === null ? { type: 'system' as const, id: null } : { type: 'client' as const, id: e.actorClientId },
      requestId: e.requestId,
    },
  };
}
