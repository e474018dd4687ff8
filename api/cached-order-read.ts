// GET /v1/orders/{id} answered from the in-process cache ahead of the middleware chain.
//
// Single-order reads are the API's hottest request, and once the order is in the in-process cache
// (api/cache.ts) its answer is a string kept with the snapshot. Going through the chain then costs
// far more than the answer itself: eight async layers, hono's Headers object (one undici call per
// header) and the request-id context, whose async hooks run for every promise. So this handler,
// registered before the chain, answers synchronously when everything the chain would decide is
// already known here, with the same pieces the chain uses:
//   - the bearer token was verified before and carries orders:read (auth.ts `known`);
//   - the client's rate-limit window is known and this request is within it (rate-limit.ts);
//   - the Accept header allows JSON:API (json-api.ts `accepts`);
//   - the order is in the in-process cache, fresh and trusted (cache.ts `peek`).
// Anything else (a query string, HEAD, a first request, a miss, an error to report) falls through
// to the chain, which gives the full answer. test/api/protocol.test.ts checks both give the same.
import type { MiddlewareHandler } from 'hono';
import { Counter, type Registry } from 'prom-client';
import { bearerOf, type TokenVerifier } from './auth';
import type { OrderCache } from './cache';
import type { AppEnv } from './deps';
import { accepts, JSON_API, JSON_TYPES } from './json-api';
import { orderDocumentJson } from './order-projection';
import { clientSubject, type RateLimiter, rateLimitHeaders } from './rate-limit';

export const CACHED_ORDER_READ_PATH = '/v1/orders/:id';
const PREFIX = '/v1/orders/';

export interface CachedOrderReadDeps {
  verifier: TokenVerifier;
  limiter: RateLimiter;
  cache: OrderCache;
  /** A fresh object of the headers the chain puts on every response besides the request id. */
  commonHeaders: (origin: string | undefined) => Record<string, string>;
  requestIdOf: (given: string | undefined) => string;
  metrics: Registry;
  /** The request's latency metric and access log line, as the chain records them. */
  record: (method: string, path: string, route: string, status: number, requestId: string, started: number) => void;
}

export function cachedOrderRead(deps: CachedOrderReadDeps): MiddlewareHandler<AppEnv> {
  const answered = new Counter({
    name: 'http_cached_order_reads_total',
    help: 'GET /v1/orders/{id} answered from the in-process cache ahead of the middleware chain',
    registers: [deps.metrics],
  });
  return (c, next) => {
    const started = performance.now();
    if (c.req.method !== 'GET' || c.req.url.includes('?')) return next();
    const authorization = c.req.header('authorization');
    const token = authorization === undefined ? undefined : bearerOf(authorization);
    const principal = token === undefined ? undefined : deps.verifier.known(token);
    if (!principal?.scopes.has('orders:read') || !accepts(c.req.header('accept'), JSON_TYPES)) return next();
    const path = c.req.path;
    const order = deps.cache.peek(path.slice(PREFIX.length));
    if (!order) return next();
    const counted = deps.limiter.countWithinLimit(clientSubject(principal.clientId));
    if (!counted) return next();

    const requestId = deps.requestIdOf(c.req.header('x-request-id'));
    const headers = deps.commonHeaders(c.req.header('origin'));
    headers['X-Request-Id'] = requestId;
    headers['Content-Type'] = JSON_API;
    rateLimitHeaders(counted, headers);
    answered.inc();
    deps.record('GET', path, CACHED_ORDER_READ_PATH, 200, requestId, started);
    // Plain-object headers: @hono/node-server writes them with one writeHead, no Headers object.
    return Promise.resolve(new Response(orderDocumentJson(order), { status: 200, headers }));
  };
}
