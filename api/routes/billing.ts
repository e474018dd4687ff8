// Invoices (read-only: the saga issues and voids them) and shipments with the carrier webhook.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Invoice } from '../../entities/invoice';
import { Shipment } from '../../entities/shipment';
import { secured } from '../auth';
import type { OrderCache } from '../cache';
import type { ApiDeps, AppEnv } from '../deps';
import { errors } from '../errors';
import { idempotency } from '../idempotency';
import { errorResponses, JSON_API_HEADERS, jsonApiBody, jsonApiResponse, keysetPage, pageDocument } from '../json-api';
import { InvoiceDocument, InvoiceList, InvoiceListQuery, CarrierEventRequest, ShipmentDocument } from '../schemas/billing';
import { IdParam } from '../schemas/common';
import { notYours, visibleOrders, whereOrderVisible } from '../storefronts';
import type { OrderWorkflows } from '../temporal-calls';

export function invoiceResource(i: Invoice) {
  return {
    type: 'invoices' as const,
    id: i.id,
    attributes: {
      orderId: i.orderId,
      revision: i.revision,
      number: i.number,
      status: i.status,
      currency: i.currency,
      lines: i.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, unitPriceDecimal: l.unitPriceDecimal, amount: l.amount })),
      totals: { subtotal: i.subtotal, discount: i.discount, shipping: i.shipping, tax: i.tax, total: i.total },
      issuedAt: i.issuedAt.toISOString(),
      paidAt: i.paidAt?.toISOString() ?? null,
      voidedAt: i.voidedAt?.toISOString() ?? null,
    },
    links: { self: `/v1/invoices/${i.id}` },
  };
}

export function shipmentResource(s: Shipment) {
  return {
    type: 'shipments' as const,
    id: s.id,
    attributes: {
      orderId: s.orderId,
      status: s.status,
      carrier: s.carrier,
      trackingNumber: s.trackingNumber,
      createdAt: s.createdAt.toISOString(),
      shippedAt: s.shippedAt?.toISOString() ?? null,
      deliveredAt: s.deliveredAt?.toISOString() ?? null,
      canceledAt: s.canceledAt?.toISOString() ?? null,
    },
    links: { self: `/v1/shipments/${s.id}` },
  };
}

export function billingRoutes({ deps, workflows, cache }: { deps: ApiDeps; workflows: OrderWorkflows; cache: OrderCache }) {
  const app = new OpenAPIHono<AppEnv>();
  const invoices = () => deps.dataSource.getRepository(Invoice);
  const shipments = () => deps.dataSource.getRepository(Shipment);
  const visibleOrder = visibleOrders(deps, cache);
  /** The shipment, or 404 when there is none or its order is another storefront's. */
  const visibleShipment = async (c: Context<AppEnv>, id: string) => {
    const shipment = await whereOrderVisible(c, shipments().createQueryBuilder('s').where('s.id = :id', { id }), 's.order_id').getOne();
    if (!shipment) throw errors.notFound(`Shipment ${id}`);
    return shipment;
  };

  const orderInvoice = createRoute({
    method: 'get',
    path: '/orders/{id}/invoice',
    tags: ['invoices'],
    summary: "The order's current invoice (the live revision, else the latest)",
    description: notYours('An order'),
    ...secured('orders:read'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(InvoiceDocument, 'the invoice'), ...errorResponses(404) },
  });
  app.openapi(orderInvoice, async (c) => {
    const { id } = c.req.valid('param');
    await visibleOrder(c, id);
    const [invoice] = await invoices()
      .createQueryBuilder('i')
      .where('i.order_id = :id', { id })
      .orderBy("CASE WHEN i.status = 'VOID' THEN 1 ELSE 0 END", 'ASC')
      .addOrderBy('i.revision', 'DESC')
      .limit(1)
      .getMany();
    if (!invoice) throw errors.notFound(`An invoice of order ${id}`);
    return c.json({ data: invoiceResource(invoice) }, 200, JSON_API_HEADERS);
  });

  const readInvoice = createRoute({
    method: 'get',
    path: '/invoices/{id}',
    tags: ['invoices'],
    summary: 'Read an invoice revision',
    description: notYours('An invoice'),
    ...secured('orders:read'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(InvoiceDocument, 'the invoice'), ...errorResponses(404) },
  });
  app.openapi(readInvoice, async (c) => {
    const { id } = c.req.valid('param');
    const invoice = await whereOrderVisible(c, invoices().createQueryBuilder('i').where('i.id = :id', { id }), 'i.order_id').getOne();
    if (!invoice) throw errors.notFound(`Invoice ${id}`);
    return c.json({ data: invoiceResource(invoice) }, 200, JSON_API_HEADERS);
  });

  const listInvoices = createRoute({
    method: 'get',
    path: '/invoices',
    tags: ['invoices'],
    summary: 'List invoices, oldest first',
    description: "Invoices of the caller's storefront's orders only (every storefront with ops).",
    ...secured('orders:read'),
    request: { query: InvoiceListQuery },
    responses: { 200: jsonApiResponse(InvoiceList, 'a page of invoices'), ...errorResponses() },
  });
  app.openapi(listInvoices, async (c) => {
    const query = c.req.valid('query');
    const qb = whereOrderVisible(c, invoices().createQueryBuilder('i'), 'i.order_id');
    if (query['filter[orderId]']) qb.andWhere('i.order_id = :orderId', { orderId: query['filter[orderId]'] });
    if (query['filter[status]']) qb.andWhere('i.status = :status', { status: query['filter[status]'] });
    const page = await keysetPage(qb, { at: 'i.issued_at', id: 'i.id' }, 'ASC', query['page[size]'], query['page[after]']);
    return c.json(pageDocument(c.req.url, page, invoiceResource, query['page[size]']), 200, JSON_API_HEADERS);
  });

  const readShipment = createRoute({
    method: 'get',
    path: '/shipments/{id}',
    tags: ['shipments'],
    summary: 'Read a shipment',
    description: notYours('A shipment'),
    ...secured('orders:read'),
    request: { params: IdParam },
    responses: { 200: jsonApiResponse(ShipmentDocument, 'the shipment'), ...errorResponses(404) },
  });
  app.openapi(readShipment, async (c) => {
    const { id } = c.req.valid('param');
    return c.json({ data: shipmentResource(await visibleShipment(c, id)) }, 200, JSON_API_HEADERS);
  });

  const carrierEvent = createRoute({
    method: 'post',
    path: '/shipments/{id}/events',
    tags: ['shipments', 'ops'],
    summary: 'Carrier webhook: the shipment left, arrived, or hit a problem',
    description: 'Signals the order workflow (fire and forget) and answers 202 with the shipment as recorded so far. Honours an Idempotency-Key.',
    ...secured('ops', idempotency(deps, { required: false })),
    request: { params: IdParam, body: jsonApiBody(CarrierEventRequest, 'the carrier event') },
    responses: { 202: jsonApiResponse(ShipmentDocument, 'accepted'), ...errorResponses(404, 409, 413, 415, 422) },
  });
  app.openapi(carrierEvent, async (c) => {
    const { id } = c.req.valid('param');
    const { attributes } = c.req.valid('json').data;
    const shipment = await visibleShipment(c, id);
    if (shipment.status === 'CANCELED') throw errors.conflict('shipment_canceled', `Shipment ${id} was cancelled.`);
    await workflows.carrierEvent(shipment.orderId, {
      kind: attributes.kind,
      trackingNumber: attributes.trackingNumber ?? shipment.trackingNumber,
      ...(attributes.at ? { at: attributes.at } : {}),
      ...(attributes.detail ? { detail: attributes.detail } : {}),
    });
    await cache.invalidate(shipment.orderId);
    return c.json({ data: shipmentResource(shipment) }, 202, JSON_API_HEADERS);
  });

  return app;
}
