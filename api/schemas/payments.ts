// The payment ledger's resources (`payments`: one per money movement) and the order's summary.
import { z } from '@hono/zod-openapi';
import { PAYMENT_MOVEMENT_KINDS, PAYMENT_MOVEMENT_STATUSES } from '../../domain/payment-ledger';
import { listDocument, pageQuery, resourceSchema } from '../json-api';
import { Cents, Timestamp } from './common';

export const PaymentSummary = z
  .object({
    authorized: Cents.openapi({ description: 'authorizations and increments less what voids released' }),
    captured: Cents,
    refunded: Cents,
    balance: Cents.openapi({
      description: 'what the customer still owes (negative: is owed): before a capture total − authorized, afterwards total − (captured − refunded)',
    }),
  })
  .openapi('PaymentSummary');

export const PaymentAttributes = z
  .object({
    orderId: z.string(),
    returnId: z.string().nullable().openapi({ description: 'the return a refund pays back' }),
    kind: z.enum(PAYMENT_MOVEMENT_KINDS),
    status: z.enum(PAYMENT_MOVEMENT_STATUSES),
    amount: Cents.openapi({ description: 'integer cents (USD), always positive: kind says which way the money went' }),
    currency: z.string(),
    provider: z.string(),
    authorizationId: z.string().openapi({ description: 'the authorization the movement belongs to (an order may hold more than one)' }),
    providerReference: z.string().nullable().openapi({ description: "the provider's id of the movement (authorization, capture or refund); null for a void" }),
    createdAt: Timestamp,
  })
  .openapi('PaymentAttributes');

export const PaymentResource = resourceSchema('payments', PaymentAttributes).openapi('Payment');
export const PaymentList = listDocument('PaymentList', PaymentResource);

export const PaymentListQuery = z.object({ ...pageQuery('uuid') }).strict();
