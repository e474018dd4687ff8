// Liveness (the process answers) and readiness (PostgreSQL, Redis and Temporal all answer).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiDeps, AppEnv } from '../deps';

const CHECK_TIMEOUT_MS = 2000;

const Check = z.object({ status: z.enum(['ok', 'fail']), detail: z.string().optional() });
const Readiness = z
  .object({ status: z.enum(['ok', 'fail']), checks: z.object({ postgres: Check, redis: Check, temporal: Check }) })
  .openapi('Readiness');

const live = createRoute({
  method: 'get',
  path: '/live',
  tags: ['health'],
  summary: 'The process is up',
  responses: { 200: { description: 'alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['health'],
  summary: 'PostgreSQL, Redis and Temporal all answer',
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: Readiness } } },
    503: { description: 'a dependency failed; its check says which', content: { 'application/json': { schema: Readiness } } },
  },
});

async function check(probe: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'fail', detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(live, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(ready, async (c) => {
    const [postgres, redis, temporal] = await Promise.all([
      check(() => deps.dataSource.query('SELECT 1')),
      check(() => deps.redis.ping()),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ok = postgres.status === 'ok' && redis.status === 'ok' && temporal.status === 'ok';
    const body = { status: ok ? ('ok' as const) : ('fail' as const), checks: { postgres, redis, temporal } };
    return ok ? c.json(body, 200) : c.json(body, 503);
  });
  return app;
}
