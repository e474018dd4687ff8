// The worker's health endpoints (the Kubernetes probes): live while the process answers, ready
// while its Temporal worker runs and PostgreSQL answers; a draining worker is live but not ready.
import type { AddressInfo, Server } from 'node:net';
import { openTestDataSource } from '../support/db';
import { SagaTestBed } from '../support/temporal';
import { serveWorkerHealth } from '../../workers/health';

const bed = new SagaTestBed('health');
let server: Server | undefined;

beforeAll(() => bed.start());
afterAll(async () => {
  server?.close();
  await bed.stop();
});

type Health = { status: string; detail?: string; checks?: Record<string, { status: string; detail?: string }> };

async function get(path: string): Promise<{ status: number; body: Health }> {
  const { port } = server!.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as Health };
}

describe('worker health endpoints', () => {
  it('answers live and ready while the worker polls; ready fails while it drains, naming the worker state', async () => {
    server = await serveWorkerHealth({ port: 0, host: '127.0.0.1', workers: [bed.worker!.worker], dataSource: bed.dataSource });
    expect(await get('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ workers: { status: 'ok', detail: `${bed.taskQueue}: RUNNING` }, postgres: { status: 'ok' } });

    const stopped = bed.worker!.stop();
    const draining = await get('/health/ready');
    expect(draining.status).toBe(503);
    expect(draining.body.checks?.workers).toEqual({ status: 'fail', detail: expect.stringMatching(new RegExp(`^${bed.taskQueue}: (STOPPING|DRAINING|DRAINED|STOPPED)$`)) });
    expect((await get('/health/live')).status).toBe(200);
    await stopped;
    server.close();
  });

  it('is not ready when PostgreSQL does not answer', async () => {
    await bed.startWorker();
    const lost = await openTestDataSource({ poolSize: 1 });
    await lost.destroy();
    server = await serveWorkerHealth({ port: 0, host: '127.0.0.1', workers: [bed.worker!.worker], dataSource: lost });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks?.workers.status).toBe('ok');
    expect(ready.body.checks?.postgres.status).toBe('fail');
    expect(await get('/nope')).toEqual({ status: 404, body: { status: 'fail', detail: 'not found' } });
  });
});
