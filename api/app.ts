// The Hono app: middleware, route groups and the OpenAPI document. No I/O happens here until a
// request arrives; `api/main.ts` builds the dependencies and listens.
import { getRequestListener } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { Histogram } from 'prom-client';
import { withRequestId } from '../runtime/logger';
import { answeringCachedReads, cachedOrderReader } from './cached-order-read';
import { closingEarlyAnswers } from './early-answers';
import { authenticate, loadClients, SCOPES, TokenIssuer, TokenVerifier } from './auth';
import { OrderCache } from './cache';
import { authenticateCarrier, isCarrierReceipt } from './carrier-signature';
import type { ApiDeps, AppEnv } from './deps';
import { ApiError, errorResponse, errors, toApiError, validationError } from './errors';
import { OrderEventsHub } from './order-events-hub';
import { loadOrder } from './order-projection';
import { registerOrderMetrics } from './order-metrics';
import { RateLimiter } from './rate-limit';
import { chainStep, corsPolicy, negotiateContent, requestIdOf, securityHeaders } from './request-policy';
import { billingRoutes } from './routes/billing';
import { carrierEventRoutes } from './routes/carrier-events';
import { codecRoutes } from './routes/codec';
import { customerRoutes } from './routes/customers';
import { docsRoutes } from './routes/docs';
import { eventFeedRoutes } from './routes/event-feed';
import { healthRoutes } from './routes/health';
import { migrationRunRoutes } from './routes/migration-runs';
import { oauthRoutes } from './routes/oauth';
import { orderStreamRoutes } from './routes/order-stream';
import { orderRoutes } from './routes/orders';
import { paymentRoutes } from './routes/payments';
import { returnRoutes } from './routes/returns';
import { productRoutes } from './routes/products';
import { webhookEndpointRoutes } from './routes/webhook-endpoints';
import { OrderWorkflows } from './temporal-calls';

export function createApp(deps: ApiDeps) {
  const { config, logger } = deps;
  // Refuses the development client in production before anything listens.
  const clients = loadClients(config);
  const issuer = new TokenIssuer(clients, config);
  const verifier = new TokenVerifier(config.JWT_SECRET);
  const hub = new OrderEventsHub(deps.redisSubscriber, logger);
  const cache = new OrderCache(deps, hub);
  const workflows = new OrderWorkflows(deps.temporal, {
    taskQueue: config.ORDERS_TASK_QUEUE,
    timeoutMs: config.TEMPORAL_CALL_TIMEOUT_MS,
    recordWaitMs: config.ORDER_RECORD_WAIT_MS,
  });
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
  registerOrderMetrics(deps);

  // Per (method, route, status): the labelled child, so an observation does not hash labels.
  const latencyChildren = new Map<string, ReturnType<typeof latency.labels>>();
  /** A request's latency and its access log line: one line, no child logger, nothing built when the level is off. */
  const record = (method: string, path: string, route: string, status: number, requestId: string, started: number) => {
    const seconds = (performance.now() - started) / 1000;
    const key = `${method} ${route} ${status}`;
    let child = latencyChildren.get(key);
    if (!child) latencyChildren.set(key, (child = latency.labels({ method, route, status: String(status) })));
    child.observe(seconds);
    if (logger.isLevelEnabled('info')) logger.info({ requestId, method, path, route, status, ms: Math.round(seconds * 1000) }, 'request');
  };

  // The codec endpoint answers the Temporal UI's origins with credentials itself (routes/codec.ts).
  const corsRules = corsPolicy(config);
  /** What the chain below puts on every API response besides the request id and the route's own headers. */
  const commonHeaders = (origin: string | undefined): Record<string, string> => corsRules.headers(origin, securityHeaders());

  const limiter = new RateLimiter(deps);
  // Cached single-order reads are answered ahead of hono when the chain below has nothing to add.
  const readCached = cachedOrderReader({ verifier, limiter, cache, load: (id) => loadOrder(deps, id), commonHeaders, metrics: deps.metrics, record });

  // Request id first, so every later log line and the response carry it.
  app.use('*', chainStep('requestId', async (c, next) => {
    const requestId = requestIdOf(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('deps', deps);
    c.header('X-Request-Id', requestId);
    const started = performance.now();
    await withRequestId(requestId, () => next());
    record(c.req.method, c.req.path, c.req.routePath || 'unmatched', c.res.status, requestId, started);
  }));
  // Security headers on every API response; the HTML-page headers of hono's secureHeaders() only
  // go with the one page, /docs, and its assets.
  const pageHeaders = secureHeaders();
  app.use('*', chainStep('securityHeaders', (c, next) => {
    if (c.req.path === '/docs' || c.req.path.startsWith('/docs/')) return pageHeaders(c, next);
    const headers = securityHeaders();
    for (const name in headers) c.header(name, headers[name]);
    return next();
  }));
  app.use('*', chainStep('cors', (c, next) => {
    const path = c.req.path;
    if (path === '/codec' || path.startsWith('/codec/')) return next();
    return corsRules.middleware(c, next);
  }));
  // GET and HEAD carry no body here (@hono/node-server gives them none): skipping the check
  // spares building the full Request object it would otherwise ask for.
  const limitBody = bodyLimit({
    maxSize: config.BODY_LIMIT_BYTES,
    onError: (c) => errorResponse(c, new ApiError(413, 'payload_too_large', 'Payload too large', `The request body exceeds ${config.BODY_LIMIT_BYTES} bytes.`)),
  });
  app.use('*', chainStep('bodyLimit', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next))));

  app.route('/health', healthRoutes(deps));

  // The token endpoint is limited per caller address; /v1 per client, after the token is checked.
  app.use('/oauth/*', new RateLimiter(deps).middleware());
  app.route('/oauth', oauthRoutes(issuer));
  app.route('/codec', codecRoutes({ deps, verifier, issuer }));

  // The carrier signs its webhook instead of holding a token: limited per caller address, like
  // /oauth, and answered here, ahead of the token check below.
  app.use('/v1/carrier-events', new RateLimiter(deps).middleware());
  app.use('/v1/carrier-events', chainStep('negotiateContent', negotiateContent));
  app.route('/v1', carrierEventRoutes({ deps, workflows, cache }));

  // Another method on the carrier's path is no reason to ask for a token: it gets the 405 below.
  // A return's receipt may come from the carrier, signed instead of holding a token.
  const checkToken = authenticate(verifier);
  const checkCarrier = authenticateCarrier(config.CARRIER_WEBHOOK_SECRET);
  app.use('/v1/*', chainStep('authenticate', (c, next) => {
    if (c.req.path === '/v1/carrier-events') return next();
    return isCarrierReceipt(c) ? checkCarrier(c, next) : checkToken(c, next);
  }));
  app.use('/v1/*', chainStep('rateLimit', limiter.middleware()));
  app.use('/v1/*', chainStep('negotiateContent', negotiateContent));
  app.route('/v1', customerRoutes(deps));
  app.route('/v1', productRoutes(deps));
  app.route('/v1', orderRoutes({ deps, workflows, cache }));
  app.route('/v1', orderStreamRoutes({ deps, hub, cache }));
  app.route('/v1', billingRoutes({ deps, workflows, cache }));
  app.route('/v1', paymentRoutes({ deps, cache }));
  app.route('/v1', returnRoutes({ deps, cache }));
  app.route('/v1', migrationRunRoutes(deps));
  app.route('/v1', eventFeedRoutes(deps));
  app.route('/v1', webhookEndpointRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: `An access token from POST /oauth/token (client credentials). Scopes: ${SCOPES.join(', ')}.`,
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'carrierSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description: "The carrier's Standard Webhooks signature with CARRIER_WEBHOOK_SECRET, beside webhook-id and webhook-timestamp; no bearer token.",
  });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'ordersaga API', version: '1.0.0', description: 'Orders as durable Temporal workflows. JSON:API documents; amounts in integer cents.' },
  });
  app.route('/', docsRoutes());

  // A path that exists with other methods is 405 with Allow, not 404.
  const allowedMethods = methodsByPath(app);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '));
      return errorResponse(c, new ApiError(405, 'method_not_allowed', 'Method not allowed', `${c.req.path} allows ${allowed.join(', ')}, not ${c.req.method}.`));
    }
    return errorResponse(c, errors.notFound(`The route ${c.req.method} ${c.req.path}`));
  });
  app.onError((err, c) => {
    const known = toApiError(err);
    if (known) return errorResponse(c, known);
    logger.error({ err, requestId: c.get('requestId') }, 'unhandled error');
    return errorResponse(c, new ApiError(500, 'internal_error', 'Internal error', 'The server failed to answer; the request id identifies it in the logs.'));
  });
  return Object.assign(app, {
    /** The Node HTTP server's request listener: cached order reads, then hono; early answers close. */
    requestListener: () => closingEarlyAnswers(answeringCachedReads(readCached, getRequestListener(app.fetch))),
  });
}

/** The methods registered for a concrete path, from the app's own route table (computed once). */
function methodsByPath(app: OpenAPIHono<AppEnv>): (path: string) => string[] {
  let table: { pattern: RegExp; method: string }[] | undefined;
  return (path) => {
    table ??= app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
      .map((r) => ({
        method: r.method,
        pattern: new RegExp('^' + r.path.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/') + '/?$'),
      }));
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
