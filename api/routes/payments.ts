// The order's payment ledger: every money movement, oldest first (read-only: activities write it).
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { PaymentMovement } from '../../entities/payment-movement';
import { secured } from '../auth';
import type { OrderCache } from '../cache';
import type { ApiDeps, AppEnv } from '../deps';
import { errorResponses, JSON_API_HEADERS, jsonApiResponse, keysetPage, pageDocument } from '../json-api';
import { IdParam } from '../schemas/common';
import { PaymentList, PaymentListQuery } from '../schemas/payments';
import { notYours, visibleOrders } from '../storefronts';

export function paymentResource(m: PaymentMovement) {
  return {
    type: 'payments' as const,
    id: m.id,
    attributes: {
      orderId: m.orderId,
      returnId: m.returnId,
      kind: m.kind,
      status: m.status,
      amount: m.amount,
      currency: m.currency,
      provider: m.provider,
      authorizationId: m.authorizationId,
      providerReference: m.providerReference,
      createdAt: m.createdAt.toISOString(),
    },
    links: { self: `/v1/orders/${m.orderId}/payments` },
  };
}

export function paymentRoutes({ deps, cache }: { deps: ApiDeps; cache: OrderCache }) {
  const app = new OpenAPIHono<AppEnv>();
  const visibleOrder = visibleOrders(deps, cache);

  const listPayments = createRoute({
    method: 'get',
    path: '/orders/{id}/payments',
    tags: ['payments'],
    summary: "The order's payment ledger: authorizations, increments, captures, voids and refunds, oldest first",
    description: `${notYours('An order')} The order's \`payment\` attribute sums these rows.`,
    ...secured('orders:read'),
    request: { params: IdParam, query: PaymentListQuery },
    responses: { 200: jsonApiResponse(PaymentList, 'a page of money movements'), ...errorResponses(404) },
  });
  app.openapi(listPayments, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    await visibleOrder(c, id);
    const qb = deps.dataSource.getRepository(PaymentMovement).createQueryBuilder('m').where('m.order_id = :id', { id });
    const page = await keysetPage(qb, { at: 'm.created_at', id: 'm.id' }, 'ASC', query['page[size]'], query['page[after]']);
    return c.json(pageDocument(c.req.url, page, paymentResource, query['page[size]']), 200, JSON_API_HEADERS);
  });

  return app;
}
