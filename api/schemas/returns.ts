// The `returns` resource and the bodies of requesting and receiving a return.
import { z } from '@hono/zod-openapi';
import { RETURN_DISPOSITIONS, RETURN_STATUSES } from '../../domain/returns';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument } from '../json-api';
import { Cents, Sku, Timestamp, text, Totals } from './common';

const MAX_RETURN_LINES = 100;
const Quantity = z.number().int().min(1, 'must be at least 1').max(100000);

export const RequestReturnAttributes = z
  .object({
    lines: z
      .array(z.object({ sku: Sku, quantity: Quantity, reason: text(500).nullable().optional() }).strict())
      .min(1, 'must name at least one line')
      .max(MAX_RETURN_LINES),
  })
  .strict();
export const RequestReturnRequest = createRequest('RequestReturnRequest', 'returns', RequestReturnAttributes);

export const ReceiveReturnAttributes = z
  .object({
    lines: z
      .array(
        z
          .object({
            sku: Sku,
            receivedQuantity: z.number().int().min(0, 'must be 0 or more').max(100000),
            disposition: z.enum(RETURN_DISPOSITIONS).openapi({ description: 'restock: back on hand; damaged: refunded, not restocked' }),
          })
          .strict(),
      )
      .min(1, 'must name at least one line')
      .max(MAX_RETURN_LINES),
  })
  .strict();
export const ReceiveReturnRequest = createRequest('ReceiveReturnRequest', 'returns', ReceiveReturnAttributes);

export const CreditNoteSchema = z
  .object({
    number: z.string().openapi({ example: 'CN-2026-000001' }),
    subtotal: Cents,
    discount: Cents.openapi({ description: 'the discount given back (positive: it reduces the credit)' }),
    shipping: Cents,
    tax: Cents,
    total: Cents.openapi({ description: 'negative: what the customer is credited' }),
    issuedAt: Timestamp,
  })
  .openapi('CreditNote');

export const ReturnAttributes = z
  .object({
    orderId: z.string(),
    rma: z.string().openapi({ example: 'RMA-2026-000001' }),
    status: z.enum(RETURN_STATUSES),
    statusReason: z.string().nullable().openapi({ description: 'why a received return is not refunded yet' }),
    lines: z.array(
      z.object({
        sku: z.string(),
        quantity: z.number().int(),
        reason: z.string().nullable(),
        receivedQuantity: z.number().int().nullable(),
        disposition: z.enum(RETURN_DISPOSITIONS).nullable(),
      }),
    ),
    refund: Totals.nullable().openapi({ description: 'what the return refunds (cents), once received' }),
    creditNote: CreditNoteSchema.nullable(),
    expiresAt: Timestamp,
    receivedAt: Timestamp.nullable(),
    refundedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('ReturnAttributes');

export const ReturnResource = resourceSchema('returns', ReturnAttributes).openapi('Return');
export const ReturnDocument = singleDocument('ReturnDocument', ReturnResource);
export const ReturnList = listDocument('ReturnList', ReturnResource);
export const ReturnListQuery = z
  .object({
    'filter[status]': z.enum(RETURN_STATUSES).optional().openapi({ param: { name: 'filter[status]', in: 'query' } }),
    ...pageQuery('uuid'),
  })
  .strict();
