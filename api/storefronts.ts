// Who may see what (DESIGN.md, "Storefronts and who may see what"). A token sees its own
// storefront's customers and orders, and what hangs off an order (events, invoices, shipments);
// a token with `ops` sees every storefront. Another storefront's row answers 404, as if it did
// not exist, and never appears in a list. Every route asks here: `mayAccess` is the rule, the
// rest applies it to a snapshot or to SQL.
import type { Context } from 'hono';
import type { SelectQueryBuilder } from 'typeorm';
import type { OrderCache } from './cache';
import type { ApiDeps, AppEnv, Principal } from './deps';
import { errors } from './errors';
import { loadOrder, type OrderSnapshot } from './order-projection';

/** What route descriptions (the OpenAPI document) say of `what` of another storefront. */
export function notYours(what: string): string {
  return `${what} of another storefront answers 404, as if it did not exist.`;
}

/** The storefront a principal is limited to; null: every storefront (the ops scope). */
export function storefrontScope(principal: Principal): string | null {
  return principal.scopes.has('ops') ? null : principal.storefront;
}

/** The rule itself: may this principal see a row of `storefront`? */
export function mayAccess(principal: Principal, storefront: string): boolean {
  const scope = storefrontScope(principal);
  return scope === null || scope === storefront;
}

function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw errors.unauthorized();
  return principal;
}

/** Limits a query to rows whose `storefrontColumn` the caller may see (nothing for ops). */
export function whereStorefrontVisible<T extends object>(c: Context<AppEnv>, qb: SelectQueryBuilder<T>, storefrontColumn: string): SelectQueryBuilder<T> {
  const scope = storefrontScope(principalOf(c));
  return scope === null ? qb : qb.andWhere(`${storefrontColumn} = :visibleStorefront`, { visibleStorefront: scope });
}

/** Limits a query of rows that belong to an order (invoices, shipments) to the orders the caller may see. */
export function whereOrderVisible<T extends object>(c: Context<AppEnv>, qb: SelectQueryBuilder<T>, orderIdColumn: string): SelectQueryBuilder<T> {
  const scope = storefrontScope(principalOf(c));
  if (scope === null) return qb;
  return qb.andWhere(`EXISTS (SELECT 1 FROM orders visible_order WHERE visible_order.id = ${orderIdColumn} AND visible_order.storefront = :visibleStorefront)`, {
    visibleStorefront: scope,
  });
}

export type VisibleOrder = (c: Context<AppEnv>, orderId: string, opts?: { fresh?: boolean }) => Promise<OrderSnapshot>;

/**
 * The order as the projection has it, or 404 when there is none or the caller may not see it.
 * Routes call it before anything else they do with the order, Temporal included. Through the read
 * cache (an order never changes storefront); `fresh` reads PostgreSQL (the route needs the
 * current status).
 */
export function visibleOrders(deps: Pick<ApiDeps, 'dataSource'>, cache: OrderCache): VisibleOrder {
  return async (c, orderId, opts = {}) => {
    const order = opts.fresh ? await loadOrder(deps, orderId) : await cache.get(orderId, () => loadOrder(deps, orderId));
    if (!order || !mayAccess(principalOf(c), order.storefront)) throw errors.notFound(`Order ${orderId}`);
    return order;
  };
}
