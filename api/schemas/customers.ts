// The `customers` resource: who may place orders.
import { z } from '@hono/zod-openapi';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument } from '../json-api';
import { CountryCode, Timestamp, text } from './common';

export const Tier = z.enum(['G', 'S', 'B']).nullable().openapi({ description: 'G 10%, S 5%, B or null 0% off the subtotal' });

export const CustomerAttributes = z
  .object({
    storefront: z.string().openapi({ description: 'the storefront of the client that created it; only that storefront (and ops) sees it', example: 'dev' }),
    name: z.string(),
    email: z.string().nullable(),
    tier: Tier,
    country: z.string().nullable(),
    active: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('CustomerAttributes');

export const CustomerResource = resourceSchema('customers', CustomerAttributes).openapi('Customer');
export const CustomerDocument = singleDocument('CustomerDocument', CustomerResource);
export const CustomerList = listDocument('CustomerList', CustomerResource);

/**
 * An e-mail address as we take it: a dot-separated local part of letters, digits and _ ' + -, and
 * a domain with a top-level name of two letters or more. One pattern, checked and documented alike
 * (the `email` format means different things to different validators).
 */
const Email = z
  .string()
  .regex(/^[A-Za-z0-9_'+-]+(\.[A-Za-z0-9_'+-]+)*@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/, 'must be an e-mail address like ada@example.com')
  .max(255)
  .openapi({ example: 'ada@example.com' });

export const CreateCustomerAttributes = z
  .object({
    name: text(200, { required: true }),
    email: Email.nullable().optional(),
    tier: Tier.optional(),
    country: CountryCode.nullable().optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const CreateCustomerRequest = createRequest('CreateCustomerRequest', 'customers', CreateCustomerAttributes);

export const CustomerListQuery = z
  .object({
    'filter[active]': z.enum(['true', 'false']).optional().openapi({ param: { name: 'filter[active]', in: 'query' } }),
    'filter[email]': text(255).optional().openapi({ param: { name: 'filter[email]', in: 'query' } }),
    ...pageQuery('uuid'),
  })
  .strict();
