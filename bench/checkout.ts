// Checkouts as a storefront's clients get them: the whole stack as `./dev up` runs it (API, worker,
// Temporal dev server, PostgreSQL, Redis), driven only through the HTTP API.
//
//   RATE_LIMIT_PER_MINUTE=1000000 ./dev up        # the per-client rate limit lifted
//   npx tsx bench/checkout.ts [--orders 400] [--clients 25,50] [--steady-rate 5] [--steady-seconds 30]
//
// 1. Flash sale, once per --clients value: --orders orders placed by that many concurrent clients,
//    each POST /v1/orders and then GET every --poll-ms until the order is PROCESSING. Prints
//    orders/s, POST-to-PROCESSING percentiles and the answers that were not 202. The first round's
//    orders are then followed (GET once a second) until DELIVERED.
// 2. Steady: --steady-rate orders a second offered for --steady-seconds (open loop), each followed
//    to PROCESSING: the latency a shopper sees when the stack is not saturated.
// Per process, CPU ms per order recorded (answered 202 or not: an order answered 503 was started and
// runs all the same; from /proc: the process and its children) while placing and until
// DELIVERED, PostgreSQL statements per order (pg_stat_statements), Redis commands per order, and
// the history of a sample of delivered orders (events, workflow tasks, markers, activities,
// search-attribute upserts, signals) from Temporal.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { orderWorkflowId } from '../domain/ids';
import { ROOT } from '../scripts/lib/child-process';
import { stackProcesses, treeCpuSeconds, type StackProcess } from './stack-processes';
import { BENCH_ADDRESS, log, ms, parseFlags, percentile, rate, table } from './support';

const flags = parseFlags(process.argv.slice(2), {
  orders: 400,
  clients: '25,50',
  'poll-ms': 100,
  'steady-rate': 5,
  'steady-seconds': 30,
  'history-sample': 20,
  'delivered-timeout-s': 300,
  /** also write the figures to this file (bench/stacks.ts reads it) */
  json: '',
});

// API_URLS (the cluster's several API processes): clients are spread over them, one each in turn.
const API_URLS = (process.env.API_URLS ?? process.env.API_URL ?? 'http://127.0.0.1:3000').split(',');
const STATE = process.env.STACK_STATE ?? path.join(ROOT, '.dev/up');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://ordersaga:ordersaga@127.0.0.1:5433/ordersaga';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6380';
const TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const JSON_API = 'application/vnd.api+json';

let token = '';

/** The parts of a JSON:API answer the bench reads. */
interface ApiBody {
  data: { id: string; attributes: { status: string } };
}

async function call(api: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: ApiBody }> {
  const res = await fetch(`${api}${url}`, {
    method,
    headers: { Accept: JSON_API, Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': JSON_API } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as ApiBody };
}

async function authenticate(): Promise<void> {
  const res = await fetch(`${API_URLS[0]}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: process.env.BENCH_CLIENT_ID ?? 'dev-client',
      client_secret: process.env.BENCH_CLIENT_SECRET ?? 'dev-secret',
    }),
  });
  if (res.status !== 200) throw new Error(`POST /oauth/token answered ${res.status}: is the stack up (./dev up) and the client right?`);
  token = ((await res.json()) as { access_token: string }).access_token;
}

interface Catalogue {
  customerId: string;
  skus: string[];
}

async function seed(stock: number): Promise<Catalogue> {
  const run = randomUUID().slice(0, 8);
  const customer = await call(API_URLS[0], 'POST', '/v1/customers', { data: { type: 'customers', attributes: { name: 'Bench Buyer', email: `bench-${run}@example.com`, tier: 'G', country: 'US' } } });
  if (customer.status !== 201) throw new Error(`creating the customer answered ${customer.status}: ${JSON.stringify(customer.body)}`);
  const skus: string[] = [];
  for (let i = 0; i < 5; i++) {
    const sku = `BENCH-${run}-${i}`;
    const product = await call(API_URLS[0], 'POST', '/v1/products', { data: { type: 'products', attributes: { sku, name: `Bench product ${i}`, unitPrice: 1999 + i * 100, onHand: stock } } });
    if (product.status !== 201) throw new Error(`creating ${sku} answered ${product.status}: ${JSON.stringify(product.body)}`);
    skus.push(sku);
  }
  return { customerId: customer.body.data.id, skus };
}

function orderRequest(catalogue: Catalogue, n: number) {
  const lines = [0, 1].map((k) => ({ sku: catalogue.skus[(n + k) % catalogue.skus.length], quantity: 1 + ((n + k) % 2) }));
  const { line2: _none, ...address } = BENCH_ADDRESS;
  return { data: { type: 'orders', attributes: { customerId: catalogue.customerId, lines, shippingAddress: address, payment: { token: 'tok_ok' } } } };
}

const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

interface Placed {
  orderId: string | null;
  /** POST sent to PROCESSING seen, ms; null when it never got there */
  latency: number | null;
  status: number;
}

/** POSTs one order and polls it until it is PROCESSING (or further on); never throws. */
async function placeAndFollow(api: string, catalogue: Catalogue, n: number): Promise<Placed> {
  const started = performance.now();
  try {
    const res = await call(api, 'POST', '/v1/orders', orderRequest(catalogue, n), { 'Idempotency-Key': randomUUID() });
    if (res.status !== 202) return { orderId: null, latency: null, status: res.status };
    const orderId: string = res.body.data.id;
    let status: string = res.body.data.attributes.status;
    while (status === 'PENDING') {
      await sleep(flags['poll-ms']);
      const read = await call(api, 'GET', `/v1/orders/${orderId}`);
      if (read.status !== 200) return { orderId, latency: null, status: read.status };
      status = read.body.data.attributes.status;
    }
    return { orderId, latency: status === 'PROCESSING' || status === 'SHIPPED' || status === 'DELIVERED' ? performance.now() - started : null, status: 202 };
  } catch (err) {
    log(`  order ${n}: ${(err as Error).message}`);
    return { orderId: null, latency: null, status: 0 };
  }
}

/** What every counter of the stack says right now. */
interface Snapshot {
  at: number;
  cpu: Record<string, number>;
  client: number;
  pgStatements: number | null;
  redisCommands: number;
}

class Counters {
  constructor(
    private readonly processes: StackProcess[],
    private readonly pg: PgClient,
    private readonly redis: Redis,
  ) {}

  async take(): Promise<Snapshot> {
    const usage = process.cpuUsage();
    const stats = await this.redis.info('commandstats');
    const redisCommands = [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    const pgStatements = await this.pg
      .query<{ calls: string }>("SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'")
      .then((rows) => Number(rows.rows[0].calls))
      .catch(() => null); // the server was not started with pg_stat_statements preloaded
    return { at: performance.now(), cpu: treeCpuSeconds(this.processes), client: (usage.user + usage.system) / 1e6, pgStatements, redisCommands };
  }
}

/** CPU ms per order of each process (and in all), statements and commands per order, between two snapshots. */
export type Costs = Record<string, number>;

function costs(from: Snapshot, to: Snapshot, orders: number): Costs {
  const perOrder = (a: number, b: number) => ((b - a) * 1000) / orders;
  const result: Costs = {};
  for (const name of Object.keys(to.cpu)) result[name] = perOrder(from.cpu[name], to.cpu[name]);
  result['all stack processes'] = Object.values(result).reduce((sum, v) => sum + v, 0);
  result['(the bench client itself)'] = perOrder(from.client, to.client);
  result['PostgreSQL statements'] = from.pgStatements === null || to.pgStatements === null ? NaN : (to.pgStatements - from.pgStatements) / orders;
  result['Redis commands'] = (to.redisCommands - from.redisCommands) / orders;
  return result;
}

function costTable(c: Costs): string {
  const rows = Object.entries(c).map(([name, v]) => [name, Number.isNaN(v) ? 'n/a (no pg_stat_statements)' : v.toFixed(1)]);
  return table(['process (CPU ms) / count', 'per order'], rows);
}

function latencyRow(label: string, placed: Placed[], seconds: number): string[] {
  const latencies = placed.map((p) => p.latency).filter((l): l is number => l !== null).sort((a, b) => a - b);
  const answers = new Map<number, number>();
  for (const p of placed) if (p.status !== 202) answers.set(p.status, (answers.get(p.status) ?? 0) + 1);
  const refused = [...answers].map(([status, n]) => `${n}×${status || 'network'}`).join(' ') || 'none';
  return [label, String(placed.length), rate(latencies.length / seconds), ms(percentile(latencies, 50)), ms(percentile(latencies, 95)), ms(percentile(latencies, 99)), refused];
}

const LATENCY_HEADER = ['run', 'orders', 'orders/s to PROCESSING', 'p50', 'p95', 'p99', 'answers not 202'];

async function flashSale(catalogue: Catalogue, clients: number, orders: number): Promise<{ placed: Placed[]; seconds: number }> {
  let next = 0;
  const placed: Placed[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      const api = API_URLS[client % API_URLS.length];
      while (next < orders) placed.push(await placeAndFollow(api, catalogue, next++));
    }),
  );
  return { placed, seconds: (performance.now() - started) / 1000 };
}

async function steady(catalogue: Catalogue, perSecond: number, seconds: number): Promise<Placed[]> {
  const runs: Promise<Placed>[] = [];
  const started = performance.now();
  for (let n = 0; n < perSecond * seconds; n++) {
    const due = started + (n * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    runs.push(placeAndFollow(API_URLS[n % API_URLS.length], catalogue, n));
  }
  return Promise.all(runs);
}

async function untilDelivered(orderIds: string[], timeoutMs: number): Promise<number> {
  const pending = new Set(orderIds);
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const id of [...pending]) {
      const read = await call(API_URLS[0], 'GET', `/v1/orders/${id}`);
      const status = read.body?.data?.attributes?.status;
      if (status === 'DELIVERED' || status === 'CANCELLED' || status === 'REJECTED') pending.delete(id);
    }
    if (pending.size > 0) await sleep(1000);
  }
  return orderIds.length - pending.size;
}

/** The catalogue customer's orders in the projection, but for those in `seen`. */
async function ordersOf(pg: PgClient, customerId: string, seen: Set<string>): Promise<string[]> {
  const rows = await pg.query<{ id: string }>('SELECT id FROM orders WHERE customer_id = $1', [customerId]);
  return rows.rows.map((r) => r.id).filter((id) => !seen.has(id));
}

const HISTORY_KINDS: [string, RegExp][] = [
  ['events', /./],
  ['workflow tasks', /^WORKFLOW_TASK_COMPLETED$/],
  ['local-activity markers', /^MARKER_RECORDED$/],
  ['activities', /^ACTIVITY_TASK_SCHEDULED$/],
  ['search-attribute upserts', /^UPSERT_WORKFLOW_SEARCH_ATTRIBUTES$/],
  ['signals', /^WORKFLOW_EXECUTION_SIGNALED$/],
  ['updates', /^WORKFLOW_EXECUTION_UPDATE_ACCEPTED$/],
];

async function historyShape(client: Client, orderIds: string[]): Promise<Record<string, number>> {
  const totals = new Map<string, number>(HISTORY_KINDS.map(([name]) => [name, 0]));
  for (const id of orderIds) {
    const history = await client.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
    for (const event of history.events ?? []) {
      const name = EVENT_TYPE_NAMES[Number(event.eventType)] ?? '';
      for (const [kind, pattern] of HISTORY_KINDS) if (pattern.test(name)) totals.set(kind, totals.get(kind)! + 1);
    }
  }
  return Object.fromEntries([...totals].map(([kind, n]) => [kind, n / orderIds.length]));
}

const EVENT_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(temporal.api.enums.v1.EventType as unknown as Record<string, number>).map(([name, n]) => [n, name.replace(/^EVENT_TYPE_/, '')]),
);

async function main(): Promise<void> {
  const processes = stackProcesses(STATE);
  if (processes.length < 5) log(`note: found only ${processes.map((p) => p.name).join(', ') || 'no processes'} under ${STATE}; CPU is reported for those`);
  const pg = new PgClient({ connectionString: DATABASE_URL });
  await pg.connect();
  await pg.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined);
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const counters = new Counters(processes, pg, redis);
  const clientCounts = flags.clients.split(',').map(Number).filter((n) => n > 0);
  try {
    await authenticate();
    const catalogue = await seed(flags.orders * (clientCounts.length + 2) * 2 + flags['steady-rate'] * flags['steady-seconds'] * 2);
    log(`stack: ${processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}; API ${API_URLS.join(', ')}`);
    const latencyRows: string[][] = [];
    const result: { latency: string[][]; placing?: Costs; delivered?: Costs; history?: Record<string, number> } = { latency: latencyRows };
    const taken = new Set<string>();
    for (const [round, clients] of clientCounts.entries()) {
      log(`flash sale: ${flags.orders} orders by ${clients} concurrent clients…`);
      const before = await counters.take();
      const { placed, seconds } = await flashSale(catalogue, clients, flags.orders);
      const placedAt = await counters.take();
      latencyRows.push(latencyRow(`${clients} clients`, placed, seconds));
      log(`  done in ${seconds.toFixed(1)} s`);
      if (round > 0) continue;
      // Per order the stack took: an order answered 503 (the update's deadline passed) was started
      // all the same and runs to DELIVERED, so it is counted and followed too.
      const ok = await ordersOf(pg, catalogue.customerId, taken);
      for (const id of ok) taken.add(id);
      log(`  ${ok.length} orders recorded (${placed.filter((p) => p.orderId !== null).length} answered 202)`);
      result.placing = costs(before, placedAt, ok.length);
      log(`  CPU while placing (${ok.length} orders):\n${costTable(result.placing)}`);
      log(`  following the ${ok.length} orders until DELIVERED…`);
      const done = await untilDelivered(ok, flags['delivered-timeout-s'] * 1000);
      const deliveredAt = await counters.take();
      log(`  ${done} of ${ok.length} orders DELIVERED ${((deliveredAt.at - before.at) / 1000).toFixed(0)} s after the first POST`);
      result.delivered = costs(before, deliveredAt, ok.length);
      result.history = await historyShape(client, ok.slice(0, flags['history-sample']));
    }
    if (flags['steady-rate'] > 0 && flags['steady-seconds'] > 0) {
      log(`steady: ${flags['steady-rate']} orders/s offered for ${flags['steady-seconds']} s…`);
      const placed = await steady(catalogue, flags['steady-rate'], flags['steady-seconds']);
      latencyRows.push(latencyRow(`steady ${flags['steady-rate']}/s`, placed, flags['steady-seconds']));
    }
    console.log(`\nPOST to PROCESSING, through the API (poll every ${flags['poll-ms']} ms):\n${table(LATENCY_HEADER, latencyRows)}`);
    if (result.delivered && result.placing && result.history) {
      console.log(`\nCPU while placing (POST to PROCESSING):\n${costTable(result.placing)}`);
      console.log(`\nCPU from POST to DELIVERED (the clients' polling included):\n${costTable(result.delivered)}`);
      console.log(`\n${table(['history of a delivered order', 'per order'], Object.entries(result.history).map(([k, v]) => [k, v.toFixed(1)]))}`);
    }
    if (flags.json) writeFileSync(flags.json, JSON.stringify(result, null, 2));
  } finally {
    await pg.end();
    redis.disconnect();
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
