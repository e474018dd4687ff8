// The HTTP API against a bare Hono route, with autocannon, in one run.
//
//   npx tsx bench/api.ts [--duration 10] [--connections 50] [--only cached,uncached,list,strong,create]
//
// --only runs the floor and the named scenarios (for iterating); ratios against a scenario left
// out are not printed. --cpu-prof DIR writes a V8 CPU profile of the API process there.
//
// Three child processes, so autocannon (here) does not share an event loop with what it measures:
// the API (`api/main.ts`, LOG_LEVEL=warn, the rate limit raised for the bench client), an order
// worker (bench/order-worker-process.ts: simulators at zero latency, manual carrier) and the
// floor (bench/bare-hono.ts). Everything lives in a PostgreSQL schema of the run's own, seeded
// with enough orders that the uncached scenario reads a different order on every request.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { ORDER_WORKFLOW_TYPE, orderWorkflowStartOptions, placeOrderUpdate } from '../workflows/order-definitions';
import { startChild, stopChild, waitForLine } from './child-process';
import { BENCH_ADDRESS, benchLines, type Catalogue, freePort, log, ms, openBenchDatabase, parseFlags, rate, ratio, seedCatalogue, services, table, terminateRunning } from './support';

const flags = parseFlags(process.argv.slice(2), {
  duration: 10,
  connections: 50,
  'seed-orders': 40000,
  'live-orders': 20,
  'keep-schema': false,
  only: '',
  'cpu-prof': '',
});

const SCENARIOS = ['cached', 'uncached', 'list', 'strong', 'create'] as const;
const only = String(flags.only).split(',').map((s) => s.trim()).filter(Boolean);
for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--only: unknown scenario ${name} (known: ${SCENARIOS.join(', ')})`);
const runs = (name: (typeof SCENARIOS)[number]) => only.length === 0 || only.includes(name);

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Orders straight into the projection (two lines each), for reads: `count` of them, PROCESSING. */
async function seedOrders(dataSource: DataSource, catalogue: Catalogue, count: number): Promise<string[]> {
  const rows: { id: string }[] = await dataSource.query(
    `WITH made AS (
       INSERT INTO orders (id, status, customer_id, shipping_address, subtotal, discount, shipping, tax, total, invoice_revision, event_seq, created_at, updated_at)
       SELECT gen_random_uuid(), 'PROCESSING', $1, $2::jsonb, 3600, 0, 750, 0, 4350, 1, 4,
              now() - (g * interval '1 second'), now() - (g * interval '1 second')
         FROM generate_series(1, $3) AS g
       RETURNING id)
     SELECT id FROM made`,
    [catalogue.customerId, JSON.stringify(BENCH_ADDRESS), count],
  );
  const ids = rows.map((r) => r.id);
  await dataSource.query(
    `INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price, unit_price_decimal, discount_pct, amount)
     SELECT o.id, l.line_no, l.sku, 1, l.price, l.price / 100.0, 0, l.price
       FROM unnest($1::uuid[]) AS o(id)
       CROSS JOIN (VALUES (1, $2::varchar, 1050), (2, $3::varchar, 2550)) AS l(line_no, sku, price)`,
    [ids, catalogue.skus[0], catalogue.skus[1]],
  );
  return ids;
}

interface Scenario {
  name: string;
  url: string;
  requests: autocannon.Request[];
  headers?: Record<string, string>;
}

interface Figures {
  name: string;
  reqPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function measure(scenario: Scenario): Promise<Figures> {
  const result = await autocannon({
    url: scenario.url,
    connections: Number(flags.connections),
    duration: Number(flags.duration),
    headers: scenario.headers,
    requests: scenario.requests,
  });
  if (result.non2xx > 0) log(`  ${scenario.name}: status codes ${JSON.stringify(result.statusCodeStats)}`);
  const figures = {
    name: scenario.name,
    reqPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  log(`  ${scenario.name}: ${rate(figures.reqPerSecond)} req/s, p50 ${ms(figures.p50)}, p99 ${ms(figures.p99)}${figures.non2xx ? `, ${figures.non2xx} non-2xx` : ''}${figures.errors ? `, ${figures.errors} errors` : ''}`);
  return figures;
}

async function main(): Promise<void> {
  const connections = Number(flags.connections);
  const db = await openBenchDatabase({ prefix: 'bench_api', poolSize: 10 });
  const children: ChildProcess[] = [];
  const clientConnection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection: clientConnection });
  const taskQueue = `bench-api-${randomUUID().slice(0, 8)}`;
  try {
    const catalogue = await seedCatalogue(db.dataSource, { products: 10, stock: 10_000_000 });
    const seeded = await seedOrders(db.dataSource, catalogue, Number(flags['seed-orders']));

    const [apiPort, metricsPort, floorPort] = [await freePort(), await freePort(), await freePort()];
    const shared = { DATABASE_URL: db.url, REDIS_URL: services.redisUrl, TEMPORAL_ADDRESS: services.temporalAddress };
    const worker = startChild('worker', 'bench/order-worker-process.ts', { ...shared, BENCH_TASK_QUEUE: taskQueue });
    children.push(worker);
    const workerReady = waitForLine(worker, 'worker ready');
    const apiChild = startChild('api', 'api/main.ts', {
      ...shared,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      ORDERS_TASK_QUEUE: taskQueue,
      RATE_LIMIT_PER_MINUTE: '100000000',
    }, { nodeArgs: flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(String(flags['cpu-prof']))}`] : [] });
    const floorChild = startChild('floor', 'bench/bare-hono.ts', { PORT: String(floorPort) });
    children.push(apiChild, floorChild);
    // Nobody reads what these two print; flowing, their output never fills the pipe.
    apiChild.stdout?.resume();
    floorChild.stdout?.resume();
    const api = `http://127.0.0.1:${apiPort}`;
    await waitFor('the API', async () => (await fetch(`${api}/health/live`)).ok);
    await waitFor('the floor', async () => (await fetch(`http://127.0.0.1:${floorPort}/`)).ok);
    await workerReady;

    const tokenResponse = await fetch(`${api}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'dev-client', client_secret: 'dev-secret', scope: 'orders:read orders:write' }),
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const auth = { Authorization: `Bearer ${token}`, Accept: 'application/vnd.api+json' };

    // Orders with a running workflow, for the strong reads (the manual carrier keeps them PROCESSING).
    const live: string[] = [];
    for (let i = 0; i < Number(flags['live-orders']); i++) {
      const orderId = randomUUID();
      const order = { orderId, customerId: catalogue.customerId, lines: benchLines(catalogue.skus, i), shippingAddress: BENCH_ADDRESS, payment: { token: 'tok_ok' } };
      const startWorkflowOperation = new WithStartWorkflowOperation(ORDER_WORKFLOW_TYPE, orderWorkflowStartOptions({ order }, taskQueue));
      await client.workflow.executeUpdateWithStart(placeOrderUpdate, { updateId: randomUUID(), startWorkflowOperation });
      live.push(orderId);
    }
    await waitFor(
      'live orders PROCESSING',
      async () => Number((await db.dataSource.query(`SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'PROCESSING'`, [live]))[0].n) === live.length,
    );

    const cachedId = seeded[0];
    expectOk(await fetch(`${api}/v1/orders/${cachedId}`, { headers: auth }));
    let nextUncached = 1;
    let nextLive = 0;
    const body = JSON.stringify({
      data: { type: 'orders', attributes: { customerId: catalogue.customerId, lines: benchLines(catalogue.skus, 0), shippingAddress: BENCH_ADDRESS, payment: { token: 'tok_ok' } } },
    });

    log(`ordersaga HTTP benchmark: ${flags.duration} s per scenario, ${connections} connections; ${cpus().length} cores; API, worker and floor in child processes`);
    const floor = await measure({ name: 'bare Hono route (floor)', url: `http://127.0.0.1:${floorPort}`, requests: [{ method: 'GET', path: '/' }] });
    const cached = runs('cached') ? await measure({ name: 'GET /v1/orders/{id} cached', url: api, headers: auth, requests: [{ method: 'GET', path: `/v1/orders/${cachedId}` }] }) : undefined;
    const uncached = runs('uncached')
      ? await measure({
          name: 'GET /v1/orders/{id} uncached',
          url: api,
          headers: auth,
          // A different order every request: both cache layers miss, PostgreSQL answers.
          requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1/orders/${seeded[nextUncached++ % seeded.length]}` }) }],
        })
      : undefined;
    const list = runs('list') ? await measure({ name: 'GET /v1/orders (first page)', url: api, headers: auth, requests: [{ method: 'GET', path: '/v1/orders' }] }) : undefined;
    const strong = runs('strong')
      ? await measure({
          name: 'GET /v1/orders/{id}?consistency=strong',
          url: api,
          headers: auth,
          requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1/orders/${live[nextLive++ % live.length]}?consistency=strong` }) }],
        })
      : undefined;
    const create = runs('create')
      ? await measure({
          name: 'POST /v1/orders',
          url: api,
          headers: { ...auth, 'Content-Type': 'application/vnd.api+json' },
          requests: [{ method: 'POST', path: '/v1/orders', body, setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'Idempotency-Key': randomUUID() } }) }],
        })
      : undefined;
    if (uncached && uncached.reqPerSecond * Number(flags.duration) > seeded.length) log(`  (uncached ran past ${seeded.length} seeded orders: later reads were cache hits; raise --seed-orders)`);

    const all = [floor, cached, uncached, list, strong, create].filter((f): f is Figures => f !== undefined);
    log('');
    log(
      table(
        ['scenario', 'req/s', 'p50', 'p99', 'of floor', 'non-2xx'],
        all.map((f) => [f.name, rate(f.reqPerSecond), ms(f.p50), ms(f.p99), ratio(f.reqPerSecond / floor.reqPerSecond), String(f.non2xx + f.errors)]),
      ),
    );
    log('');
    if (cached) log(`cached read / floor: ${ratio(cached.reqPerSecond / floor.reqPerSecond)} (target >= 0.40), cached p99 ${ms(cached.p99)} (target < 25 ms)`);
    if (strong && uncached && cached) {
      log(`projection read / strong read: ${ratio(uncached.reqPerSecond / strong.reqPerSecond)} uncached, ${ratio(cached.reqPerSecond / strong.reqPerSecond)} cached (target >= 10)`);
    }
  } finally {
    // The orders left open (strong reads, POSTs) end with the run; visibility lags, so until none is left.
    for (let pass = 0; pass < 10; pass++) {
      if ((await terminateRunning(client, taskQueue)) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    for (const child of children) await stopChild(child);
    await clientConnection.close();
    await db.close({ keep: Boolean(flags['keep-schema']) });
  }
}

function expectOk(res: Response): void {
  if (!res.ok) throw new Error(`warming the cache: ${res.status}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`API benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
