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
});

export const apiSchema = baseSchema.extend({
  API_PORT: port.default(3000),
  API_HOST: z.string().default('0.0.0.0'),
  /** Deadline of every Temporal call made while answering a request. */
  TEMPORAL_CALL_TIMEOUT_MS: positiveInt.default(5000),
  /** Signs the API's access tokens (HS256). */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default('dev-only-secret-change-me-in-production-0123456789'),
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
  /** Lifetime of the in-process layer in front of the Redis read cache; 0 turns it off. */
  LOCAL_CACHE_TTL_MS: nonNegativeInt.default(1000),
  /** Origins of the Temporal UI allowed to call the codec endpoint (/codec) with credentials. */
  CODEC_CORS_ORIGINS: z
    .string()
    .refine(
      (v) => v.split(',').map((o) => o.trim()).filter(Boolean).every((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)),
      'must be origins like http://127.0.0.1:8233, comma-separated (no "*": the codec answers with credentials)',
    )
    .default('http://127.0.0.1:8233,http://localhost:8233'),
});

export const workerSchema = baseSchema.extend({
  METRICS_PORT: port.default(9465),
  /** Serves /health/live and /health/ready (Kubernetes probes) on this port; unset: no health server. */
  HEALTH_PORT: port.optional(),
  /** Comma-separated task queues this process serves: orders, migration. */
  WORKER_TASK_QUEUES: z.string().default('orders,migration'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.default(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.default(40),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: positiveInt.default(100),
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt.default(2000),
  /** Worker start-up from the prebuilt bundle (production) or from source (development). */
  WORKFLOW_BUNDLE_PATH: z.string().default(''),
  PAYMENT_LATENCY_MS: nonNegativeInt.default(50),
  CARRIER_LATENCY_MS: nonNegativeInt.default(50),
  CARRIER_SHIP_AFTER_MS: nonNegativeInt.default(5000),
  CARRIER_DELIVER_AFTER_MS: nonNegativeInt.default(10000),
  CARRIER_MODE: z.enum(['auto', 'manual']).default('auto'),
  CARRIER_POLL_MS: positiveInt.default(250),
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
});

export type BaseConfig = z.infer<typeof baseSchema>;
export type ApiConfig = z.infer<typeof apiSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;

export class ConfigError extends Error {}

/** Parses `env` with `schema`; the first problem becomes one line naming the variable. */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings mean "not set", so `FOO= ./dev up` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue.path[0] ?? 'environment');
  const value = cleaned[name];
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(redact(name, value))})`;
  throw new ConfigError(`invalid configuration: ${name} ${issue.message}${shown}`);
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
