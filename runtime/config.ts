// Every process reads its settings from environment variables, validated once at start-up.
// Defaults work on one machine (they match `./dev up`); a bad value stops the process with one
// line naming the variable.
import { z } from 'zod';
import { MIGRATION_SCHEDULE_ID } from '../domain/ids';
import { DEFAULT_LEGACY_STOREFRONT, STOREFRONT_PATTERN } from '../domain/storefronts';
import { DEFAULT_RETURN_RECEIPT_DAYS, DEFAULT_RETURN_WINDOW_DAYS } from '../domain/returns';
import { parseEncryptionKeys } from './payload-codec';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().min(1);
const nonNegativeInt = z.coerce.number().int().min(0);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const postgresUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '' && u.pathname.length > 1;
  } catch {
    return false;
  }
}, 'must be a URL like postgres://user:password@host:5432/database');

const redisUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'must be a URL like redis://host:6379');

/** "k2:<base64 32 bytes>,k1:<base64>": the first encrypts, all decrypt (rotation). */
const encryptionKeys = z.string().superRefine((v, ctx) => {
  try {
    parseEncryptionKeys(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** The development defaults production refuses (see productionRefusal). */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me-in-production-0123456789';
export const DEV_CLIENT_ID = 'dev-client';
/** The carrier webhook's development secret: public, so production refuses it (productionRefusal). */
export const DEV_CARRIER_WEBHOOK_SECRET = 'whsec_ZGV2LW9ubHktY2Fycmllci1zZWNyZXQtY2hhbmdlLW1l';

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, like 127.0.0.1:7233');

/** Settings every process shares. */
export const baseSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl.default('postgres://ordersaga:ordersaga@127.0.0.1:5433/ordersaga'),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6380'),
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  METRICS_PORT: port.default(9464),
  /**
   * Keys of the payload codec that encrypts Temporal payloads (addresses, payment tokens):
   * "k2:<base64 of 32 bytes>,k1:<base64>"; the first encrypts, every one decrypts, so a new key
   * goes first and old ones stay until no history needs them. Empty: payloads are not encrypted.
   */
  PAYLOAD_ENCRYPTION_KEYS: encryptionKeys.default(''),
  /**
   * Lets webhook endpoints use http and loopback / private addresses (local receivers in
   * development and tests). Never in production.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: bool.default(false),
});

export const apiSchema = baseSchema.extend({
  API_PORT: port.default(3000),
  API_HOST: z.string().default('0.0.0.0'),
  /** Deadline of every Temporal call made while answering a request. */
  TEMPORAL_CALL_TIMEOUT_MS: positiveInt.default(5000),
  /**
   * How long POST /v1/orders waits for the workflow to record the order; past it (a backlog of
   * orders at the worker) it answers 202 with the order as Temporal holds it. At most the deadline above.
   */
  ORDER_RECORD_WAIT_MS: positiveInt.default(2500),
  /** Signs the API's access tokens (HS256). */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
  JWT_TTL_SECONDS: positiveInt.default(900),
  /**
   * OAuth2 clients as JSON: [{"id","secretHash","scopes":[...],"storefront"}], secretHash =
   * "scrypt$<salt>$<hash>" (`node dist/scripts/hash-secret.js <secret>` prints one). Empty: the
   * development client (storefront `dev`).
   */
  API_CLIENTS: z.string().default(''),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  BODY_LIMIT_BYTES: positiveInt.default(256 * 1024),
  CORS_ORIGINS: z.string().default('*'),
  CACHE_TTL_SECONDS: positiveInt.default(60),
  /** Task queue the API starts order workflows on; tests give each file its own. */
  ORDERS_TASK_QUEUE: z.string().min(1).default('orders'),
  /** A delivered order can be returned for this many days after delivery. */
  RETURN_WINDOW_DAYS: positiveInt.default(DEFAULT_RETURN_WINDOW_DAYS),
  /** A requested return nobody receives within this many days ends EXPIRED (the return workflow's timer). */
  RETURN_RECEIPT_DAYS: positiveInt.default(DEFAULT_RETURN_RECEIPT_DAYS),
  /** The migration Schedule POST /v1/migration-runs triggers; tests give each file its own. */
  MIGRATION_SCHEDULE_ID: z.string().min(1).default(MIGRATION_SCHEDULE_ID),
  /** How long an idempotency record (the stored response) is kept per client and key. */
  IDEMPOTENCY_TTL_SECONDS: positiveInt.default(24 * 60 * 60),
  /**
   * Lifetime of the in-process layer in front of the Redis read cache; 0 turns it off. Order
   * events evict it, so this bounds only a change that publishes none.
   */
  LOCAL_CACHE_TTL_MS: nonNegativeInt.default(30_000),
  /** Origins of the Temporal UI allowed to call the codec endpoint (/codec) with credentials. */
  CODEC_CORS_ORIGINS: z
    .string()
    .refine(
      (v) => v.split(',').map((o) => o.trim()).filter(Boolean).every((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)),
      'must be origins like http://127.0.0.1:8233, comma-separated (no "*": the codec answers with credentials)',
    )
    .default('http://127.0.0.1:8233,http://localhost:8233'),
  /** The carrier signs POST /v1/carrier-events with it (Standard Webhooks: whsec_ + base64). */
  CARRIER_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by base64 of at least 24 bytes')
    .default(DEV_CARRIER_WEBHOOK_SECRET),
});

const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && u.pathname === '/';
  } catch {
    return false;
  }
}, 'must be a base URL like http://127.0.0.1:12111 (no path)');

export const workerSchema = baseSchema.extend({
  METRICS_PORT: port.default(9465),
  /** Serves /health/live and /health/ready (Kubernetes probes) on this port; unset: no health server. */
  HEALTH_PORT: port.optional(),
  /** Comma-separated task queues this process serves: orders, migration, webhooks. */
  WORKER_TASK_QUEUES: z.string().default('orders,migration,webhooks'),
  /** How often the webhook dispatcher looks for new events and due endpoints (their latency to receivers). */
  WEBHOOK_DISPATCH_POLL_MS: positiveInt.default(1000),
  /** How long one webhook dispatcher run (one activity) polls; its Schedule starts one this often. */
  WEBHOOK_DISPATCH_RUN_SECONDS: positiveInt.default(60),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.default(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.default(40),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: positiveInt.default(100),
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt.default(2000),
  /** Worker start-up from the prebuilt bundle (production) or from source (development). */
  WORKFLOW_BUNDLE_PATH: z.string().default(''),
  /** Who holds the money: the simulator (default) or Stripe (PaymentIntents; tokens are `pm_...`). */
  PAYMENT_PROVIDER: z.enum(['simulator', 'stripe']).default('simulator'),
  /** Stripe's secret key (`sk_live_...`/`rk_live_...`); required in production when PAYMENT_PROVIDER=stripe. */
  STRIPE_API_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_... / rk_...)').optional(),
  /** Another Stripe API base, such as stripe-mock's (tests); unset: https://api.stripe.com. */
  STRIPE_API_BASE: httpUrl.optional(),
  PAYMENT_LATENCY_MS: nonNegativeInt.default(50),
  CARRIER_LATENCY_MS: nonNegativeInt.default(50),
  CARRIER_SHIP_AFTER_MS: nonNegativeInt.default(5000),
  CARRIER_DELIVER_AFTER_MS: nonNegativeInt.default(10000),
  CARRIER_MODE: z.enum(['auto', 'manual']).default('auto'),
  /** The carrier simulator's dispatcher looks at least this often; it wakes sooner when a shipment it knows of falls due. */
  CARRIER_POLL_MS: positiveInt.default(5000),
  SHUTDOWN_GRACE_MS: positiveInt.default(30000),
  ENABLE_CARRIER_DISPATCHER: bool.default(true),
  /** How often the legacy migration Schedule runs. */
  MIGRATION_INTERVAL_SECONDS: positiveInt.default(3600),
  /** Create the migration Schedule paused (runs only when triggered); an existing one keeps its state. */
  MIGRATION_SCHEDULE_PAUSED: bool.default(false),
  /** The legacy schema the migration reads. */
  LEGACY_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier, like legacy').default('legacy'),
  /** The storefront migrated legacy customers and orders belong to. */
  LEGACY_STOREFRONT: z.string().regex(STOREFRONT_PATTERN, 'must be a storefront name: lower-case letters, digits, "_" or "-", at most 64').default(DEFAULT_LEGACY_STOREFRONT),
}).superRefine((config, ctx) => {
  // Only stripe-mock (STRIPE_API_BASE, outside production) does without: it takes any test key (STRIPE_TEST_KEY).
  if (config.PAYMENT_PROVIDER !== 'stripe' || config.STRIPE_API_KEY) return;
  if (config.NODE_ENV === 'production') {
    ctx.addIssue({ code: 'custom', path: ['STRIPE_API_KEY'], message: 'is required in production when PAYMENT_PROVIDER=stripe' });
  } else if (!config.STRIPE_API_BASE) {
    ctx.addIssue({ code: 'custom', path: ['STRIPE_API_KEY'], message: 'is required when PAYMENT_PROVIDER=stripe (or set STRIPE_API_BASE to a stripe-mock)' });
  }
});

/** The key used with PAYMENT_PROVIDER=stripe and no STRIPE_API_KEY outside production: stripe-mock takes any test key. */
export const STRIPE_TEST_KEY = 'sk_test_ordersagastripemock';

export type BaseConfig = z.infer<typeof baseSchema>;
export type ApiConfig = z.infer<typeof apiSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;

export class ConfigError extends Error {}

/** Parses `env` with `schema`; the first problem becomes one line naming the variable. */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings mean "not set", so `FOO= ./dev up` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) {
    const refusal = productionRefusal(result.data as Record<string, unknown>, cleaned);
    if (refusal) throw new ConfigError(`invalid configuration: ${refusal}`);
    return result.data;
  }
  const issue = result.error.issues[0];
  const name = String(issue.path[0] ?? 'environment');
  const value = cleaned[name];
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(redact(name, value))})`;
  throw new ConfigError(`invalid configuration: ${name} ${issue.message}${shown}`);
}

/**
 * With NODE_ENV=production, a development default is refused: each would let anyone in (a public
 * signing key, a public client secret or carrier secret, every origin), store cleartext (no payload key) or reach
 * inside the network (webhooks to private addresses). Only the settings the process reads count,
 * except WEBHOOK_ALLOW_PRIVATE_URLS, refused wherever it is set.
 */
function productionRefusal(config: Record<string, unknown>, env: Record<string, string | undefined>): string | undefined {
  if (config.NODE_ENV !== 'production') return undefined;
  const has = (name: string) => name in config;
  if (has('JWT_SECRET') && config.JWT_SECRET === DEV_JWT_SECRET) {
    return 'JWT_SECRET is the development default, refused when NODE_ENV=production: set a secret of your own (32+ characters)';
  }
  if (has('API_CLIENTS') && (String(config.API_CLIENTS).trim() === '' || namesDevClient(String(config.API_CLIENTS)))) {
    return `API_CLIENTS is empty or names the development client (${DEV_CLIENT_ID}), refused when NODE_ENV=production: list your clients`;
  }
  if (has('CORS_ORIGINS') && String(config.CORS_ORIGINS).split(',').some((o) => o.trim() === '*')) {
    return 'CORS_ORIGINS allows every origin ("*"), refused when NODE_ENV=production: list the storefronts\' origins';
  }
  if (has('PAYLOAD_ENCRYPTION_KEYS') && config.PAYLOAD_ENCRYPTION_KEYS === '') {
    return 'PAYLOAD_ENCRYPTION_KEYS is not set, refused when NODE_ENV=production: Temporal histories would hold addresses and payment tokens in cleartext';
  }
  if (['true', '1'].includes(env.WEBHOOK_ALLOW_PRIVATE_URLS ?? '')) {
    return 'WEBHOOK_ALLOW_PRIVATE_URLS is true, refused when NODE_ENV=production: webhooks could reach private addresses';
  }
  if (has('CARRIER_WEBHOOK_SECRET') && config.CARRIER_WEBHOOK_SECRET === DEV_CARRIER_WEBHOOK_SECRET) {
    return 'CARRIER_WEBHOOK_SECRET is the development default, refused when NODE_ENV=production: set a whsec_ secret of your own';
  }
  return undefined;
}

function namesDevClient(clients: string): boolean {
  try {
    const parsed: unknown = JSON.parse(clients);
    return Array.isArray(parsed) && parsed.some((c) => (c as { id?: unknown } | null)?.id === DEV_CLIENT_ID);
  } catch {
    return false; // malformed JSON is reported where the clients are read (api/auth.ts)
  }
}

function redact(name: string, value: string): string {
  if (/SECRET|PASSWORD|CLIENTS|KEY/.test(name)) return '***';
  return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** For process entry points: parse, or print the one line and exit 1. */
export function loadConfig<S extends z.ZodType>(schema: S): z.infer<S> {
  try {
    return parseConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
