// What POST /v1/orders checks before it starts anything, in one prepared statement: the customer
// (of the caller's storefront, and active) and the SKUs the catalogue has. Two TypeORM queries did
// it before: two round trips and the query builder's work on the order's hottest request.
import type { ApiDeps } from './deps';
import { errors } from './errors';
import { queryRows } from './order-projection';

// One row always: the customer's `active` (null when there is no such customer in the storefront)
// and the known SKUs among those asked for.
const PLACEMENT_SQL = `
SELECT (SELECT c.active FROM customers c WHERE c.id = $1 AND c.storefront = $2) AS active,
       ARRAY(SELECT p.sku FROM products p WHERE p.sku = ANY($3::varchar[])) AS known`;

/** 422 with a pointer to the customer, or to the first line whose SKU the catalogue does not have. */
export async function refuseUnplaceable(deps: Pick<ApiDeps, 'dataSource'>, storefront: string, customerId: string, skus: string[]): Promise<void> {
  const [row] = await queryRows<{ active: boolean | null; known: string[] }>(deps.dataSource, PLACEMENT_SQL, [customerId, storefront, skus], 'ordersaga-placement-check');
  if (row.active === null) throw errors.unprocessable('unknown_customer', `No customer ${customerId}.`, '/data/attributes/customerId');
  if (!row.active) throw errors.unprocessable('customer_inactive', `Customer ${customerId} is not active.`, '/data/attributes/customerId');
  refuseUnknown(new Set(row.known), skus);
}

/** 422 with a pointer to the first line whose SKU the catalogue does not have (a change of lines). */
export async function refuseUnknownSkus(deps: Pick<ApiDeps, 'dataSource'>, skus: string[]): Promise<void> {
  const rows = await queryRows<{ sku: string }>(deps.dataSource, 'SELECT sku FROM products WHERE sku = ANY($1::varchar[])', [skus], 'ordersaga-known-skus');
  refuseUnknown(new Set(rows.map((r) => r.sku)), skus);
}

/** 422 with a pointer to the first of `skus` not in `known`. */
function refuseUnknown(known: Set<string>, skus: string[]): void {
  const unknownIndex = skus.findIndex((s) => !known.has(s));
  if (unknownIndex >= 0) throw errors.unprocessable('unknown_sku', `No product with SKU ${skus[unknownIndex]}.`, `/data/attributes/lines/${unknownIndex}/sku`);
}
