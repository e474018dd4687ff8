// GET /v1/orders/{id} answered from the in-process cache ahead of hono.
//
// Single-order reads are the API's hottest request, and once the order is in the in-process cache
// (api/cache.ts) its answer is bytes kept with the snapshot. Going through hono then costs far
// more than the answer itself (its Request, Response and Headers objects, the async middleware
// layers, the request-id context's async hooks). So the server's request listener asks this
// reader first, and it answers synchronously when everything the chain would decide is already
// known. It decides nothing of its own: request-policy.ts declares each middleware of the chain
// with what this path does in its place (ORDER_READ_CHAIN) and gives both the same checks and
// headers. The order must also be in the in-process cache, fresh and trusted (cache.ts `peek`),
// and the caller allowed its storefront (storefronts.ts `mayAccess`: another storefront's order
// goes to hono, which answers 404). An order the cache held lately and an event evicted (the
// usual miss: clients poll an order while its saga runs) is read through the cache here, as the
// route would, and answered the same way. Anything else (another route, a query string, HEAD, a
// first request, an order not found, an error to report) goes to hono.
// test/api/order-lifecycle.test.ts checks both give the same answer.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { bearerOf, type TokenVerifier } from './auth';
import type { OrderCache } from './cache';
import { JSON_API } from './json-api';
import { withRequestId } from '../runtime/logger';
import type { Principal } from './deps';
import { orderDocumentJson, type OrderSnapshot } from './order-projection';
import { clientSubject, type RateLimiter, rateLimitHeaders } from './rate-limit';
import { acceptable, JSON_TYPES, requestIdOf } from './request-policy';
import { mayAccess } from './storefronts';

// The route's label in the latency histogram, as hono reports it for the chain's answers.
const ROUTE = '/v1/orders/:id';
const PREFIX = '/v1/orders/';

export interface CachedOrderReadDeps {
  verifier: TokenVerifier;
  limiter: RateLimiter;
  cache: OrderCache;
  /** The route's read of an order the cache does not hold (order-projection.ts `loadOrder`). */
  load: (orderId: string) => Promise<OrderSnapshot | null>;
  /** A fresh object of the headers the chain puts on every response besides the request id. */
  commonHeaders: (origin: string | undefined) => Record<string, string>;
  metrics: Registry;
  /** The request's latency metric and access log line, as the chain records them. */
  record: (method: string, path: string, route: string, status: number, requestId: string, started: number) => void;
}

/** A cached read's answer: 200 with these headers and body. */
export interface CachedOrderAnswer {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The answer to a request from the in-process cache (a promise of it after a read-through), or
 * undefined when hono has to answer it. `url` is the request target as received; `header` takes a
 * lower-case name.
 */
export type CachedOrderReader = (
  method: string | undefined,
  url: string | undefined,
  header: (name: string) => string | undefined,
) => CachedOrderAnswer | Promise<CachedOrderAnswer | undefined> | undefined;

export function cachedOrderReader(deps: CachedOrderReadDeps): CachedOrderReader {
  const answered = new Counter({
    name: 'http_cached_order_reads_total',
    help: 'GET /v1/orders/{id} answered from the in-process cache ahead of hono',
    registers: [deps.metrics],
  });
  // The document's bytes, once per snapshot (snapshots are never mutated; see order-projection.ts).
  const bodies = new WeakMap<OrderSnapshot, Buffer>();

  const answer = (order: OrderSnapshot, principal: Principal, url: string, header: (name: string) => string | undefined, started: number, requestId?: string): CachedOrderAnswer | undefined => {
    if (!mayAccess(principal, order.storefront)) return undefined;
    const counted = deps.limiter.countWithinLimit(clientSubject(principal.clientId));
    if (!counted) return undefined;

    let body = bodies.get(order);
    if (body === undefined) bodies.set(order, (body = Buffer.from(orderDocumentJson(order))));
    requestId ??= requestIdOf(header('x-request-id'));
    const headers = deps.commonHeaders(header('origin'));
    headers['X-Request-Id'] = requestId;
    headers['Content-Type'] = JSON_API;
    headers['Content-Length'] = String(body.length);
    rateLimitHeaders(counted, headers);
    answered.inc();
    deps.record('GET', url, ROUTE, 200, requestId, started);
    return { headers, body };
  };

  return (method, url, header) => {
    const started = performance.now();
    // The raw target: a query string, an encoded or absolute-form path all go to hono.
    if (method !== 'GET' || url === undefined || !url.startsWith(PREFIX) || url.includes('?')) return undefined;
    const authorization = header('authorization');
    const token = authorization === undefined ? undefined : bearerOf(authorization);
    const principal = token === undefined ? undefined : deps.verifier.known(token);
    if (!principal?.scopes.has('orders:read') || !acceptable(header('accept'), JSON_TYPES)) return undefined;
    const orderId = url.slice(PREFIX.length);
    const order = deps.cache.peek(orderId);
    if (order) return answer(order, principal, url, header, started);
    // Only an order held lately: anything else (a new id, one not recorded yet) would be read twice.
    if (!deps.cache.heldLately(orderId)) return undefined;
    // Its log lines (a Redis warning) carry the request id, as the chain's do.
    const requestId = requestIdOf(header('x-request-id'));
    return withRequestId(requestId, () => deps.cache.get(orderId, () => deps.load(orderId))).then((loaded) =>
      loaded ? answer(loaded, principal, url, header, started, requestId) : undefined,
    );
  };
}

/**
 * The server's request listener: what `read` answers is written here, everything else goes to
 * `hono`, and so does a request `read` fails on (hono then answers it, or reports the fault).
 */
export function answeringCachedReads(read: CachedOrderReader, hono: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    let answer: ReturnType<CachedOrderReader>;
    try {
      answer = read(req.method, req.url, (name) => req.headers[name] as string | undefined);
    } catch {
      answer = undefined;
    }
    if (!answer) return hono(req, res);
    if (answer instanceof Promise) {
      answer.then(
        (given) => (given ? write(res, given) : hono(req, res)),
        () => hono(req, res),
      );
      return;
    }
    write(res, answer);
  };
}

/** Status line, headers and body in one write: Content-Length is set, so nothing is chunked. */
function write(res: ServerResponse, answer: CachedOrderAnswer): void {
  res.writeHead(200, answer.headers);
  res.end(answer.body);
}
