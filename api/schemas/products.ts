// The `products` resource: the catalogue and its stock (movements in a ledger).
import { z } from '@hono/zod-openapi';
import { createRequest, listDocument, pageQuery, resourceSchema, singleDocument, updateRequest } from '../json-api';
import { Sku, Timestamp, text } from './common';

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

const PRICE_ONCE = 'give unitPrice (cents) or unitPriceDecimal, not both';
const unitPrice = z.number().int().min(0).max(MAX_PRICE_CENTS);
const onHand = z.number().int().min(0).max(MAX_STOCK);

export const CreateProductAttributes = z
  .object({
    sku: Sku,
    name: text(200, { required: true }),
    unitPrice: unitPrice.optional().openapi({ description: 'integer cents; give this or unitPriceDecimal' }),
    unitPriceDecimal: UnitPriceDecimal.optional(),
    onHand: onHand.optional().openapi({ description: 'initial stock, recorded as a receive movement' }),
  })
  .strict()
  .refine((a) => (a.unitPrice === undefined) !== (a.unitPriceDecimal === undefined), { message: PRICE_ONCE, path: ['unitPrice'] })
  .openapi({ oneOf: [{ required: ['unitPrice'] }, { required: ['unitPriceDecimal'] }] });

export const CreateProductRequest = createRequest('CreateProductRequest', 'products', CreateProductAttributes);

const STOCK_ONCE = 'give either adjustment or onHand, not both';

export const UpdateProductAttributes = z
  .object({
    name: text(200, { required: true }).optional(),
    unitPrice: unitPrice.optional(),
    unitPriceDecimal: UnitPriceDecimal.optional(),
    adjustment: z
      .union([z.number().int().min(-MAX_STOCK).max(-1), z.number().int().min(1).max(MAX_STOCK)], { error: `must be a whole number from -${MAX_STOCK} to ${MAX_STOCK}, not 0` })
      .optional()
      .openapi({ description: 'units in (positive) or out (negative), recorded as a movement in the stock ledger' }),
    onHand: onHand.optional().openapi({ description: 'the counted stock; needs If-Match with the current version' }),
    note: text(500).optional().openapi({ description: 'why the stock moved, kept in the ledger' }),
  })
  .strict()
  .refine((a) => a.unitPrice === undefined || a.unitPriceDecimal === undefined, { message: PRICE_ONCE, path: ['unitPrice'] })
  .refine((a) => a.adjustment === undefined || a.onHand === undefined, { message: STOCK_ONCE, path: ['onHand'] })
  .openapi({ not: { anyOf: [{ required: ['unitPrice', 'unitPriceDecimal'] }, { required: ['adjustment', 'onHand'] }] } });

export const UpdateProductRequest = updateRequest('UpdateProductRequest', 'products', UpdateProductAttributes);

export const SkuParam = z.object({
  sku: Sku.openapi({ param: { name: 'sku', in: 'path' } }),
});

export const ProductListQuery = z.object({ ...pageQuery('sku') }).strict();


export const IfMatchHeader = z.object({
  'If-Match': z
    .string()
    .regex(/^(\*|(W\/)?"?[0-9]{1,10}"?)$/, 'must be an ETag this API gave, like "3"')
    .optional()
    .openapi({ param: { name: 'If-Match', in: 'header' }, description: 'the ETag (version) you read; needed to set onHand' }),
});
