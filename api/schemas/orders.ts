// The `orders` resource and the documents that create and change orders.
import { z } from '@hono/zod-openapi';
import { MAX_LINES, MAX_QUANTITY } from '../../domain/order';
import { ORDER_STATUSES } from '../../domain/order-status';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument, updateRequest } from '../json-api';
import { PricedLine, ShippingAddress, ShippingAddressInput, Sku, Timestamp, Totals } from './common';

export const OrderStatus = z.enum(ORDER_STATUSES).openapi('OrderStatus');

export const OrderAttributes = z
  .object({
    storefront: z.string().openapi({ description: 'the storefront of the client that placed it; only that storefront (and ops) sees it', example: 'dev' }),
    status: OrderStatus,
    statusReason: z.string().nullable(),
    customerId: z.string().nullable(),
    currency: z.string(),
    lines: z.array(PricedLine),
    shippingAddress: ShippingAddress.nullable(),
    totals: Totals.nullable(),
    trackingNumber: z.string().nullable(),
    legacyOrderNo: z.number().int().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('OrderAttributes');

export const OrderResource = resourceSchema('orders', OrderAttributes, true).openapi('Order');
export const OrderDocument = singleDocument('OrderDocument', OrderResource);
export const OrderList = listDocument('OrderList', OrderResource);

export const LineInput = z
  .object({
    sku: Sku,
    quantity: z.number().int('must be a whole number').min(1).max(MAX_QUANTITY),
  })
  .strict()
  .openapi('OrderLineInput');

export const LinesInput = z.array(LineInput).min(1, 'an order needs at least one line').max(MAX_LINES);

export const CreateOrderAttributes = z
  .object({
    customerId: z.uuid(),
    lines: LinesInput,
    shippingAddress: ShippingAddressInput,
    payment: z
      .object({ token: z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').openapi({ example: 'tok_ok' }) })
      .strict(),
  })
  .strict();

export const CreateOrderRequest = createRequest('CreateOrderRequest', 'orders', CreateOrderAttributes);

export const ChangeOrderRequest = updateRequest(
  'ChangeOrderRequest',
  'orders',
  z
    .object({ lines: LinesInput.optional(), shippingAddress: ShippingAddressInput.optional() })
    .strict()
    .refine((a) => a.lines !== undefined || a.shippingAddress !== undefined, { message: 'give lines, shippingAddress or both' }),
);

export const ChangeShippingRequest = updateRequest(
  'ChangeShippingRequest',
  'orders',
  z.object({ shippingAddress: ShippingAddressInput }).strict(),
);

export const SetStatusRequest = updateRequest(
  'SetStatusRequest',
  'orders',
  z
    .object({
      status: z.enum(['SHIPPED', 'DELIVERED', 'CANCELLED']).openapi({ description: 'SHIPPED and DELIVERED need the ops scope; CANCELLED orders:write' }),
      trackingNumber: z.string().trim().min(1).max(100).optional(),
      reason: z.string().trim().min(1).max(500).optional(),
    })
    .strict(),
);

const statusList = z
  .string()
  .max(200)
  .refine((v) => v.split(',').every((s) => (ORDER_STATUSES as readonly string[]).includes(s.trim())), `each status must be one of ${ORDER_STATUSES.join(', ')}`)
  .openapi({ param: { name: 'filter[status]', in: 'query' }, example: 'PENDING,PROCESSING' });

const isoDate = (name: string) =>
  z.iso
    .datetime({ offset: true })
    .openapi({ param: { name, in: 'query' }, example: '2026-11-26T00:00:00Z' });

export const OrderListQuery = z
  .object({
    'filter[status]': statusList.optional(),
    'filter[customerId]': z.uuid().optional().openapi({ param: { name: 'filter[customerId]', in: 'query' } }),
    'filter[legacyOrderNo]': z.coerce.number().int().min(1).max(2147483647).optional().openapi({ param: { name: 'filter[legacyOrderNo]', in: 'query' } }),
    'filter[createdAt][gte]': isoDate('filter[createdAt][gte]').optional(),
    'filter[createdAt][lt]': isoDate('filter[createdAt][lt]').optional(),
    sort: z.enum(['createdAt', '-createdAt']).default('-createdAt').openapi({ param: { name: 'sort', in: 'query' } }),
    ...pageQuery,
  })
  .strict();

export type OrderListFilters = z.infer<typeof OrderListQuery>;

export const ReadOrderQuery = z
  .object({
    consistency: z.enum(['eventual', 'strong']).default('eventual').openapi({
      param: { name: 'consistency', in: 'query' },
      description: 'strong asks the order workflow itself instead of the projection',
    }),
  })
  .strict();

export const CancelQuery = z
  .object({ reason: z.string().trim().min(1).max(500).optional().openapi({ param: { name: 'reason', in: 'query' } }) })
  .strict();

export const OrderEventAttributes = z
  .object({
    seq: z.number().int(),
    type: z.string(),
    data: z.record(z.string(), z.unknown()),
    occurredAt: Timestamp,
    actor: z
      .object({ type: z.enum(['client', 'system']), id: z.string().nullable() })
      .openapi('EventActor', {
        description:
          'who caused the event: the API client (its id) whose request set it off, downstream steps included; or the system (carrier, timers, auto-cancel, migration; id null)',
      }),
    requestId: z.string().nullable().openapi({ description: 'the X-Request-Id of the request that caused it; null for the system' }),
  })
  .openapi('OrderEventAttributes');

export const OrderEventResource = z
  .object({ type: z.literal('order-events'), id: z.string(), attributes: OrderEventAttributes })
  .openapi('OrderEvent');

export const OrderEventList = listDocument('OrderEventList', OrderEventResource);

export const EventListQuery = z
  .object({
    'page[size]': pageQuery['page[size]'],
    'page[after]': z.coerce.number().int().min(0).optional().openapi({ param: { name: 'page[after]', in: 'query' }, description: 'the last seq already seen' }),
  })
  .strict();

export const StreamQuery = z
  .object({
    access_token: z.string().max(4096).optional().openapi({ param: { name: 'access_token', in: 'query' }, description: 'the bearer token, for browsers (EventSource sends no headers)' }),
  })
  .strict();
