// The carrier signs what it sends the Standard Webhooks way with CARRIER_WEBHOOK_SECRET instead
// of holding an OAuth token: its webhook (POST /v1/carrier-events) and, as DESIGN.md allows, the
// receipt of a return (POST /v1/returns/{id}/receive). The signature is checked on the body exactly
// as sent (hono keeps the text for the validator after it); a missing or wrong one is 401 naming
// the header.
import type { Context, MiddlewareHandler } from 'hono';
import { withRequestContext } from '../runtime/logger';
import { verifyWebhook } from '../runtime/webhook-signature';
import type { AppEnv, Principal } from './deps';
import { ApiError } from './errors';

/**
 * Who a signed request acts as: the carrier, for every storefront (it carries all their parcels),
 * with `ops` because receiving a return is an operator's act; the events it causes name it.
 */
export const CARRIER_PRINCIPAL: Principal = { clientId: 'carrier', scopes: new Set(['ops']), storefront: '' };

const RECEIVE_RETURN_PATH = /^\/v1\/returns\/[^/]+\/receive$/;

async function verifyCarrierSignature(c: Context<AppEnv>, secret: string): Promise<void> {
  const body = await c.req.text();
  const verdict = verifyWebhook(secret, { id: c.req.header('webhook-id'), timestamp: c.req.header('webhook-timestamp'), signature: c.req.header('webhook-signature') }, body);
  if (!verdict.ok) throw new ApiError(401, 'invalid_signature', 'Unauthorized', `${verdict.header} ${verdict.reason}.`, { header: verdict.header });
}

/** The carrier's webhook: the signature, and nothing else, lets it in. */
export function signedByCarrier(secret: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await verifyCarrierSignature(c, secret);
    await next();
  };
}

/**
 * A return's receipt sent by the carrier: no bearer token, a `webhook-signature` header. Anything
 * else (a token, or no signature) is a client's request, checked as one.
 */
export function isCarrierReceipt(c: Context<AppEnv>): boolean {
  return c.req.method === 'POST' && RECEIVE_RETURN_PATH.test(c.req.path) && c.req.header('authorization') === undefined && c.req.header('webhook-signature') !== undefined;
}

/** Authenticates a carrier receipt: the signature, then the rest runs as the carrier. */
export function authenticateCarrier(secret: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await verifyCarrierSignature(c, secret);
    c.set('principal', CARRIER_PRINCIPAL);
    await withRequestContext({ requestId: c.get('requestId'), clientId: CARRIER_PRINCIPAL.clientId }, next);
  };
}
