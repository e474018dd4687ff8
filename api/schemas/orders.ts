// The `orders` resource and the documents that create and change orders.
import { z } from '@hono/zod-openapi';
import { MAX_LINES, MAX_QUANTITY } from '../../domain/order';
import { ORDER_STATUSES } from '../../domain/order-status';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument, updateRequest } from '../json-api';
import { PaymentSummary } from './payments';
import { PricedLine, ShippingAddress, ShippingAddressInput, Sku, Timestamp, TimestampInput, Totals, Uuid, text } from './common';

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
    version: z.number().int().openapi({ description: "the sequence number of the order's last event; If-Match takes it (quoted) to refuse a stale change with 412" }),
    payment: PaymentSummary,
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

/** One line per SKU: the one rule here JSON Schema cannot say (it is in the description). */
export const LinesInput = z
  .array(LineInput)
  .min(1, 'an order needs at least one line')
  .max(MAX_LINES)
  .superRefine((lines, ctx) => {
    const first = new Map<string, number>();
    lines.forEach((line, index) => {
      const earlier = first.get(line.sku);
      if (earlier === undefined) first.set(line.sku, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'sku'], message: `sku ${line.sku} is already on line ${earlier}; put the whole quantity on one line` });
    });
  })
  .openapi({ uniqueItems: true, description: `1 to ${MAX_LINES} lines, each SKU on one line only` });

export const CreateOrderAttributes = z
  .object({
    customerId: Uuid,
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
    .refine((a) => a.lines !== undefined || a.shippingAddress !== undefined, { message: 'give lines, shippingAddress or both' })
    .openapi({ minProperties: 1 }),
);

export const ChangeQuery = z
  .object({
    preview: z
      .enum(['true', 'false'])
      .default('false')
      .openapi({ param: { name: 'preview', in: 'query' }, description: 'true answers the order as the change would leave it (lines, totals, payment balance) and changes nothing' }),
  })
  .strict();

export const IfMatchHeader = z.object({
  'if-match': z
    .string()
    .regex(/^(W\/)?"?[0-9]{1,9}"?$/, 'must be the order\'s version, e.g. "12"')
    .optional()
    .openapi({ param: { name: 'if-match', in: 'header' }, description: "If-Match: the order's `version` the change was made against (quoted or bare); stale: 412, nothing changed", example: '"12"' }),
});

/** The version an If-Match header names (quotes and a weak prefix allowed). */
export function versionOf(ifMatch: string | undefined): number | undefined {
  return ifMatch === undefined ? undefined : Number(ifMatch.replace(/^W\//, '').replace(/"/g, ''));
}

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
      trackingNumber: text(100, { required: true }).optional(),
      reason: text(500, { required: true }).optional(),
    })
    .strict(),
);

const STATUS = `(${ORDER_STATUSES.join('|')})`;
const statusList = z
  .string()
  .regex(new RegExp(`^${STATUS}(,${STATUS})*$`), `must be statuses separated by commas, each one of ${ORDER_STATUSES.join(', ')}`)
  .max(200)
  .openapi({ param: { name: 'filter[status]', in: 'query' }, example: 'PENDING,PROCESSING' });

const isoDate = (name: string) => TimestampInput.openapi({ param: { name, in: 'query' }, example: '2026-11-26T00:00:00Z' });

export const OrderListQuery = z
  .object({
    'filter[status]': statusList.optional(),
    'filter[customerId]': Uuid.optional().openapi({ param: { name: 'filter[customerId]', in: 'query' } }),
    'filter[legacyOrderNo]': z.coerce.number().int().min(1).max(2147483647).optional().openapi({ param: { name: 'filter[legacyOrderNo]', in: 'query' } }),
    'filter[createdAt][gte]': isoDate('filter[createdAt][gte]').optional(),
    'filter[createdAt][lt]': isoDate('filter[createdAt][lt]').optional(),
    sort: z.enum(['createdAt', '-createdAt']).default('-createdAt').openapi({ param: { name: 'sort', in: 'query' } }),
    ...pageQuery('uuid'),
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
  .object({ reason: text(500, { required: true }).optional().openapi({ param: { name: 'reason', in: 'query' } }) })
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
    'page[size]': pageQuery('uuid')['page[size]'],
    'page[after]': z.coerce
      .number()
      .int()
      .min(0)
      .max(2147483647)
      .optional()
      .openapi({ param: { name: 'page[after]', in: 'query' }, description: 'the last seq already seen' }),
  })
  .strict();

export const StreamQuery = z
  .object({
    access_token: z
      .string()
      .regex(/^[A-Za-z0-9._~+/-]+=*$/, 'must be a bearer token')
      .max(2048)
      .optional()
      .openapi({ param: { name: 'access_token', in: 'query' }, description: 'the bearer token, for browsers (EventSource sends no headers)' }),
  })
  .strict();
