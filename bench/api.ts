// The HTTP API against a bare Hono route, with autocannon, in one run.
//
//   npx tsx bench/api.ts [--duration 5] [--rounds 3] [--connections 50] [--only cached,uncached,list,strong,create]
//
// --only runs the floor and the named scenarios (for iterating); ratios against a scenario left
// out are not printed. --cpu-prof DIR writes a V8 CPU profile of the API process there.
//
// This machine's throughput drifts from one minute to the next (the floor alone gave 25,000 to
// 56,000 req/s), so one run of each scenario says little about a ratio. The run goes in
// rounds instead: each round measures the floor, then every scenario, and a scenario's ratio is
// taken against the floor of its own round. The tables print each round and the median of all.
// "CPU per request" is the serving process's CPU time (from /proc) over the requests it answered.
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
import { startChild, stopChild, waitForLine } from '../scripts/lib/child-process';
import { processCpuSeconds } from './process-stats';
import { BENCH_ADDRESS, benchLines, type Catalogue, freePort, log, ms, openBenchDatabase, parseFlags, rate, ratio, seedCatalogue, services, table, terminateRunning } from './support';

const flags = parseFlags(process.argv.slice(2), {
  duration: 5,
  rounds: 3,
  connections: 50,
  // 0: 25,000 per round, enough for an uncached read of its own at 5,000 req/s for 5 s.
  'seed-orders': 0,
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
       INSERT INTO orders (id, storefront, status, customer_id, shipping_address, subtotal, discount, shipping, tax, total, invoice_revision, event_seq, created_at, updated_at)
       SELECT gen_random_uuid(), 'dev', 'PROCESSING', $1, $2::jsonb, 3600, 0, 750, 0, 4350, 1, 4,
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
  /** The process serving it, whose CPU time per request is reported. */
  pid: number;
}

interface Figures {
  name: string;
  reqPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU time of the serving process per request (µs). */
  cpuMicros: number;
}

async function measure(scenario: Scenario): Promise<Figures> {
  const cpuBefore = processCpuSeconds(scenario.pid);
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
    cpuMicros: ((processCpuSeconds(scenario.pid) - cpuBefore) * 1e6) / result.requests.total,
  };
  log(`  ${scenario.name}: ${rate(figures.reqPerSecond)} req/s, p50 ${ms(figures.p50)}, p99 ${ms(figures.p99)}, ${figures.cpuMicros.toFixed(0)} µs CPU per request${figures.non2xx ? `, ${figures.non2xx} non-2xx` : ''}${figures.errors ? `, ${figures.errors} errors` : ''}`);
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
    const seeded = await seedOrders(db.dataSource, catalogue, Number(flags['seed-orders']) || 25_000 * Number(flags.rounds));

    const [apiPort, metricsPort, floorPort] = [await freePort(), await freePort(), await freePort()];
    const shared = { DATABASE_URL: db.url, REDIS_URL: services.redisUrl, TEMPORAL_ADDRESS: services.temporalAddress };
    const worker = startChild('worker', 'bench/order-worker-process.ts', { env: { ...shared, BENCH_TASK_QUEUE: taskQueue } });
    children.push(worker);
    const workerReady = waitForLine(worker, 'worker ready');
    const apiChild = startChild('api', 'api/main.ts', {
      env: {
        ...shared,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        API_PORT: String(apiPort),
        API_HOST: '127.0.0.1',
        METRICS_PORT: String(metricsPort),
        ORDERS_TASK_QUEUE: taskQueue,
        RATE_LIMIT_PER_MINUTE: '100000000',
      },
      nodeArgs: flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(String(flags['cpu-prof']))}`] : [],
    });
    const floorChild = startChild('floor', 'bench/bare-hono.ts', { env: { PORT: String(floorPort) } });
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

    const rounds = Number(flags.rounds);
    log(`ordersaga HTTP benchmark: ${rounds} rounds of ${flags.duration} s per scenario, ${connections} connections; ${cpus().length} cores; API, worker and floor in child processes`);
    const all: (Scenario & { key: (typeof SCENARIOS)[number] | 'floor' })[] = [
      { key: 'floor', name: 'bare Hono route (floor)', url: `http://127.0.0.1:${floorPort}`, pid: floorChild.pid!, requests: [{ method: 'GET', path: '/' }] },
      { key: 'cached', name: 'GET /v1/orders/{id} cached', url: api, pid: apiChild.pid!, headers: auth, requests: [{ method: 'GET', path: `/v1/orders/${cachedId}` }] },
      {
        key: 'uncached',
        name: 'GET /v1/orders/{id} uncached',
        url: api,
        pid: apiChild.pid!,
        headers: auth,
        // A different order every request: both cache layers miss, PostgreSQL answers.
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1/orders/${seeded[nextUncached++ % seeded.length]}` }) }],
      },
      { key: 'list', name: 'GET /v1/orders (first page)', url: api, pid: apiChild.pid!, headers: auth, requests: [{ method: 'GET', path: '/v1/orders' }] },
      {
        key: 'strong',
        name: 'GET /v1/orders/{id}?consistency=strong',
        url: api,
        pid: apiChild.pid!,
        headers: auth,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1/orders/${live[nextLive++ % live.length]}?consistency=strong` }) }],
      },
      {
        key: 'create',
        name: 'POST /v1/orders',
        url: api,
        pid: apiChild.pid!,
        headers: { ...auth, 'Content-Type': 'application/vnd.api+json' },
        requests: [{ method: 'POST', path: '/v1/orders', body, setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'Idempotency-Key': randomUUID() } }) }],
      },
    ];
    const scenarios = all.filter((scenario) => scenario.key === 'floor' || runs(scenario.key));

    // figures[round][scenario index]; ratios against the floor of the same round.
    const figures: Figures[][] = [];
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round} of ${rounds}`);
      const measured: Figures[] = [];
      for (const scenario of scenarios) {
        measured.push(await measure(scenario));
        // The POSTed orders' sagas run on after the scenario: let them reach PROCESSING (where the
        // manual carrier parks them) before the next round's floor shares the cores with them.
        if (scenario.key === 'create') {
          await waitFor('POSTed orders settled', async () => Number((await db.dataSource.query(`SELECT count(*) AS n FROM orders WHERE status = 'PENDING'`))[0].n) === 0, 120_000);
        }
      }
      figures.push(measured);
    }
    if (runs('uncached') && nextUncached > seeded.length) log(`  (uncached ran past ${seeded.length} seeded orders: later reads were cache hits; raise --seed-orders)`);

    const summary = scenarios.map((scenario, i) => {
      const of = (pick: (f: Figures, floor: Figures) => number) => median(figures.map((round) => pick(round[i], round[0])));
      return {
        key: scenario.key,
        name: scenario.name,
        reqPerSecond: of((f) => f.reqPerSecond),
        p50: of((f) => f.p50),
        p99: of((f) => f.p99),
        cpuMicros: of((f) => f.cpuMicros),
        ofFloor: of((f, floor) => f.reqPerSecond / floor.reqPerSecond),
        failed: figures.reduce((sum, round) => sum + round[i].non2xx + round[i].errors, 0),
        byRound: figures.map((round) => round[i].reqPerSecond),
      };
    });
    log('');
    log(`median of ${rounds} rounds (of floor: the median of each round's ratio)`);
    log(
      table(
        ['scenario', 'req/s', 'p50', 'p99', 'CPU µs/req', 'of floor', 'of floor by round', 'non-2xx'],
        summary.map((f) => [f.name, rate(f.reqPerSecond), ms(f.p50), ms(f.p99), f.cpuMicros.toFixed(0), ratio(f.ofFloor), f.byRound.map((r, round) => ratio(r / summary[0].byRound[round])).join(' '), String(f.failed)]),
      ),
    );
    log('');
    const get = (key: string) => summary.find((f) => f.key === key);
    const [cached, uncached, strong] = [get('cached'), get('uncached'), get('strong')];
    if (cached) log(`cached read / floor: ${ratio(cached.ofFloor)} (target >= 0.40), cached p99 ${ms(cached.p99)} (target < 25 ms)`);
    if (strong && uncached && cached) {
      const overStrong = (f: typeof cached) => ratio(median(f.byRound.map((r, round) => r / strong.byRound[round])));
      log(`projection read / strong read: ${overStrong(uncached)} uncached, ${overStrong(cached)} cached (target >= 10)`);
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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
