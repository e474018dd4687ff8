// Customers: create, list, read, and a customer's orders.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { QueryFailedError } from 'typeorm';
import { Customer } from '../../entities/customer';
import { secured } from '../auth';
import type { ApiDeps, AppEnv } from '../deps';
import { errors } from '../errors';
import { idempotency } from '../idempotency';
import { errorResponses, JSON_API_HEADERS, jsonApiBody, jsonApiResponse, keysetPage, pageDocument } from '../json-api';
import { IdParam } from '../schemas/common';
import { CreateCustomerRequest, CustomerDocument, CustomerList, CustomerListQuery } from '../schemas/customers';
import { OrderList, OrderListQuery } from '../schemas/orders';
import { listOrders } from '../order-projection';
import { mayAccess, notYours, storefrontScope, whereStorefrontVisible } from '../storefronts';

export function customerResource(customer: Customer) {
  return {
    type: 'customers' as const,
    id: customer.id,
    attributes: {
      storefront: customer.storefront,
      name: customer.name,
      email: customer.email,
      tier: customer.tier,
      country: customer.country,
      active: customer.active,
      createdAt: customer.createdAt.toISOString(),
      updatedAt: customer.updatedAt.toISOString(),
    },
    links: { self: `/v1/customers/${customer.id}` },
  };
}

export function customerRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const customers = () => deps.dataSource.getRepository(Customer);

  const create = createRoute({
    method: 'post',
    path: '/customers',
    tags: ['customers'],
    summary: 'Create a customer',
    description:
      "The customer belongs to the caller's storefront. E-mails are unique per storefront (409 email_taken). Honours an " +
      'Idempotency-Key: a retry with the same key and body replays the first answer.',
    ...secured('orders:write', idempotency(deps, { required: false })),
    request: { body: jsonApiBody(CreateCustomerRequest, 'the new customer') },
    responses: {
      201: jsonApiResponse(CustomerDocument, 'created'),
      ...errorResponses(409, 413, 415, 422),
    },
  });
  app.openapi(create, async (c) => {
    const { attributes } = c.req.valid('json').data;
    const row = customers().create({
      storefront: c.get('principal')!.storefront,
      name: attributes.name,
      email: attributes.email ?? null,
      tier: attributes.tier ?? null,
      country: attributes.country ?? null,
      active: attributes.active ?? true,
    });
    try {
      await customers().insert(row);
    } catch (err) {
      if ((err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code === '23505') {
        throw errors.conflict('email_taken', 'Another customer has this email address.', { pointer: '/data/attributes/email' });
      }
      throw err;
    }
    const saved = await customers().findOneByOrFail({ id: row.id });
    const doc = { data: customerResource(saved) };
    return c.json(doc, 201, { ...JSON_API_HEADERS, Location: doc.data.links.self });
  });

  const list = createRoute({
    method: 'get',
    path: '/customers',
    tags: ['customers'],
    summary: 'List customers, oldest first, with cursor pagination',
    description: "The caller's storefront only (every storefront with ops).",
    ...secured('orders:read'),
    request: { query: CustomerListQuery },
    responses: { 200: jsonApiResponse(CustomerList, 'a page of customers'), ...errorResponses() },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const qb = whereStorefrontVisible(c, customers().createQueryBuilder('c'), 'c.storefront');
    if (query['filter[active]'] !== undefined) qb.andWhere('c.active = :active', { active: query['filter[active]'] === 'true' });
    if (query['filter[email]'] !== undefined) qb.andWhere('lower(c.email) = lower(:email)', { email: query['filter[email]'] });
    const page = await keysetPage(qb, { at: 'c.created_at', id: 'c.id' }, 'ASC', query['page[size]'], query['page[after]']);
    return c.json(pageDocument(c.req.url, page, customerResource, query['page[size]']), 200, JSON_API_HEADERS);
  });

  const read = createRoute({
    method: 'get',
    path: '/customers/{id}',
    tags: ['customers'],
    summary: 'Read a customer',
    description: notYours('A customer'),
    ...secured('orders:read'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(CustomerDocument, 'the customer'), ...errorResponses(404) },
  });
  app.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const customer = await customers().findOneBy({ id });
    if (!customer || !mayAccess(c.get('principal')!, customer.storefront)) throw errors.notFound(`Customer ${id}`);
    return c.json({ data: customerResource(customer) }, 200, JSON_API_HEADERS);
  });

  const orders = createRoute({
    method: 'get',
    path: '/customers/{id}/orders',
    tags: ['customers', 'orders'],
    summary: "A customer's orders, with the filters, sort and pagination of GET /v1/orders",
    description: notYours('A customer'),
    ...secured('orders:read'),
    request: { params: IdParam, query: OrderListQuery.omit({ 'filter[customerId]': true }) },
    responses: { 200: jsonApiResponse(OrderList, 'a page of orders'), ...errorResponses(404) },
  });
  app.openapi(orders, async (c) => {
    const { id } = c.req.valid('param');
    const principal = c.get('principal')!;
    const customer = await customers().findOne({ select: { id: true, storefront: true }, where: { id } });
    if (!customer || !mayAccess(principal, customer.storefront)) throw errors.notFound(`Customer ${id}`);
    const doc = await listOrders(deps, { ...c.req.valid('query'), 'filter[customerId]': id }, c.req.url, storefrontScope(principal));
    return c.json(doc, 200, JSON_API_HEADERS);
  });

  return app;
}
