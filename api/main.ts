// The API process: validated settings, connections, the HTTP server, metrics and a graceful stop.
import 'reflect-metadata';
import { createServer } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { createDataSource, hearLostSessions } from '../entities/data-source';
import { apiSchema, loadConfig } from '../runtime/config';
import { createDataConverter } from '../runtime/data-converter';
import { createLogger } from '../runtime/logger';
import { createMetricsRegistry, serveMetrics } from '../runtime/metrics';
import { onShutdown } from '../runtime/shutdown';
import { createApp } from './app';

async function main() {
  const config = loadConfig(apiSchema);
  const logger = createLogger('api', config.LOG_LEVEL);
  const metrics = createMetricsRegistry('api');

  const dataSource = createDataSource(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  await dataSource.initialize();
  hearLostSessions(dataSource, (err) => logger.warn({ err: err.message }, 'postgres session lost'));
  // No offline queue and few retries: while Redis is away, commands fail at once.
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis'));
  // A subscribed connection can run nothing else: live events get a connection of their own.
  const redisSubscriber = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redisSubscriber.on('error', (err) => logger.warn({ err: err.message }, 'redis subscriber'));
  // Connection.lazy: the API starts (and reports Temporal as failing) while Temporal is down.
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  // The same payload encryption as the workers: both sides must read what the other writes.
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: createDataConverter(config) });

  const app = createApp({ config, logger, dataSource, redis, redisSubscriber, temporal, metrics });
  const server = createServer(app.requestListener()).listen(config.API_PORT, config.API_HOST);
  const metricsServer = await serveMetrics(metrics, config.METRICS_PORT);
  logger.info({ port: config.API_PORT, metricsPort: config.METRICS_PORT }, 'api listening');

  onShutdown(logger, [
    { name: 'http', run: () => new Promise<void>((resolve) => server.close(() => resolve())) },
    { name: 'metrics', run: () => new Promise<void>((resolve) => metricsServer.close(() => resolve())) },
    { name: 'temporal', run: () => connection.close() },
    { name: 'redis', run: () => Promise.all([redis.quit(), redisSubscriber.quit()]) },
    { name: 'postgres', run: () => dataSource.destroy() },
  ]);
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
