// The worker's health endpoints for Kubernetes probes, on HEALTH_PORT: GET /health/live (the
// process answers) and GET /health/ready (every Temporal worker of the process is running and
// PostgreSQL answers). A worker draining after SIGTERM is no longer ready, while it stays live, so
// a rollout or a PodDisruptionBudget counts it as gone while it finishes its in-flight tasks.
import { createServer, type Server } from 'node:http';
import type { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { check, type CheckResult } from '../runtime/health-check';

export interface WorkerReadiness {
  status: 'ok' | 'fail';
  checks: { workers: CheckResult; postgres: CheckResult };
}

export async function workerReadiness(workers: readonly Worker[], dataSource: DataSource): Promise<WorkerReadiness> {
  const states = workers.map((w) => `${w.options.taskQueue}: ${w.getState()}`);
  const running = workers.length > 0 && workers.every((w) => w.getState() === 'RUNNING');
  const workerCheck: CheckResult = running ? { status: 'ok', detail: states.join(', ') } : { status: 'fail', detail: states.join(', ') || 'no worker' };
  const postgres = await check(() => dataSource.query('SELECT 1'));
  const ok = workerCheck.status === 'ok' && postgres.status === 'ok';
  return { status: ok ? 'ok' : 'fail', checks: { workers: workerCheck, postgres } };
}

export async function serveWorkerHealth(options: { port: number; host?: string; workers: readonly Worker[]; dataSource: DataSource }): Promise<Server> {
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET') return json(405, { status: 'fail', detail: 'GET only' });
    if (req.url === '/health/live') return json(200, { status: 'ok' });
    if (req.url === '/health/ready') {
      workerReadiness(options.workers, options.dataSource).then(
        (body) => json(body.status === 'ok' ? 200 : 503, body),
        (err: Error) => json(503, { status: 'fail', detail: err.message }),
      );
      return;
    }
    json(404, { status: 'fail', detail: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return server;
}
