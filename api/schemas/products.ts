// The `products` resource: the catalogue and its stock (movements in a ledger).
import { z } from '@hono/zod-openapi';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument, updateRequest } from '../json-api';
import { Sku, Timestamp } from './common';

const MAX_STOCK = 1_000_000_000;
const MAX_PRICE_CENTS = 99_999_999_99; // numeric(12,4): at most 8 digits before the point

export const ProductAttributes = z
  .object({
    sku: z.string(),
    name: z.string(),
    unitPrice: z.number().int().openapi({ description: 'integer cents' }),
    unitPriceDecimal: z.string().openapi({ description: 'numeric(12,4), exactly as priced', example: '19.9900' }),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    version: z.number().int().openapi({ description: 'grows with every change; the ETag and If-Match value' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('ProductAttributes');

export const ProductResource = resourceSchema('products', ProductAttributes).openapi('Product');
export const ProductDocument = singleDocument('ProductDocument', ProductResource);
export const ProductList = listDocument('ProductList', ProductResource);

export const UnitPriceDecimal = z
  .string()
  .regex(/^\d{1,8}(\.\d{1,4})?$/, 'must be a decimal with at most 8 digits before and 4 after the point')
  .openapi({ example: '19.9950' });

export const CreateProductAttributes = z
  .object({
    sku: Sku,
    name: z.string().trim().min(1, 'must not be empty').max(200),
    unitPrice: z.number().int().min(0).max(MAX_PRICE_CENTS).optional().openapi({ description: 'integer cents; give this or unitPriceDecimal' }),
    unitPriceDecimal: UnitPriceDecimal.optional(),
    onHand: z.number().int().min(0).max(MAX_STOCK).optional().openapi({ description: 'initial stock, recorded as a receive movement' }),
  })
  .strict();

export const CreateProductRequest = createRequest('CreateProductRequest', 'products', CreateProductAttributes);

export const UpdateProductAttributes = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    unitPrice: z.number().int().min(0).max(MAX_PRICE_CENTS).optional(),
    unitPriceDecimal: UnitPriceDecimal.optional(),
    adjustment: z
      .number()
      .int()
      .min(-MAX_STOCK)
      .max(MAX_STOCK)
      .refine((v) => v !== 0, 'must not be 0')
      .optional()
      .openapi({ description: 'units in (positive) or out (negative), recorded as a movement in the stock ledger' }),
    onHand: z.number().int().min(0).max(MAX_STOCK).optional().openapi({ description: 'the counted stock; needs If-Match with the current version' }),
    note: z.string().max(500).optional().openapi({ description: 'why the stock moved, kept in the ledger' }),
  })
  .strict();

export const UpdateProductRequest = updateRequest('UpdateProductRequest', 'products', UpdateProductAttributes);

export const SkuParam = z.object({
  sku: Sku.openapi({ param: { name: 'sku', in: 'path' } }),
});

export const ProductListQuery = z.object({ ...pageQuery }).strict();

