// What the middleware chain decides for every API request, written once: app.ts builds its
// middleware from it, and the cached-read fast path (cached-order-read.ts) takes the same checks
// and headers from it instead of repeating them. ORDER_READ_CHAIN declares every middleware the
// chain runs before GET /v1/orders/{id}, with what the fast path does in its place;
// test/api/request-policy.test.ts fails when the app gains one that is not declared there.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { parseAccept } from 'hono/utils/accept';
import type { ApiConfig } from '../runtime/config';
import { ApiError } from './errors';
import { JSON_API } from './json-api';

/** The chain before GET /v1/orders/{id}, in order: each step and what the fast path does instead. */
export const ORDER_READ_CHAIN = {
  requestId: 'the same id (requestIdOf) in X-Request-Id; the same latency metric and access log line',
  securityHeaders: 'the same headers (securityHeaders)',
  cors: "the headers hono's cors() gives this Origin (corsHeaders)",
  bodyLimit: 'nothing to check: a GET carries no body',
  authenticate: 'a token the verifier has seen before (TokenVerifier.known); any other goes to hono',
  rateLimit: 'the same counter and headers (RateLimiter.countWithinLimit, rateLimitHeaders); over the limit goes to hono',
  negotiateContent: 'the same check (acceptable); a refusal goes to hono',
} as const;
export type ChainStep = keyof typeof ORDER_READ_CHAIN;

const steps = new WeakMap<object, ChainStep>();

/** Marks `handler` as the chain's `step`, so the test can tell declared middleware from new. */
export function chainStep<H extends object>(step: ChainStep, handler: H): H {
  steps.set(handler, step);
  return handler;
}

export function chainStepOf(handler: object): ChainStep | undefined {
  return steps.get(handler);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token, else a new one. */
export const requestIdOf = (given: string | undefined): string => (given && REQUEST_ID.test(given) ? given : randomUUID());

/**
 * The set OWASP's REST Security Cheat Sheet asks of every API response, as a fresh object
 * literal: callers add their own headers to it, and V8 builds a literal far faster than a copy.
 */
export const securityHeaders = (): Record<string, string> => ({
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
});

// ---- content negotiation ----

export const JSON_TYPES = [JSON_API, 'application/json'] as const;

const matches = (range: string, mediaType: string) =>
  range === '*/*' || range === '*' || range === mediaType || (range.endsWith('/*') && mediaType.startsWith(range.slice(0, -1)));

/** Whether an Accept header (parsed by hono) allows one of `produces`; no Accept allows everything. */
export function acceptable(header: string | undefined, produces: readonly string[]): boolean {
  if (!header || header.trim() === '') return true;
  return parseAccept(header).some((r) => r.q > 0 && produces.some((mediaType) => matches(r.type.toLowerCase(), mediaType)));
}

/**
 * 406 when the client accepts none of what the route produces: JSON:API (or plain JSON, which
 * the same bytes satisfy) everywhere, Server-Sent Events on the stream route.
 */
export const negotiateContent: MiddlewareHandler = async (c, next) => {
  const produces = c.req.path.endsWith('/stream') ? ['text/event-stream', ...JSON_TYPES] : JSON_TYPES;
  if (!acceptable(c.req.header('accept'), produces)) {
    throw new ApiError(406, 'not_acceptable', 'Not acceptable', `This route produces ${produces.join(' or ')}.`, { header: 'Accept' });
  }
  await next();
};

// ---- CORS ----

const EXPOSE_HEADERS = ['Location', 'X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'ETag'];
const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Request-Id', 'Last-Event-ID'];

/**
 * hono's cors() for CORS_ORIGINS, and the headers it gives a simple request from `origin`, for
 * the fast path. The origin is a function, so a request without Origin gets no Allow-Origin and
 * every response says it varies by Origin, '*' included.
 */
export function corsPolicy(config: Pick<ApiConfig, 'CORS_ORIGINS'>) {
  const origins = config.CORS_ORIGINS === '*' ? '*' : config.CORS_ORIGINS.split(',').map((o) => o.trim());
  const allowOrigin = (origin: string): string | null => (origin === '' ? null : origins === '*' ? '*' : origins.includes(origin) ? origin : null);
  const exposed = EXPOSE_HEADERS.join(',');
  return {
    middleware: cors({ origin: allowOrigin, allowHeaders: ALLOW_HEADERS, exposeHeaders: EXPOSE_HEADERS }),
    /** Adds to `headers` what the middleware sets on a GET from `origin`. */
    headers(origin: string | undefined, headers: Record<string, string>): Record<string, string> {
      const allowed = allowOrigin(origin ?? '');
      if (allowed) headers['Access-Control-Allow-Origin'] = allowed;
      headers['Access-Control-Expose-Headers'] = exposed;
      headers.Vary = 'Origin';
      return headers;
    },
  };
}
