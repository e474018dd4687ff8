// The API's protocol: the OpenAPI document, OAuth2 client credentials, the auth matrix over every
// route, rate limits, and the HTTP status codes of content negotiation.
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createApp } from '../../api/app';
import { hashSecret, loadClients, TokenIssuer, verifySecret } from '../../api/auth';
import { apiSchema, parseConfig } from '../../runtime/config';
import { type ApiHarness, silent, startApi } from '../support/api';
import type { Operation } from './openapi-validator';

jest.setTimeout(120_000);

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi({ worker: false });
});

afterAll(async () => {
  await api?.close();
});

const SECURITY_HEADERS = ['cache-control', 'content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options'];

// Without a bearer token: the token endpoint, health, and the carrier's webhook, which is signed
// instead (test/api/carrier-events.test.ts).
const PUBLIC = new Set(['/oauth/token', '/health/live', '/health/ready', '/v1/carrier-events']);

function operations(): { method: string; path: string; operation: Operation }[] {
  return Object.entries(api.validator.doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** A concrete URL for a path template: any well-formed id (auth is checked before existence). */
const concrete = (template: string) => template.replace('{sku}', 'SKU-1').replace(/\{[^}]+\}/g, randomUUID());

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and covers every route of the design', () => {
    expect(api.validator.doc.openapi).toBe('3.1.0');
    const routes = operations().map((o) => `${o.method} ${o.path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /oauth/token',
        'POST /v1/orders',
        'GET /v1/orders',
        'GET /v1/orders/{id}',
        'PUT /v1/orders/{id}',
        'PUT /v1/orders/{id}/shipping',
        'PUT /v1/orders/{id}/status',
        'DELETE /v1/orders/{id}',
        'POST /v1/orders/{id}/retry',
        'GET /v1/orders/{id}/events',
        'GET /v1/orders/{id}/stream',
        'GET /v1/orders/{id}/invoice',
        'GET /v1/invoices/{id}',
        'GET /v1/invoices',
        'GET /v1/shipments/{id}',
        'POST /v1/shipments/{id}/events',
        'POST /v1/customers',
        'GET /v1/customers',
        'GET /v1/customers/{id}',
        'GET /v1/customers/{id}/orders',
        'POST /v1/products',
        'GET /v1/products',
        'GET /v1/products/{sku}',
        'PATCH /v1/products/{sku}',
        'GET /health/live',
        'GET /health/ready',
      ]),
    );
  });

  it('declares the bearer scheme and a scope on every route but health and the token endpoint', () => {
    expect(api.validator.doc.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { method, path, operation } of operations()) {
      if (PUBLIC.has(path)) continue;
      expect({ route: `${method} ${path}`, security: operation.security?.length ?? 0 }).toEqual({ route: `${method} ${path}`, security: expect.any(Number) });
      expect(operation.security!.length).toBeGreaterThan(0);
    }
  });

  it('requires every request body, as JSON:API and as plain JSON, with strict schemas', () => {
    for (const { method, path, operation } of operations()) {
      if (!operation.requestBody || path === '/oauth/token') continue;
      expect({ route: `${method} ${path}`, required: operation.requestBody.required }).toEqual({ route: `${method} ${path}`, required: true });
      // The codec endpoint speaks Temporal's codec protocol (plain JSON), not JSON:API.
      const mediaTypes = path.startsWith('/codec/') ? ['application/json'] : ['application/json', 'application/vnd.api+json'];
      expect(Object.keys(operation.requestBody.content).sort()).toEqual(mediaTypes);
    }
  });
});

describe('POST /oauth/token', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  it('grants a short-lived bearer token for form-encoded client credentials', async () => {
    const res = await api.call('POST', '/oauth/token', {
      token: null,
      rawBody: form({ grant_type: 'client_credentials', client_id: 'dev-client', client_secret: 'dev-secret', scope: 'orders:read' }),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'orders:read' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.access_token.split('.')).toHaveLength(3);
  });

  it('accepts JSON and HTTP Basic client authentication, granting every scope of the client by default', async () => {
    const json = await api.call('POST', '/oauth/token', { token: null, body: { grant_type: 'client_credentials', client_id: 'dev-client', client_secret: 'dev-secret' }, contentType: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.body.scope.split(' ').sort()).toEqual(['catalog:write', 'ops', 'orders:read', 'orders:write', 'webhooks:write']);
    const basic = await api.call('POST', '/oauth/token', {
      token: null,
      rawBody: form({ grant_type: 'client_credentials' }),
      contentType: 'application/x-www-form-urlencoded',
      headers: { Authorization: `Basic ${Buffer.from('dev-client:dev-secret').toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it.each([
    ['a wrong secret', { grant_type: 'client_credentials', client_id: 'dev-client', client_secret: 'nope' }, 401, 'invalid_client'],
    ['an unknown client', { grant_type: 'client_credentials', client_id: 'who', client_secret: 'dev-secret' }, 401, 'invalid_client'],
    ['another grant type', { grant_type: 'password', client_id: 'dev-client', client_secret: 'dev-secret' }, 400, 'unsupported_grant_type'],
    ['a scope the client lacks', { grant_type: 'client_credentials', client_id: 'dev-client', client_secret: 'dev-secret', scope: 'admin' }, 400, 'invalid_scope'],
    ['no grant type', { client_id: 'dev-client', client_secret: 'dev-secret' }, 400, 'invalid_request'],
  ])('refuses %s with the RFC 6749 error', async (_what, fields, status, error) => {
    const res = await api.call('POST', '/oauth/token', { token: null, rawBody: form(fields as Record<string, string>), contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
  });

  it('keeps secrets only as scrypt hashes', async () => {
    const hash = await hashSecret('s3cret');
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('s3cret');
    expect(await verifySecret('s3cret', hash)).toBe(true);
    expect(await verifySecret('other', hash)).toBe(false);
  });

  it('serves configured clients and refuses the development client in production', async () => {
    const secretHash = await hashSecret('shop-secret');
    const clients = loadClients({ NODE_ENV: 'production', API_CLIENTS: JSON.stringify([{ id: 'shop', secretHash, scopes: ['orders:read'], storefront: 'shop' }]) });
    expect([...clients.keys()]).toEqual(['shop']);
    expect(() => loadClients({ NODE_ENV: 'production', API_CLIENTS: '' })).toThrow(/production/);
    // The carrier's signed requests name it in the event trail: no client may take its name.
    expect(() => loadClients({ NODE_ENV: 'test', API_CLIENTS: JSON.stringify([{ id: 'carrier', secretHash, scopes: ['ops'], storefront: 'shop' }]) })).toThrow(
      /^API_CLIENTS\[0\.id\]: is reserved/,
    );
    // The configuration refuses it first (runtime/config.ts); the app refuses it again if handed one.
    expect(() => parseConfig(apiSchema, { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) })).toThrow(/^invalid configuration: API_CLIENTS .*development client/);
    const config = { ...parseConfig(apiSchema, {}), NODE_ENV: 'production' as const };
    expect(() => createApp({ ...api.deps, config, metrics: new Registry(), logger: silent })).toThrow(/development client/);
  });
});

describe('authentication and scopes', () => {
  // The scope each route needs, and one the dev client has that it does not accept.
  const wrongScopeFor = (operation: Operation): string | undefined => {
    const accepted = new Set((operation.security ?? []).flatMap((r) => r.bearerAuth ?? []));
    return ['orders:read', 'orders:write', 'catalog:write', 'ops', 'webhooks:write'].find((s) => !accepted.has(s));
  };

  it('answers 401 with WWW-Authenticate on every protected route without a token, or with a bad one', async () => {
    const protectedRoutes = operations().filter((o) => !PUBLIC.has(o.path));
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(23);
    for (const { method, path } of protectedRoutes) {
      const res = await api.call(method, concrete(path), { token: null });
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 401 });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const forged = await api.call(method, concrete(path), { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' });
      expect({ route: `${method} ${path}`, status: forged.status }).toEqual({ route: `${method} ${path}`, status: 401 });
    }
  });

  it('answers 403 on every protected route for a token without its scope', async () => {
    for (const { method, path, operation } of operations().filter((o) => !PUBLIC.has(o.path))) {
      const wrong = wrongScopeFor(operation);
      if (!wrong) continue;
      const res = await api.call(method, concrete(path), { token: await api.token(wrong) });
      expect({ route: `${method} ${path}`, scope: wrong, status: res.status }).toEqual({ route: `${method} ${path}`, scope: wrong, status: 403 });
      expect(res.body.errors[0].code).toBe('forbidden');
    }
  });

  it('accepts ?access_token= on the event stream only', async () => {
    const token = await api.token('orders:read');
    const stream = await api.call('GET', `/v1/orders/${randomUUID()}/stream?access_token=${token}`, { token: null });
    expect(stream.status).toBe(404); // authenticated; the order does not exist
    const elsewhere = await api.call('GET', `/v1/orders?access_token=${token}`, { token: null });
    expect(elsewhere.status).toBe(401);
  });

  it('leaves health and the documents open', async () => {
    expect((await api.call('GET', '/health/live', { token: null })).status).toBe(200);
    expect((await api.app.request('/openapi.json')).status).toBe(200);
    expect((await api.app.request('/docs')).status).toBe(200);
  });
});

describe('HTTP semantics', () => {
  it('answers 405 with Allow for a known path and another method', async () => {
    const res = await api.call('PATCH', '/v1/orders', { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    const item = await api.call('POST', `/v1/orders/${randomUUID()}`, { body: {} });
    expect(item.status).toBe(405);
    expect(item.headers.get('allow')).toBe('DELETE, GET, HEAD, PUT');
  });

  it('answers 404 as a JSON:API error for an unknown path', async () => {
    const res = await api.call('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/vnd.api+json');
  });

  it('answers 406 for an Accept it cannot satisfy, and serves JSON:API or JSON otherwise', async () => {
    const refused = await api.call('GET', '/v1/customers', { headers: { Accept: 'text/html' } });
    expect(refused.status).toBe(406);
    for (const accept of ['application/vnd.api+json', 'application/json', '*/*', 'text/html, application/*;q=0.5']) {
      expect((await api.call('GET', '/v1/customers', { headers: { Accept: accept } })).status).toBe(200);
    }
  });

  it('answers 415 for a body in a media type the route does not take', async () => {
    const res = await api.call('POST', '/v1/customers', { rawBody: 'name=x', contentType: 'text/plain' });
    expect(res.status).toBe(415);
    const xml = await api.call('POST', '/v1/customers', { rawBody: '<customer/>', contentType: 'application/xml' });
    expect(xml.status).toBe(415);
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await api.call('POST', '/v1/customers', { body: { data: { type: 'customers', attributes: { name: 'x'.repeat(300 * 1024) } } } });
    expect(res.status).toBe(413);
  });

  it('echoes X-Request-Id and sets RateLimit headers and secure headers on every response', async () => {
    const res = await api.call('GET', '/v1/customers', { headers: { 'X-Request-Id': 'req-123' } });
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(Number(res.headers.get('ratelimit-limit'))).toBeGreaterThan(0);
    expect(res.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
    expect(res.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const error = await api.call('GET', `/v1/customers/${randomUUID()}`);
    expect(error.status).toBe(404);
    expect(error.headers.get('ratelimit-limit')).not.toBeNull();
  });

  it("sends OWASP's API security headers, and the page headers only with /docs", async () => {
    for (const res of [await api.call('GET', '/v1/customers'), await api.call('GET', `/v1/customers/${randomUUID()}`)]) {
      expect(Object.fromEntries([...res.headers].filter(([name]) => SECURITY_HEADERS.includes(name)))).toEqual({
        'cache-control': 'no-store',
        'content-security-policy': "frame-ancestors 'none'",
        'strict-transport-security': 'max-age=15552000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
      });
      expect(res.headers.get('referrer-policy')).toBeNull();
    }
    const docs = await api.app.request('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(docs.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('answers CORS requests (with Origin) with Allow-Origin and the exposed headers, and others without', async () => {
    const plain = await api.call('GET', '/v1/customers');
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Origin');
    const cors = await api.call('GET', '/v1/customers', { headers: { Origin: 'https://shop.example' } });
    expect(cors.headers.get('access-control-allow-origin')).toBe('*');
    expect(cors.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    const preflight = await api.app.request('/v1/orders', {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'Idempotency-Key' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
  });
});

describe('rate limits', () => {
  it('limits each client per minute with 429 and Retry-After', async () => {
    // A client of its own, so other files and runs do not share its window.
    const clientId = `limited-${randomUUID().slice(0, 8)}`;
    const clientsEnv = { API_CLIENTS: JSON.stringify([{ id: clientId, secretHash: await hashSecret('s'), scopes: ['orders:read'], storefront: 'limited' }]) };
    const limited = await startApi({ worker: false, dataSource: api.dataSource, temporalEnv: api.env, env: { RATE_LIMIT_PER_MINUTE: '3', ...clientsEnv } });
    try {
      const issuer = new TokenIssuer(loadClients({ NODE_ENV: 'test', ...clientsEnv }), limited.deps.config);
      const token = (await issuer.issue(clientId, 's')).accessToken;
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 6; i++) {
        last = await limited.call('GET', '/v1/customers', { token });
        statuses.push(last.status);
      }
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
      expect(statuses[0]).toBe(200);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last!.headers.get('ratelimit-remaining')).toBe('0');
    } finally {
      await limited.close();
    }
  });
});
