// What the API needs from the outside world, handed to `createApp` once.
import type { Client } from '@temporalio/client';
import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { ApiConfig } from '../runtime/config';
import type { Logger } from '../runtime/logger';

export interface ApiDeps {
  config: ApiConfig;
  logger: Logger;
  dataSource: DataSource;
  /** Created with `enableOfflineQueue: false`: a Redis outage fails fast instead of hanging requests. */
  redis: Redis;
  /**
   * A second connection for pub/sub (a subscribed connection can run nothing else): order events
   * wake SSE streams and evict the in-process cache. Optional: without it streams poll
   * PostgreSQL and the in-process cache layer is off. Same options as `redis`.
   */
  redisSubscriber?: Redis;
  temporal: Client;
  metrics: Registry;
}

/** Who is calling: the verified token's client, scopes and storefront (api/auth.ts). */
export interface Principal {
  clientId: string;
  scopes: ReadonlySet<string>;
  storefront: string;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: ApiDeps;
    /** Set by the authentication middleware on /v1 routes. */
    principal?: Principal;
    /** Set by the idempotency middleware when the request carries an Idempotency-Key. */
    idempotencyKey?: string;
  };
};
