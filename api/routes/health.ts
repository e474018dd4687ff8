// Liveness (the process answers) and readiness (PostgreSQL and Temporal answer). Redis is
// reported but not required: the API serves without it (cache, limits and idempotency degrade),
// so a Redis outage must not take every instance out of the load balancer at once.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { check } from '../../runtime/health-check';
import type { ApiDeps, AppEnv } from '../deps';

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
  summary: 'PostgreSQL and Temporal answer (Redis is reported, not required)',
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: Readiness } } },
    503: { description: 'PostgreSQL or Temporal failed; its check says which', content: { 'application/json': { schema: Readiness } } },
  },
});

export function healthRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(live, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(ready, async (c) => {
    const [postgres, redis, temporal] = await Promise.all([
      check(() => deps.dataSource.query('SELECT 1')),
      check(() => deps.redis.ping()),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ok = postgres.status === 'ok' && temporal.status === 'ok';
    const body = { status: ok ? ('ok' as const) : ('fail' as const), checks: { postgres, redis, temporal } };
    return ok ? c.json(body, 200) : c.json(body, 503);
  });
  return app;
}
