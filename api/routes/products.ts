// The catalogue and its stock. Stock never changes by overwriting a number: `adjustment` is a
// movement in the ledger, and setting `onHand` (a stock count) needs If-Match with the current
// version and is recorded as the movement that gets there.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { EntityManager } from 'typeorm';
import { centsToDecimal, unitPriceFromDecimal } from '../../domain/money';
import { Product, recordStockMovement } from '../../entities/product';
import { secured } from '../auth';
import type { ApiDeps, AppEnv } from '../deps';
import { ApiError, errors } from '../errors';
import { idempotency } from '../idempotency';
import { assertSameId, errorResponses, JSON_API_HEADERS, jsonApiBody, jsonApiResponse, keysetPage, pageDocument } from '../json-api';
import { CreateProductRequest, IfMatchHeader, ProductDocument, ProductList, ProductListQuery, SkuParam, UpdateProductRequest } from '../schemas/products';

export function productResource(p: Product) {
  return {
    type: 'products' as const,
    id: p.sku,
    attributes: {
      sku: p.sku,
      name: p.name,
      unitPrice: p.unitPrice,
      unitPriceDecimal: p.unitPriceDecimal,
      onHand: p.onHand,
      reserved: p.reserved,
      available: p.onHand - p.reserved,
      version: p.version,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    },
    links: { self: `/v1/products/${encodeURIComponent(p.sku)}` },
  };
}

const etagOf = (p: Product) => `"${p.version}"`;

/** unitPrice (cents) or unitPriceDecimal (the schema allows one at most). */
function priceOf(attributes: { unitPrice?: number; unitPriceDecimal?: string }): { unitPrice: number; unitPriceDecimal: string } | undefined {
  if (attributes.unitPriceDecimal !== undefined) return unitPriceFromDecimal(attributes.unitPriceDecimal);
  if (attributes.unitPrice !== undefined) return unitPriceFromDecimal(centsToDecimal(attributes.unitPrice));
  return undefined;
}

/** If-Match as the product's version: `"3"`, `W/"3"` or `*` (the header's form is checked by IfMatchHeader). */
function ifMatchVersion(c: Context): number | '*' | undefined {
  const header = c.req.header('if-match')?.trim();
  if (header === undefined) return undefined;
  if (header === '*') return '*';
  return Number(/[0-9]+/.exec(header)?.[0]);
}

export function productRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const products = (manager: EntityManager = deps.dataSource.manager) => manager.getRepository(Product);

  const create = createRoute({
    method: 'post',
    path: '/products',
    tags: ['products'],
    summary: 'Add a product to the catalogue',
    description: 'The initial onHand is recorded as a receive movement. Honours an Idempotency-Key.',
    ...secured('catalog:write', idempotency(deps, { required: false })),
    request: { body: jsonApiBody(CreateProductRequest, 'the new product') },
    responses: { 201: jsonApiResponse(ProductDocument, 'created'), ...errorResponses(409, 413, 415, 422) },
  });
  app.openapi(create, async (c) => {
    const { attributes } = c.req.valid('json').data;
    const price = priceOf(attributes)!; // the schema requires one of the two
    const saved = await deps.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO products (sku, name, unit_price_decimal, unit_price) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sku) DO NOTHING RETURNING sku`,
        [attributes.sku, attributes.name, price.unitPriceDecimal, price.unitPrice],
      );
      if (inserted.length === 0) throw errors.conflict('sku_taken', `A product with SKU ${attributes.sku} already exists.`, { pointer: '/data/attributes/sku' });
      if (attributes.onHand) {
        await recordStockMovement(manager, { sku: attributes.sku, delta: attributes.onHand, reason: 'receive', note: 'initial stock' });
      }
      return products(manager).findOneByOrFail({ sku: attributes.sku });
    });
    const doc = { data: productResource(saved) };
    return c.json(doc, 201, { ...JSON_API_HEADERS, Location: doc.data.links.self, ETag: etagOf(saved) });
  });

  const list = createRoute({
    method: 'get',
    path: '/products',
    tags: ['products'],
    summary: 'List the catalogue, oldest first, with cursor pagination',
    ...secured('orders:read'),
    request: { query: ProductListQuery },
    responses: { 200: jsonApiResponse(ProductList, 'a page of products'), ...errorResponses() },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const page = await keysetPage(products().createQueryBuilder('p'), { at: 'p.created_at', id: 'p.sku' }, 'ASC', query['page[size]'], query['page[after]']);
    return c.json(pageDocument(c.req.url, page, productResource, query['page[size]']), 200, JSON_API_HEADERS);
  });

  const read = createRoute({
    method: 'get',
    path: '/products/{sku}',
    tags: ['products'],
    summary: 'Read a product and its stock (ETag: its version)',
    ...secured('orders:read'),
    request: { params: SkuParam },
    responses: { 200: jsonApiResponse(ProductDocument, 'the product'), ...errorResponses(404) },
  });
  app.openapi(read, async (c) => {
    const { sku } = c.req.valid('param');
    const product = await products().findOneBy({ sku });
    if (!product) throw errors.notFound(`Product ${sku}`);
    return c.json({ data: productResource(product) }, 200, { ...JSON_API_HEADERS, ETag: etagOf(product) });
  });

  const update = createRoute({
    method: 'patch',
    path: '/products/{sku}',
    tags: ['products'],
    summary: 'Change a product: name, price, or stock',
    description:
      '`adjustment` moves stock by a number of units (a ledger movement); `onHand` sets a counted stock and needs ' +
      'If-Match with the current version (412 when it changed meanwhile, 428 without). If-Match, when given, guards every change. ' +
      'With an Idempotency-Key an adjustment is applied once however often it is sent.',
    ...secured('catalog:write'),
    request: { params: SkuParam, headers: IfMatchHeader, body: jsonApiBody(UpdateProductRequest, 'the changes') },
    responses: { 200: jsonApiResponse(ProductDocument, 'the product after the change'), ...errorResponses(404, 409, 412, 413, 415, 422, 428) },
  });
  app.openapi(update, async (c) => {
    const { sku } = c.req.valid('param');
    const { data } = c.req.valid('json');
    assertSameId(data.id, sku);
    const attributes = data.attributes;
    const expected = ifMatchVersion(c);
    if (attributes.onHand !== undefined && expected === undefined) {
      throw new ApiError(428, 'precondition_required', 'Precondition required', 'Setting onHand needs If-Match with the version you read (the ETag).', { header: 'If-Match' });
    }
    const price = priceOf(attributes);
    const key = c.req.header('idempotency-key')?.trim().replace(/^"|"$/g, '');
    const dedupeKey = key ? `api:${c.get('principal')?.clientId}:${sku}:${key}`.slice(0, 200) : null;

    const saved = await deps.dataSource.transaction(async (manager) => {
      const [current] = await products(manager).createQueryBuilder('p').setLock('pessimistic_write').where('p.sku = :sku', { sku }).getMany();
      if (!current) throw errors.notFound(`Product ${sku}`);
      if (typeof expected === 'number' && expected !== current.version) {
        throw new ApiError(412, 'precondition_failed', 'Precondition failed', `The product is at version ${current.version}, not ${expected}; read it again.`, { header: 'If-Match' }, { ETag: etagOf(current) });
      }
      if (attributes.name !== undefined || price) {
        await manager.query(
          `UPDATE products SET name = $2, unit_price_decimal = $3, unit_price = $4, version = version + 1, updated_at = now() WHERE sku = $1`,
          [sku, attributes.name ?? current.name, price?.unitPriceDecimal ?? current.unitPriceDecimal, price?.unitPrice ?? current.unitPrice],
        );
      }
      const delta = attributes.adjustment ?? (attributes.onHand !== undefined ? attributes.onHand - current.onHand : 0);
      if (delta !== 0) {
        const moved = await recordStockMovement(manager, {
          sku,
          delta,
          reason: attributes.adjustment !== undefined ? (delta > 0 ? 'receive' : 'adjust') : 'adjust',
          dedupeKey,
          note: attributes.note ?? (attributes.onHand !== undefined ? `stock count: ${attributes.onHand}` : null),
        });
        if (!moved.applied && moved.reason === 'below_reserved') {
          throw errors.conflict('below_reserved', `On hand cannot go below the ${current.reserved} unit(s) reserved by orders.`, {
            pointer: attributes.adjustment !== undefined ? '/data/attributes/adjustment' : '/data/attributes/onHand',
          });
        }
      }
      return products(manager).findOneByOrFail({ sku });
    });
    return c.json({ data: productResource(saved) }, 200, { ...JSON_API_HEADERS, ETag: etagOf(saved) });
  });

  return app;
}
