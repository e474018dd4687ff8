// The Hono app: middleware, route groups and the OpenAPI document. No I/O happens here until a
// request arrives; `api/main.ts` builds the dependencies and listens.
import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { Histogram } from 'prom-client';
import { withRequestId } from '../runtime/logger';
import type { ApiDeps, AppEnv } from './deps';
import { ApiError, errorResponse, errors, toApiError, validationError } from './errors';
import { healthRoutes } from './routes/health';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: ApiDeps) {
  const { config, logger } = deps;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return errorResponse(c, validationError(result.error, result.target));
    },
  });

  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [deps.metrics],
  });

  // Request id first, so every later log line and the response carry it.
  app.use('*', async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    c.set('deps', deps);
    c.header('X-Request-Id', requestId);
    const started = performance.now();
    await withRequestId(requestId, () => next());
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || 'unmatched';
    latency.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds);
    withRequestId(requestId, () =>
      logger.info({ method: c.req.method, path: c.req.path, route, status: c.res.status, ms: Math.round(seconds * 1000) }, 'request'),
    );
  });
  app.use('*', secureHeaders());
  app.use('*', cors({
    origin: config.CORS_ORIGINS === '*' ? '*' : config.CORS_ORIGINS.split(',').map((o) => o.trim()),
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Request-Id', 'Last-Event-ID'],
    exposeHeaders: ['Location', 'X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'ETag'],
  }));
  app.use('*', bodyLimit({
    maxSize: config.BODY_LIMIT_BYTES,
    onError: (c) => errorResponse(c, new ApiError(413, 'payload_too_large', 'Payload too large', `The request body exceeds ${config.BODY_LIMIT_BYTES} bytes.`)),
  }));

  app.route('/health', healthRoutes(deps));

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'ordersaga API', version: '1.0.0', description: 'Orders as durable Temporal workflows. JSON:API documents; amounts in integer cents.' },
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));

  app.notFound((c) => errorResponse(c, errors.notFound(`The route ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    const known = toApiError(err);
    if (known) return errorResponse(c, known);
    logger.error({ err, requestId: c.get('requestId') }, 'unhandled error');
    return errorResponse(c, new ApiError(500, 'internal_error', 'Internal error', 'The server failed to answer; the request id identifies it in the logs.'));
  });
  return app;
}
