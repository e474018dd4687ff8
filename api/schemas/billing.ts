// The `invoices` and `shipments` resources, and the carrier webhook's document.
import { z } from '@hono/zod-openapi';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument } from '../json-api';
import { PricedLine, Timestamp, TimestampInput, Totals, Uuid, text } from './common';

export const InvoiceAttributes = z
  .object({
    orderId: z.string(),
    revision: z.number().int(),
    number: z.string().nullable().openapi({ description: 'INV-<year>-<6 digits>, gapless per year, given when the revision is issued', example: 'INV-2026-000001' }),
    status: z.enum(['ISSUED', 'PAID', 'VOID']),
    currency: z.string(),
    lines: z.array(PricedLine),
    totals: Totals,
    issuedAt: Timestamp,
    paidAt: Timestamp.nullable(),
    voidedAt: Timestamp.nullable(),
  })
  .openapi('InvoiceAttributes');

export const InvoiceResource = resourceSchema('invoices', InvoiceAttributes).openapi('Invoice');
export const InvoiceDocument = singleDocument('InvoiceDocument', InvoiceResource);
export const InvoiceList = listDocument('InvoiceList', InvoiceResource);

export const InvoiceListQuery = z
  .object({
    'filter[orderId]': Uuid.optional().openapi({ param: { name: 'filter[orderId]', in: 'query' } }),
    'filter[status]': z.enum(['ISSUED', 'PAID', 'VOID']).optional().openapi({ param: { name: 'filter[status]', in: 'query' } }),
    ...pageQuery('uuid'),
  })
  .strict();

export const ShipmentAttributes = z
  .object({
    orderId: z.string(),
    status: z.enum(['CREATED', 'SHIPPED', 'DELIVERED', 'CANCELED']),
    carrier: z.string(),
    trackingNumber: z.string(),
    createdAt: Timestamp,
    shippedAt: Timestamp.nullable(),
    deliveredAt: Timestamp.nullable(),
    canceledAt: Timestamp.nullable(),
  })
  .openapi('ShipmentAttributes');

export const ShipmentResource = resourceSchema('shipments', ShipmentAttributes).openapi('Shipment');
export const ShipmentDocument = singleDocument('ShipmentDocument', ShipmentResource);

export const CarrierEventRequest = createRequest(
  'CarrierEventRequest',
  'shipment-events',
  z
    .object({
      kind: z.enum(['shipped', 'delivered', 'exception']),
      trackingNumber: text(100, { required: true }).optional(),
      at: TimestampInput.optional(),
      detail: text(1000).optional(),
    })
    .strict(),
);

/** POST /v1/carrier-events: the carrier names the shipment by its tracking number. */
export const SignedCarrierEventRequest = createRequest(
  'SignedCarrierEventRequest',
  'carrier-events',
  z
    .object({
      trackingNumber: text(100, { required: true }),
      kind: z.enum(['shipped', 'delivered', 'exception']),
      at: TimestampInput.optional(),
      detail: text(1000).optional(),
    })
    .strict(),
);
