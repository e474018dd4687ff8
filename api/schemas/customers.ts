// The `customers` resource: who may place orders.
import { z } from '@hono/zod-openapi';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument } from '../json-api';
import { CountryCode, Timestamp } from './common';

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

export const CreateCustomerAttributes = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    email: z.email().max(255).nullable().optional(),
    tier: Tier.optional(),
    country: CountryCode.nullable().optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const CreateCustomerRequest = createRequest('CreateCustomerRequest', 'customers', CreateCustomerAttributes);

export const CustomerListQuery = z
  .object({
    'filter[active]': z.enum(['true', 'false']).optional().openapi({ param: { name: 'filter[active]', in: 'query' } }),
    'filter[email]': z.string().max(255).optional().openapi({ param: { name: 'filter[email]', in: 'query' } }),
    ...pageQuery,
  })
  .strict();
