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
  temporal: Client;
  metrics: Registry;
}

export type AppEnv = { Variables: { requestId: string; deps: ApiDeps } };
