// The API under test, in-process: `createApp(deps)` on the real PostgreSQL, Redis and Temporal
// dev server, with a real order worker on a task queue of the test file's own. Every response a
// test receives through `call()` is checked against the app's own /openapi.json.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { createOrderActivities, type OrderActivities } from '../../activities';
import { openOrderActivities } from '../../activities/open-order';
import { CarrierSimulator } from '../../activities/adapters/carrier-simulator';
import { PaymentSimulator } from '../../activities/adapters/payment-simulator';
import { createApp } from '../../api/app';
import { hashSecret } from '../../api/auth';
import type { ApiDeps } from '../../api/deps';
import { apiSchema, parseConfig } from '../../runtime/config';
import { OpenApiValidator, type OpenApiDocument } from '../api/openapi-validator';
import { openTestDataSource } from './db';
import { connectToDevServer, eventually, type RunningWorker, startOrderWorker, uniqueTaskQueue } from './temporal';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16380';

export const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A Redis client as the API makes them: no offline queue, so an outage fails fast. */
export function apiRedis(url = REDIS_URL): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 100, 1000) });
  redis.on('error', () => undefined);
  return redis;
}

/** A port nothing listens on: a real, unreachable Redis. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function readyRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis did not become ready')), 5000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Response documents are read freely in assertions; their shape is checked against /openapi.json. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is (for malformed bodies); overrides `body`. */
  rawBody?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Skip the OpenAPI check (only for raw protocol probes). */
  unchecked?: boolean;
}

export interface ApiHarness {
  app: ReturnType<typeof createApp>;
  deps: ApiDeps;
  dataSource: DataSource;
  env: TestWorkflowEnvironment;
  worker: RunningWorker | undefined;
  taskQueue: string;
  validator: OpenApiValidator;
  /** Every response checked so far, for the "all responses matched" assertion. */
  checked: number;
  /**
   * Holds the named activity of one order at its start until `release` is called, so a test can
   * act while the saga is at a known step (the activity itself then runs for real); `reached`
   * resolves when the activity was called and is being held. A held local activity (PostgreSQL
   * work, see workflows/order.ts) holds its whole workflow task: no update or signal reaches the
   * order until it is released.
   */
  hold(activity: keyof OrderActivities, orderId: string): { reached: Promise<void>; release: () => void };
  /**
   * Makes the named activity of one order fail for good (non-retryable, not a business failure),
   * as an outage that outlasted its retries does, until the returned function is called: the
   * saga parks the order NEEDS_ATTENTION at that step.
   */
  fail(activity: keyof OrderActivities, orderId: string): () => void;
  /** Stops the order worker (updates then have nobody to answer them). */
  stopWorker(): Promise<void>;
  /** Starts the order worker again on the same task queue. */
  startWorker(): Promise<void>;
  /** An access token of `client` (default: the development client) for `scope` (default: all of the development client's). */
  token(scope?: string, client?: { id: string; secret: string }): Promise<string>;
  call<T = Json>(method: string, path: string, options?: CallOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Extra API settings (strings, as the environment gives them). */
  env?: Record<string, string>;
  /** The API's Redis: the shared server (default) or a closed port (unreachable). */
  redis?: 'shared' | 'unreachable';
  /** Start an order worker (default true). */
  worker?: boolean;
  dataSource?: DataSource;
  temporalEnv?: TestWorkflowEnvironment;
  /** The API's Temporal client (default: the environment's, which has no payload codec). */
  temporalClient?: Client;
  /** The order activities' logger (default: silent). */
  activityLogger?: Logger;
}

/** API clients with their secrets, as API_CLIENTS wants them (each secret hashed). */
export async function apiClients(clients: { id: string; secret: string; scopes: string[]; storefront?: string }[]): Promise<string> {
  return JSON.stringify(await Promise.all(clients.map(async ({ secret, ...client }) => ({ ...client, secretHash: await hashSecret(secret) }))));
}

/**
 * PUT status SHIPPED once the workflow knows of the booking. The shipments row is written by the
 * booking activity a moment before the workflow sees it complete; until then SHIPPED is 409
 * "not booked yet", which is what the API should answer, so the caller asks again.
 */
export function shipWhenBooked(api: ApiHarness, id: string, trackingNumber: string, token?: string): Promise<ApiResponse<Json>> {
  const body = { data: { type: 'orders', id, attributes: { status: 'SHIPPED', trackingNumber } } };
  return eventually(async () => {
    const res = await api.call('PUT', `/v1/orders/${id}/status`, { body, ...(token ? { token } : {}) });
    const notBookedYet = res.status === 409 && /not booked yet/.test(String((res.body as { errors?: { detail?: string }[] }).errors?.[0]?.detail));
    return notBookedYet ? undefined : res;
  }, `order ${id} SHIPPED`);
}

export async function startApi(options: HarnessOptions = {}): Promise<ApiHarness> {
  const dataSource = options.dataSource ?? (await openTestDataSource({ poolSize: 10 }));
  const env = options.temporalEnv ?? (await connectToDevServer());
  const taskQueue = uniqueTaskQueue('api');
  const redisUrl = options.redis === 'unreachable' ? `redis://127.0.0.1:${await closedPort()}` : REDIS_URL;
  const redis = apiRedis(redisUrl);
  const redisSubscriber = apiRedis(redisUrl);
  if (options.redis !== 'unreachable') await Promise.all([readyRedis(redis), readyRedis(redisSubscriber)]);
  // The activities always publish to the shared Redis (it is the API's Redis that is away).
  const activityRedis = apiRedis(REDIS_URL);

  const config = parseConfig(apiSchema, {
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: redisUrl,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    ORDERS_TASK_QUEUE: taskQueue,
    TEMPORAL_CALL_TIMEOUT_MS: '3000',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  });
  const deps: ApiDeps = { config, logger: silent, dataSource, redis, redisSubscriber, temporal: options.temporalClient ?? env.client, metrics: new Registry() };
  const app = createApp(deps);

  const holds = new Map<string, { promise: Promise<void>; release: () => void; reached: () => void }>();
  const failures = new Set<string>();
  let worker: RunningWorker | undefined;
  let activities: OrderActivities | undefined;
  {
    const real = createOrderActivities({
      dataSource,
      redis: activityRedis,
      payment: new PaymentSimulator({ dataSource, latencyMs: 0 }),
      // Manual carrier: the tests ship and deliver through the API.
      carrier: new CarrierSimulator({ dataSource, latencyMs: 0, shipAfterMs: null, deliverAfterMs: null }),
      logger: options.activityLogger ?? silent,
    });
    activities = Object.fromEntries(
      Object.entries(real).map(([name, fn]) => [
        name,
        async (input: { orderId?: string; order?: { orderId: string } }) => {
          const orderId = input.orderId ?? input.order?.orderId;
          const hold = holds.get(`${name}:${orderId}`);
          if (hold) {
            hold.reached();
            await hold.promise;
          }
          if (failures.has(`${name}:${orderId}`)) throw ApplicationFailure.nonRetryable(`${name} is down (test)`, 'TestOutage');
          return (fn as (i: unknown) => Promise<unknown>)(input);
        },
      ]),
    ) as unknown as OrderActivities;
    // openOrder runs the three first steps: through the wrappers, so each can be held or failed.
    Object.assign(activities, openOrderActivities(activities));
    if (options.worker !== false) worker = await startOrderWorker({ env, taskQueue, activities });
  }

  const docResponse = await app.request('/openapi.json');
  const validator = new OpenApiValidator((await docResponse.json()) as OpenApiDocument);
  const tokens = new Map<string, string>();

  const harness: ApiHarness = {
    app,
    deps,
    dataSource,
    env,
    get worker() {
      return worker;
    },
    taskQueue,
    validator,
    checked: 0,
    async stopWorker() {
      await worker?.stop();
      worker = undefined;
    },
    async startWorker() {
      if (!worker) worker = await startOrderWorker({ env, taskQueue, activities: activities! });
    },
    hold(activity, orderId) {
      const key = `${activity}:${orderId}`;
      let release!: () => void;
      let reached!: () => void;
      const promise = new Promise<void>((resolve) => (release = resolve));
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
      holds.set(key, { promise, release, reached });
      return {
        reached: reachedPromise,
        release: () => {
          release();
          holds.delete(key);
        },
      };
    },
    fail(activity, orderId) {
      failures.add(`${activity}:${orderId}`);
      return () => failures.delete(`${activity}:${orderId}`);
    },
    async token(scope = 'orders:read orders:write catalog:write ops', client = { id: 'dev-client', secret: 'dev-secret' }) {
      const cacheKey = `${client.id} ${scope}`;
      const cached = tokens.get(cacheKey);
      if (cached) return cached;
      const res = await app.request('/oauth/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, scope }).toString(),
      });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
      const { access_token: token } = (await res.json()) as { access_token: string };
      tokens.set(cacheKey, token);
      return token;
    },
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const token = opts.token === undefined ? await harness.token() : opts.token;
      if (token) headers.Authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.rawBody !== undefined) body = opts.rawBody;
      else if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined && opts.contentType !== null) headers['Content-Type'] = opts.contentType ?? 'application/vnd.api+json';
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON; kept as text
      }
      if (!opts.unchecked) {
        const pathOnly = path.split('?')[0];
        const problems = validator.check(method, pathOnly, res.status, res.headers.get('content-type'), parsed);
        if (problems.length > 0) {
          throw new Error(`response of ${method} ${path} (${res.status}) does not match /openapi.json:\n  ${problems.join('\n  ')}\n${text.slice(0, 2000)}`);
        }
        harness.checked++;
      }
      return { status: res.status, headers: res.headers, body: parsed as Json, text };
    },
    async close() {
      for (const { release } of holds.values()) release();
      await worker?.stop();
      redis.disconnect();
      redisSubscriber.disconnect();
      activityRedis.disconnect();
      if (!options.dataSource) await dataSource.destroy();
      if (!options.temporalEnv) await env.teardown();
    },
  };
  return harness;
}

/** The API over real HTTP on a free port: the server's own request listener (cached reads ahead of hono). */
export async function serveOverHttp(api: ApiHarness): Promise<{ base: string; close(): Promise<void> }> {
  const server = createHttpServer(api.app.requestListener());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How many single-order reads the server answered from the in-process cache ahead of hono so far. */
export async function cachedReadsAnsweredAhead(api: ApiHarness): Promise<number> {
  return (await api.deps.metrics.getSingleMetric('http_cached_order_reads_total')!.get()).values[0]?.value ?? 0;
}

// ---------------------------------------------------------------- documents

export const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' };

export function orderBody(customerId: string, lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}) {
  return {
    data: {
      type: 'orders',
      attributes: { customerId, lines, shippingAddress: ADDRESS, payment: { token: 'tok_ok' }, ...extra },
    },
  };
}

export const newKey = () => randomUUID();

/** Reads Server-Sent Events from a streaming response until `until` says stop (or the timeout). */
export async function readEvents(
  res: Response,
  until: (events: { id?: string; event?: string; data: string }[]) => boolean,
  timeoutMs = 30_000,
): Promise<{ id?: string; event?: string; data: string }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { id?: string; event?: string; data: string }[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(events)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`stream timed out; got ${events.map((e) => e.event).join(', ')}`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`stream timed out; got ${events.map((e) => e.event).join(', ')}`)), remaining);
        }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: { id?: string; event?: string; data: string } = { data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(value);
          else if (field === 'id') event.id = value;
          else if (field === 'event') event.event = value;
        }
        if (data.length === 0 && !event.event) continue;
        event.data = data.join('\n');
        events.push(event);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}
