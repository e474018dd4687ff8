// Schema pieces several resources share: ids, SKUs, addresses, totals, timestamps.
import { z } from '@hono/zod-openapi';
import { ADDRESS_MAX_LENGTH, COUNTRY_CODES, SKU_PATTERN } from '../../domain/order';

export const Uuid = z.uuid();

export const IdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '3f0c1b9e-6d0a-5c8e-9a3b-2f1e0d9c8b7a' }),
});

export const Sku = z.string().regex(SKU_PATTERN, 'must be 1 to 20 letters, digits, ".", "_" or "-", starting with a letter or digit').openapi({ example: 'SKU-1' });

export const CountryCode = z
  .string()
  .refine((v) => COUNTRY_CODES.has(v), 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. US')
  .openapi({ type: 'string', pattern: '^[A-Z]{2}$', example: 'US' });

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

/** A shipping address as a request gives it: strict, within the legacy column widths. */
export const ShippingAddressInput = z
  .object({
    name: text(ADDRESS_MAX_LENGTH.name),
    line1: text(ADDRESS_MAX_LENGTH.line1),
    line2: z.string().max(ADDRESS_MAX_LENGTH.line2).nullable().optional(),
    city: text(ADDRESS_MAX_LENGTH.city),
    postalCode: text(ADDRESS_MAX_LENGTH.postalCode),
    country: CountryCode,
  })
  .strict()
  .openapi('ShippingAddressInput');

export const ShippingAddress = z
  .object({
    name: z.string(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    postalCode: z.string(),
    country: z.string(),
  })
  .openapi('ShippingAddress');

const cents = z.number().int().openapi({ description: 'integer cents (USD)' });
export const Cents = cents;

export const Totals = z
  .object({ subtotal: cents, discount: cents, shipping: cents, tax: cents, total: cents })
  .openapi('Totals');

export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-26T08:00:00.000Z' });

/** A priced line as orders and invoices show it. */
export const PricedLine = z
  .object({
    sku: z.string(),
    quantity: z.number().int(),
    unitPrice: cents,
    unitPriceDecimal: z.string().openapi({ description: 'numeric(12,4) exactly as priced', example: '19.9950' }),
    amount: cents,
  })
  .openapi('PricedLine');

/** Checked by the idempotency middleware (400 when a route needs it and it is missing). */
export const IdempotencyKeyHeader = z.object({
  'Idempotency-Key': z.string().optional().openapi({
    param: { name: 'Idempotency-Key', in: 'header', required: true },
    description: 'quoted or bare, at most 255 printable ASCII characters; a UUID is a good choice',
    example: '6f1c0d5e-8a55-4c1e-9a0b-3e2f1c9d7b11',
  }),
});
