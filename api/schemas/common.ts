// Schema pieces several resources share: ids, SKUs, text, addresses, totals, timestamps.
//
// Every rule a request is checked by lives here in a form the OpenAPI document can carry (a
// pattern, a length, an enum), so a request the document allows is accepted and one it refuses
// is refused (schemathesis checks both ways, test/api/schemathesis.test.ts). Lengths count
// characters (code points) as JSON Schema and PostgreSQL do, not UTF-16 units as JavaScript does.
import { z } from '@hono/zod-openapi';
import { ADDRESS_MAX_LENGTH, COUNTRY_CODES, SKU_PATTERN } from '../../domain/order';

/** Any 8-4-4-4-12 hex id, as JSON Schema's `uuid` format and PostgreSQL's uuid type take it. */
export const Uuid = z.guid('must be a UUID');

export const IdParam = z.object({
  id: Uuid.openapi({ param: { name: 'id', in: 'path' }, example: '3f0c1b9e-6d0a-5c8e-9a3b-2f1e0d9c8b7a' }),
});

export const Sku = z.string().regex(SKU_PATTERN, 'must be 1 to 20 letters, digits, ".", "_" or "-", starting with a letter or digit').openapi({ example: 'SKU-1' });

export const CountryCode = z
  .enum([...COUNTRY_CODES] as [string, ...string[]], { error: 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. US' })
  .openapi({ example: 'US' });

// What String.prototype.trim() removes, spelled out: JavaScript's \s and Python's differ.
const BLANK = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const NUL = '\\u0000';
const NO_NUL = new RegExp(`^[^${NUL}]*$`);
const NOT_BLANK = new RegExp(`^[^${NUL}]*[^${NUL}${BLANK}][^${NUL}]*$`);

const characters = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * Text as PostgreSQL stores it: at most `max` characters and never U+0000 (which it cannot store).
 * `required` text has a character other than white space, and is stored trimmed.
 */
export function text(max: number, { required = false }: { required?: boolean } = {}) {
  const checked = z
    .string()
    .refine((s) => characters(s) <= max, `has at most ${max} characters`)
    .regex(required ? NOT_BLANK : NO_NUL, required ? 'must not be blank or contain U+0000' : 'must not contain U+0000')
    .openapi({ maxLength: max });
  return required ? checked.trim() : checked;
}

/** A shipping address as a request gives it: strict, within the legacy column widths. */
export const ShippingAddressInput = z
  .object({
    name: text(ADDRESS_MAX_LENGTH.name, { required: true }),
    line1: text(ADDRESS_MAX_LENGTH.line1, { required: true }),
    line2: text(ADDRESS_MAX_LENGTH.line2).nullable().optional(),
    city: text(ADDRESS_MAX_LENGTH.city, { required: true }),
    postalCode: text(ADDRESS_MAX_LENGTH.postalCode, { required: true }),
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

// RFC 3339 date-times, spelled out to the day of the month (leap years included), from year 0001
// on: the pattern is what the API checks, so the document and the API agree on every value.
const YEAR = '([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})';
const LEAP_YEAR = '([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)';
const DATE =
  `(${YEAR}-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|${YEAR}-(0[469]|11)-(0[1-9]|[12][0-9]|30)|` +
  `${YEAR}-02-(0[1-9]|1[0-9]|2[0-8])|${LEAP_YEAR}-02-29)`;
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?';
const OFFSET = '(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])';
export const DATE_TIME_PATTERN = new RegExp(`^${DATE}T${TIME}${OFFSET}$`);

/** A timestamp a request gives: RFC 3339 with an offset (`T` and `Z` upper case, no leap second). */
export const TimestampInput = z
  .string()
  .regex(DATE_TIME_PATTERN, 'must be an RFC 3339 date-time with an offset, like 2026-11-26T08:00:00Z')
  .openapi({ format: 'date-time', example: '2026-11-26T08:00:00Z' });

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

/**
 * The Idempotency-Key header's form (api/idempotency.ts): 1 to 255 printable ASCII characters
 * (the server drops white space around a header value), bare or as an RFC 8941 string.
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

/** Checked by the idempotency middleware (400 when a route needs it and it is missing). */
export const IdempotencyKeyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1 to 255 printable ASCII characters, quoted or bare')
    .optional()
    .openapi({
      param: { name: 'Idempotency-Key', in: 'header', required: true },
      description: 'quoted or bare, at most 255 printable ASCII characters; a UUID is a good choice. Reused with another body: 422.',
      example: '6f1c0d5e-8a55-4c1e-9a0b-3e2f1c9d7b11',
    }),
});
