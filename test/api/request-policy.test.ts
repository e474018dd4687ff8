// The cached-read fast path (api/cached-order-read.ts) answers GET /v1/orders/{id} ahead of the
// middleware chain, so every middleware the chain runs there must be declared with what the fast
// path does in its place (api/request-policy.ts, ORDER_READ_CHAIN). The app is built without
// connecting to anything: createApp does no I/O until a request arrives. That both paths give the
// same bytes and headers is checked over HTTP in order-lifecycle.test.ts.
import { Client, Connection } from '@temporalio/client';
import { Hono } from 'hono';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { createApp } from '../../api/app';
import { acceptable, chainStepOf, corsPolicy, JSON_TYPES, ORDER_READ_CHAIN } from '../../api/request-policy';
import { createDataSource } from '../../entities/data-source';
import { apiSchema, parseConfig } from '../../runtime/config';
import { silent } from '../support/api';

const ORDER_PATH = '/v1/orders/0b7d5f7e-4f8e-5a51-9d0c-6a3c2f1e9b10';

function offlineApp() {
  const config = parseConfig(apiSchema, { NODE_ENV: 'test', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false });
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  return createApp({ config, logger: silent, dataSource: createDataSource(config.DATABASE_URL), redis, temporal, metrics: new Registry() });
}

/** hono's route pattern ('/v1/*', '/v1/orders/:id') as a test of a concrete path. */
const patternMatches = (pattern: string, path: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/:[^/]+/g, '[^/]+')}$`).test(path);

/** The middleware (app.use) a GET of `path` passes through, by declared step or as undeclared. */
function middlewareBefore(app: ReturnType<typeof offlineApp>, path: string): string[] {
  return app.routes
    .filter((r) => r.method === 'ALL' && patternMatches(r.path, path))
    .map((r) => chainStepOf(r.handler) ?? `undeclared middleware on ${r.path}: declare it in ORDER_READ_CHAIN with what the fast path does`);
}

describe('the request policy', () => {
  it('declares every middleware the chain runs before GET /v1/orders/{id}, in order', () => {
    expect(middlewareBefore(offlineApp(), ORDER_PATH)).toEqual(Object.keys(ORDER_READ_CHAIN));
  });

  it('fails the check when the app gains a middleware the fast path has not declared', () => {
    const app = offlineApp();
    app.use('/v1/orders/*', async (_c, next) => next());
    expect(middlewareBefore(app, ORDER_PATH)).toEqual([...Object.keys(ORDER_READ_CHAIN), expect.stringMatching(/^undeclared middleware on \/v1\/orders\/\*/)]);
  });

  it("keeps the order read route's own steps to its scope check, its validators and its handler", () => {
    const own = offlineApp().routes.filter((r) => r.method === 'GET' && r.path === '/v1/orders/:id');
    // requireScope('orders:read'), the path and query validators, the handler: a new step here
    // is one the fast path must take over too (cached-order-read.ts).
    expect(own).toHaveLength(4);
  });

  it.each([
    [undefined, true],
    ['', true],
    ['*/*', true],
    ['application/*', true],
    ['application/vnd.api+json', true],
    ['application/json', true],
    ['APPLICATION/JSON', true],
    ['text/html, application/json;q=0.5', true],
    ['application/vnd.api+json; ext="https://example.com/a,b"', true],
    ['text/html', false],
    ['application/json;q=0', false],
    ['text/*', false],
  ])('takes Accept %j as %s for JSON:API', (header, expected) => {
    expect(acceptable(header, JSON_TYPES)).toBe(expected);
  });

  it.each([
    ['*', undefined],
    ['*', 'https://shop.example'],
    ['https://shop.example,https://other.example', 'https://shop.example'],
    ['https://shop.example', 'https://stranger.example'],
    ['https://shop.example', undefined],
  ])("gives the fast path the CORS headers hono's cors() sets (CORS_ORIGINS %s, Origin %s)", async (origins, origin) => {
    const policy = corsPolicy({ CORS_ORIGINS: origins });
    const app = new Hono().use(policy.middleware).get('/read', (c) => c.text('ok'));
    const res = await app.request('/read', { headers: origin ? { Origin: origin } : {} });
    const chain = Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));
    const fast = Object.fromEntries(Object.entries(policy.headers(origin, {})).map(([name, value]) => [name.toLowerCase(), value]));
    expect(fast).toEqual(chain);
  });
});
