// The fault drill (`./dev drill [--orders 300] [--short]`, through scripts/drill.sh, which starts
// PostgreSQL, Redis and the Temporal dev server on ports of their own and hands us their
// addresses). This process starts the worker and the API as child processes, creates a few hundred
// orders through the HTTP API (OAuth dev client, an Idempotency-Key per order, tok_ok / tok_decline /
// tok_flaky_1, some cancelled with DELETE, some POSTed twice), and meanwhile: SIGKILLs the worker
// several times (restarting it), restarts the Temporal dev server once (same database file),
// stops Redis for a while and then PostgreSQL. Every HTTP answer is recorded. Afterwards it waits
// for the orders to settle (retrying parked ones as an operator would), checks the invariants
// against PostgreSQL and Temporal, prints one line per invariant and the figures, and exits 1 when
// any invariant is violated.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { ORDER_WORKFLOW_TYPE, OrderSearchAttributes } from '../workflows/order-definitions';

// ---------------------------------------------------------------- settings

const ROOT = path.resolve(__dirname, '..');
const STATE = process.env.DRILL_STATE ?? path.join(ROOT, '.dev/drill');
const BASE = Number(process.env.DRILL_PORT_BASE ?? 47000);
const API_PORT = BASE + 300;
const API_URL = `http://127.0.0.1:${API_PORT}`;
const DATABASE_URL = process.env.DATABASE_URL ?? `postgres://ordersaga:ordersaga@127.0.0.1:${BASE + 433}/ordersaga`;
const TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${BASE + 233}`;
const TERMINAL = new Set(['DELIVERED', 'REJECTED', 'CANCELLED']);

/**
 * How long after a fault ends a 503 still counts as caused by it. Activities that were running
 * when the worker or the Temporal server went away are retried only once their 30 s
 * start-to-close timeout passes (the projection steps have no heartbeat), and an order whose
 * placement waits for such a retry is answered 503 after the API's 5 s deadline until then.
 */
const FAULT_GRACE_MS = 35_000;

interface Profile {
  name: 'full' | 'short';
  orders: number;
  loadSeconds: number;
  faults: { at: number; fault: Fault }[];
  /** After the load: how long the set of unfinished orders may stay unchanged before we stop waiting. */
  stableMs: number;
  settleTimeoutMs: number;
}

type Fault =
  | { kind: 'kill-worker' }
  | { kind: 'restart-temporal'; downMs: number }
  | { kind: 'stop-redis'; downMs: number }
  | { kind: 'stop-postgres'; downMs: number };

function profileFromArgs(argv: string[]): Profile {
  let orders: number | undefined;
  let short = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--short') short = true;
    else if (arg === '--orders') orders = Number(argv[++i]);
    else if (arg.startsWith('--orders=')) orders = Number(arg.slice('--orders='.length));
    else throw new Error(`unknown argument ${arg} (usage: ./dev drill [--orders N] [--short])`);
  }
  if (orders !== undefined && (!Number.isSafeInteger(orders) || orders < 10)) throw new Error('--orders must be a whole number >= 10');
  if (short) {
    return {
      name: 'short',
      orders: orders ?? 60,
      loadSeconds: 34,
      faults: [
        // Redis first, while no other fault's aftermath is around: any 503 then is Redis's fault.
        { at: 3, fault: { kind: 'stop-redis', downMs: 4000 } },
        { at: 10, fault: { kind: 'kill-worker' } },
        { at: 15, fault: { kind: 'restart-temporal', downMs: 3000 } },
        { at: 23, fault: { kind: 'kill-worker' } },
        { at: 27, fault: { kind: 'stop-postgres', downMs: 6000 } },
      ],
      stableMs: 30_000,
      settleTimeoutMs: 120_000,
    };
  }
  return {
    name: 'full',
    orders: orders ?? 300,
    loadSeconds: 150,
    faults: [
      { at: 5, fault: { kind: 'stop-redis', downMs: 15_000 } },
      { at: 25, fault: { kind: 'kill-worker' } },
      { at: 45, fault: { kind: 'restart-temporal', downMs: 8000 } },
      { at: 70, fault: { kind: 'kill-worker' } },
      { at: 90, fault: { kind: 'stop-postgres', downMs: 20_000 } },
      { at: 120, fault: { kind: 'kill-worker' } },
      { at: 133, fault: { kind: 'kill-worker' } },
      { at: 145, fault: { kind: 'kill-worker' } },
    ],
    stableMs: 75_000,
    settleTimeoutMs: 300_000,
  };
}

// ---------------------------------------------------------------- small tools

const started = Date.now();
mkdirSync(STATE, { recursive: true });
/** Everything the drill prints also goes to <state>/drill.log (the test suite's run is read there). */
function out(text: string): void {
  process.stdout.write(text);
  appendFileSync(path.join(STATE, 'drill.log'), text);
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1).padStart(6);
function note(message: string): void {
  out(`[${elapsed()}s] ${message}\n`);
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: ROOT, env: process.env, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

const service = (action: 'start' | 'stop', name: 'pg' | 'redis' | 'temporal') => run(path.join(ROOT, 'scripts/drill.sh'), ['svc', action, name]);

// ---------------------------------------------------------------- our child processes: worker and API

interface Managed {
  name: 'worker' | 'api';
  child: ChildProcess | null;
  /** Set while the drill itself kills or stops it: any other exit is a crash. */
  expectingExit: boolean;
  crashes: string[];
  /** Resolves when the current process logged that it is ready. */
  ready: Promise<void>;
  starts: number;
}

const logsDir = path.join(STATE, 'logs');
mkdirSync(logsDir, { recursive: true });

const workerEnv = {
  METRICS_PORT: String(BASE + 465),
  CARRIER_SHIP_AFTER_MS: '500',
  CARRIER_DELIVER_AFTER_MS: '500',
  CARRIER_LATENCY_MS: '10',
  PAYMENT_LATENCY_MS: '10',
  CARRIER_POLL_MS: '100',
  SHUTDOWN_GRACE_MS: '5000',
};
const apiEnv = {
  API_PORT: String(API_PORT),
  API_HOST: '127.0.0.1',
  METRICS_PORT: String(BASE + 464),
  RATE_LIMIT_PER_MINUTE: '1000000',
};

function startManaged(m: Managed): void {
  const entry = m.name === 'worker' ? 'workers/main.ts' : 'api/main.ts';
  const env = { ...process.env, LOG_LEVEL: 'info', ...(m.name === 'worker' ? workerEnv : apiEnv) };
  const log = createWriteStream(path.join(logsDir, `${m.name}.log`), { flags: 'a' });
  // `node --import tsx` (not the tsx CLI, which would put a second process between us and the
  // one we SIGKILL); a process group of its own so nothing of it outlives a kill.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  m.child = child;
  m.expectingExit = false;
  // drill.sh stops what a crashed drill left behind by these.
  writeFileSync(path.join(STATE, `${m.name}.pid`), `${child.pid}\n`);
  m.starts++;
  const marker = m.name === 'worker' ? '"worker started"' : '"api listening"';
  let resolveReady!: () => void;
  m.ready = new Promise<void>((resolve) => (resolveReady = resolve));
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    buffered = (buffered + chunk.toString()).slice(-4096);
    if (buffered.includes(marker)) resolveReady();
  });
  child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
  child.on('exit', (code, signal) => {
    log.write(`--- drill: ${m.name} exited (code ${code}, signal ${signal})\n`);
    if (m.child !== child) return;
    m.child = null;
    if (!m.expectingExit) {
      const what = `${m.name} exited by itself at ${elapsed().trim()} s (code ${code}, signal ${signal}); see ${path.relative(ROOT, logsDir)}/${m.name}.log`;
      m.crashes.push(what);
      note(`UNEXPECTED: ${what}; restarting it`);
      startManaged(m);
    }
  });
}

function newManaged(name: 'worker' | 'api'): Managed {
  return { name, child: null, expectingExit: false, crashes: [], ready: Promise.resolve(), starts: 0 };
}

async function stopManaged(m: Managed, signal: NodeJS.Signals): Promise<void> {
  const child = m.child;
  if (!child || child.pid === undefined) return;
  m.expectingExit = true;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(m: Managed, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    m.ready,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${m.name} did not start within ${timeoutMs} ms`)), timeoutMs))),
  ]);
  clearTimeout(timer);
}

// ---------------------------------------------------------------- HTTP, every answer recorded

interface Answer {
  method: string;
  route: string;
  status: number; // 0: no HTTP answer (network error)
  startedAt: number;
  endedAt: number;
  detail?: string;
}

const answers: Answer[] = [];
let token = '';

async function fetchToken(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${API_URL}/oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'dev-client', client_secret: 'dev-secret' }),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) {
        token = ((await res.json()) as { access_token: string }).access_token;
        return;
      }
    } catch {
      // retried below
    }
    if (attempt >= 30) throw new Error('no access token from the API');
    await sleep(1000);
  }
}

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  retryAfter: number | null;
}

async function once(method: string, route: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const startedAt = Date.now();
  try {
    const res = await fetch(`${API_URL}${url}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/vnd.api+json',
        ...(body !== undefined ? { 'Content-Type': 'application/vnd.api+json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    const answer: Answer = { method, route, status: res.status, startedAt, endedAt: Date.now() };
    if (res.status >= 500) answer.detail = `request ${res.headers.get('x-request-id') ?? '?'}: ${text.slice(0, 300)}`;
    answers.push(answer);
    const retryAfter = res.headers.get('retry-after');
    return { status: res.status, body: parsed, retryAfter: retryAfter === null ? null : Number(retryAfter) };
  } catch (err) {
    answers.push({ method, route, status: 0, startedAt, endedAt: Date.now(), detail: String(err) });
    return { status: 0, body: null, retryAfter: null };
  }
}

/** A careful client: retries what may succeed later (5xx, 429, in flight, no answer) until `deadlineMs`. */
async function call(method: string, route: string, url: string, body?: unknown, headers: Record<string, string> = {}, deadlineMs = 300_000): Promise<Reply> {
  const giveUpAt = Date.now() + deadlineMs;
  let faults = 0;
  for (;;) {
    const reply = await once(method, route, url, body, headers);
    // A 503 says "later"; another 5xx is a fault, worth a few tries but not minutes of them.
    if (reply.status >= 500 && reply.status !== 503 && ++faults > 5) return reply;
    if (reply.status === 401) {
      await fetchToken();
      continue;
    }
    const inFlight = reply.status === 409 && reply.body?.errors?.[0]?.code === 'request_in_flight';
    const retryable = reply.status === 0 || reply.status >= 500 || reply.status === 429 || inFlight;
    if (!retryable || Date.now() > giveUpAt) return reply;
    await sleep(Math.min(3000, Math.max(250, (reply.retryAfter ?? 1) * 1000 * rand(0.5, 1))));
  }
}

// ---------------------------------------------------------------- the catalogue

interface Catalogue {
  customers: string[];
  products: { sku: string; onHand: number }[];
}

async function createCatalogue(orderCount: number): Promise<Catalogue> {
  const customers: string[] = [];
  const tiers = ['G', 'S', 'B', null];
  for (let i = 0; i < 12; i++) {
    const r = await call('POST', 'POST /v1/customers', '/v1/customers', {
      data: { type: 'customers', attributes: { name: `Drill Customer ${i}`, email: `drill-${i}-${randomUUID()}@example.com`, tier: tiers[i % tiers.length], country: 'US' } },
    });
    if (r.status !== 201) throw new Error(`creating a customer answered ${r.status}: ${JSON.stringify(r.body)}`);
    customers.push(r.body.data.id);
  }
  // Plenty of most things; DRILL-SCARCE runs out, so some orders are rejected for stock and
  // cancellations give units back to later orders.
  const specs = [
    { sku: 'DRILL-A', price: '19.9950', onHand: 5000 },
    { sku: 'DRILL-B', price: '4.2500', onHand: 5000 },
    { sku: 'DRILL-C', price: '129.0000', onHand: 5000 },
    { sku: 'DRILL-D', price: '0.9900', onHand: 5000 },
    { sku: 'DRILL-SCARCE', price: '49.5000', onHand: Math.max(10, Math.round(orderCount / 5)) },
  ];
  const products: Catalogue['products'] = [];
  for (const spec of specs) {
    const r = await call('POST', 'POST /v1/products', '/v1/products', {
      data: { type: 'products', attributes: { sku: spec.sku, name: `Drill ${spec.sku}`, unitPriceDecimal: spec.price, onHand: spec.onHand } },
    });
    if (r.status !== 201) throw new Error(`creating product ${spec.sku} answered ${r.status}: ${JSON.stringify(r.body)}`);
    products.push({ sku: spec.sku, onHand: r.body.data.attributes.onHand });
  }
  return { customers, products };
}

// ---------------------------------------------------------------- the load

type Token = 'tok_ok' | 'tok_decline' | 'tok_flaky_1';

interface DrillOrder {
  key: string;
  token: Token;
  cancel: boolean;
  repeat: boolean;
  body: unknown;
  /** The order id of the 202, or null when none came. */
  orderId: string | null;
  createStatus: number | null;
  repeatStatus: number | null;
  repeatOrderId: string | null;
  cancelStatus: number | null;
  /** The order's status in the cancel's 200 answer. */
  cancelAnswer: string | null;
}

function newOrder(catalogue: Catalogue): DrillOrder {
  const roll = Math.random();
  const token: Token = roll < 0.1 ? 'tok_decline' : roll < 0.22 ? 'tok_flaky_1' : 'tok_ok';
  const skus = new Set<string>();
  const lineCount = 1 + Math.floor(Math.random() * 3);
  while (skus.size < lineCount) skus.add(Math.random() < 0.08 ? 'DRILL-SCARCE' : pick(catalogue.products.map((p) => p.sku)));
  const lines = [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 3) }));
  return {
    key: randomUUID(),
    token,
    cancel: Math.random() < 0.12,
    repeat: Math.random() < 0.1,
    body: {
      data: {
        type: 'orders',
        attributes: {
          customerId: pick(catalogue.customers),
          lines,
          shippingAddress: { name: 'Grace Hopper', line1: '1 Drill Way', city: 'Austin', postalCode: '78701', country: 'US' },
          payment: { token },
        },
      },
    },
    orderId: null,
    createStatus: null,
    repeatStatus: null,
    repeatOrderId: null,
    cancelStatus: null,
    cancelAnswer: null,
  };
}

async function placeOrder(order: DrillOrder): Promise<void> {
  const created = await call('POST', 'POST /v1/orders', '/v1/orders', order.body, { 'Idempotency-Key': order.key });
  order.createStatus = created.status;
  if (created.status !== 202) return;
  order.orderId = created.body.data.id;
  const followUps: Promise<void>[] = [];
  if (order.cancel) {
    followUps.push(
      (async () => {
        await sleep(rand(0, 600));
        const r = await call('DELETE', 'DELETE /v1/orders/{id}', `/v1/orders/${order.orderId}`);
        order.cancelStatus = r.status;
        order.cancelAnswer = r.body?.data?.attributes?.status ?? null;
      })(),
    );
  }
  if (order.repeat) {
    followUps.push(
      (async () => {
        await sleep(rand(200, 4000));
        const r = await call('POST', 'POST /v1/orders', '/v1/orders', order.body, { 'Idempotency-Key': order.key });
        order.repeatStatus = r.status;
        order.repeatOrderId = r.body?.data?.id ?? null;
      })(),
    );
  }
  await Promise.all(followUps);
}

// ---------------------------------------------------------------- faults

interface Window {
  kind: 'worker' | 'temporal' | 'postgres' | 'redis';
  from: number;
  to: number;
}

const windows: Window[] = [];
const figures = { kills: 0, workerRestarts: 0, temporalRestarts: 0, redisStops: 0, postgresStops: 0 };

async function applyFault(fault: Fault, worker: Managed): Promise<void> {
  switch (fault.kind) {
    case 'kill-worker': {
      const from = Date.now();
      note(`SIGKILL the worker (pid ${worker.child?.pid})`);
      await stopManaged(worker, 'SIGKILL');
      figures.kills++;
      startManaged(worker);
      figures.workerRestarts++;
      await waitReady(worker, 60_000);
      windows.push({ kind: 'worker', from, to: Date.now() });
      note(`worker back (pid ${worker.child?.pid}) after ${((Date.now() - from) / 1000).toFixed(1)} s`);
      return;
    }
    case 'restart-temporal': {
      const from = Date.now();
      note('stopping the Temporal dev server');
      await service('stop', 'temporal');
      await sleep(fault.downMs);
      note('starting the Temporal dev server again (same database file)');
      await service('start', 'temporal');
      figures.temporalRestarts++;
      windows.push({ kind: 'temporal', from, to: Date.now() });
      note(`Temporal back after ${((Date.now() - from) / 1000).toFixed(1)} s`);
      return;
    }
    case 'stop-redis': {
      const from = Date.now();
      note(`stopping Redis for ${fault.downMs / 1000} s`);
      await service('stop', 'redis');
      await sleep(fault.downMs);
      await service('start', 'redis');
      figures.redisStops++;
      windows.push({ kind: 'redis', from, to: Date.now() });
      note(`Redis back after ${((Date.now() - from) / 1000).toFixed(1)} s`);
      return;
    }
    case 'stop-postgres': {
      const from = Date.now();
      note(`stopping PostgreSQL for ${fault.downMs / 1000} s`);
      await service('stop', 'pg');
      await sleep(fault.downMs);
      await service('start', 'pg');
      figures.postgresStops++;
      windows.push({ kind: 'postgres', from, to: Date.now() });
      note(`PostgreSQL back after ${((Date.now() - from) / 1000).toFixed(1)} s`);
      return;
    }
  }
}

// ---------------------------------------------------------------- settling

interface OrderRow {
  id: string;
  status: string;
  status_reason: string | null;
  parked_from: string | null;
}

async function settle(db: Pool, ids: string[], profile: Profile): Promise<{ retried: number; waitedMs: number }> {
  const from = Date.now();
  let signature = '';
  let unchangedSince = Date.now();
  const retried = new Set<string>();
  let lastReport = 0;
  for (;;) {
    const { rows } = await db.query<OrderRow>(
      `SELECT id, status, status_reason, parked_from FROM orders WHERE id = ANY($1::uuid[]) AND status NOT IN ('DELIVERED','REJECTED','CANCELLED') ORDER BY id`,
      [ids],
    );
    if (rows.length === 0) return { retried: retried.size, waitedMs: Date.now() - from };
    const now = rows.map((r) => `${r.id}:${r.status}`).join(',');
    if (now !== signature) {
      signature = now;
      unchangedSince = Date.now();
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const byStatus = countBy(rows.map((r) => r.status));
      note(`settling: ${rows.length} unfinished (${formatCounts(byStatus)})`);
    }
    // A parked order waits for an operator: after the faults we are that operator (runbook: retry).
    const parked = rows.filter((r) => r.status === 'NEEDS_ATTENTION' && !retried.has(r.id));
    if (parked.length > 0 && Date.now() - unchangedSince > 5000) {
      note(`retrying ${parked.length} NEEDS_ATTENTION order(s) as an operator: ${[...new Set(parked.map((p) => p.status_reason))].join(' | ')}`);
      for (const p of parked) {
        const r = await call('POST', 'POST /v1/orders/{id}/retry', `/v1/orders/${p.id}/retry`);
        if (r.status !== 202) note(`retry of ${p.id} answered ${r.status}`);
        retried.add(p.id);
      }
      unchangedSince = Date.now();
    }
    if (Date.now() - unchangedSince > profile.stableMs || Date.now() - from > profile.settleTimeoutMs) {
      return { retried: retried.size, waitedMs: Date.now() - from };
    }
    await sleep(2000);
  }
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function formatCounts(counts: Map<string, number>): string {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
}

// ---------------------------------------------------------------- invariants

interface Check {
  name: string;
  violations: number;
  detail: string;
}

async function checkInvariants(
  db: Pool,
  temporal: Client,
  orders: DrillOrder[],
  catalogue: Catalogue,
  crashes: string[],
): Promise<{ checks: Check[]; lost: number; duplicated: number; problems: string[] }> {
  const checks: Check[] = [];
  const problems: string[] = [];
  const accepted = orders.filter((o) => o.orderId !== null);
  const ids = accepted.map((o) => o.orderId!);
  const q = async <T extends object>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows;
  const sample = (list: string[]) => (list.length > 0 ? ` e.g. ${list.slice(0, 3).join('; ')}` : '');

  const projection = new Map(
    (await q<OrderRow>('SELECT id, status, status_reason, parked_from FROM orders')).map((r) => [r.id, r]),
  );

  // 1. terminal, or waiting where an order may wait (NEEDS_ATTENTION: an operator's turn)
  {
    const statuses = countBy(ids.map((id) => projection.get(id)?.status ?? 'MISSING'));
    const unfinished = ids.map((id) => projection.get(id)).filter((r): r is OrderRow => !!r && !TERMINAL.has(r.status) && r.status !== 'NEEDS_ATTENTION');
    const stuckCarrier = await q<{ id: string; status: string; carrier: string }>(
      `SELECT o.id, o.status, s.status AS carrier FROM orders o JOIN sim_carrier_shipments s ON s.order_id = o.id
        WHERE o.id = ANY($1::uuid[]) AND o.status IN ('PENDING','PROCESSING','SHIPPED') AND s.status IN ('SHIPPED','DELIVERED')`,
      [ids],
    );
    let detail = formatCounts(statuses);
    if (stuckCarrier.length > 0) {
      detail += `; ${stuckCarrier.length} stuck waiting for the carrier although it reported ${formatCounts(countBy(stuckCarrier.map((s) => s.carrier)))} (carrier events dropped before the booking completed?)`;
      problems.push(`orders stuck waiting for the carrier: ${stuckCarrier.map((s) => `${s.id} (${s.status}, carrier ${s.carrier})`).join(', ')}`);
    }
    const other = unfinished.filter((u) => !stuckCarrier.some((s) => s.id === u.id));
    // What Temporal says about them: a workflow task failing again and again is a workflow bug.
    let failingTasks = 0;
    const described: string[] = [];
    for (const u of other) {
      let state: string;
      try {
        const d = await temporal.workflow.getHandle(`order-${u.id}`).describe();
        const attempt = d.raw.pendingWorkflowTask?.attempt ?? 0;
        if (attempt > 1) failingTasks++;
        state = `${d.status.name}${attempt > 1 ? `, workflow task failing (attempt ${attempt})` : ''}`;
      } catch (err) {
        state = `describe failed: ${String(err)}`;
      }
      described.push(`${u.id} ${u.status} ${u.status_reason ?? ''} [${state}]`);
    }
    if (failingTasks > 0) detail += `; ${failingTasks} with a failing workflow task`;
    if (other.length > 0) problems.push(`unfinished orders: ${described.join(', ')}`);
    checks.push({ name: 'every order terminal or in its expected waiting state', violations: unfinished.length, detail });
  }

  // 2. each order ended as its request says
  {
    const wrong: string[] = [];
    for (const o of accepted) {
      const row = projection.get(o.orderId!);
      if (!row || !TERMINAL.has(row.status)) continue;
      const outOfStock = row.status === 'REJECTED' && /out of stock/i.test(row.status_reason ?? '');
      let expected: string[];
      // A rejection (out of stock, declined) already under way wins over a cancel accepted meanwhile;
      // the cancel's 200 then says REJECTED (see the figures: "cancel 200 but REJECTED").
      if (o.cancelStatus === 200) expected = o.cancelAnswer === 'REJECTED' ? ['REJECTED'] : ['CANCELLED'];
      else if (o.cancel && o.cancelStatus === 409) expected = ['DELIVERED', 'REJECTED'];
      else if (o.cancel) expected = ['CANCELLED', 'DELIVERED', 'REJECTED']; // the cancel got no final answer
      else if (o.token === 'tok_decline') expected = ['REJECTED'];
      else expected = outOfStock ? ['REJECTED'] : ['DELIVERED'];
      if (!expected.includes(row.status)) wrong.push(`${o.orderId} ${o.token}${o.cancel ? ` cancel ${o.cancelStatus}` : ''} -> ${row.status} (${row.status_reason ?? ''})`);
    }
    if (wrong.length) problems.push(`unexpected outcomes: ${wrong.join(', ')}`);
    const cancelRejected = accepted.filter((o) => o.cancelStatus === 200 && o.cancelAnswer === 'REJECTED').length;
    checks.push({
      name: 'each finished order ended as its request says',
      violations: wrong.length,
      detail: `decline->REJECTED, cancel 200->CANCELLED (${cancelRejected} cancel 200 answered REJECTED: a rejection won), else DELIVERED or out of stock${sample(wrong)}`,
    });
  }

  // 3-5. inventory against the ledger, the reservations and the shipments
  {
    const stock = await q<{ sku: string; on_hand: number; reserved: number; ledger: number; received: number; shipped_ledger: number; other_moves: number; held: number; shipped_res: number }>(
      `SELECT p.sku, p.on_hand, p.reserved,
              COALESCE((SELECT sum(delta) FROM stock_movements m WHERE m.sku = p.sku), 0)::int AS ledger,
              COALESCE((SELECT sum(delta) FROM stock_movements m WHERE m.sku = p.sku AND m.reason = 'receive'), 0)::int AS received,
              COALESCE((SELECT -sum(delta) FROM stock_movements m WHERE m.sku = p.sku AND m.reason = 'ship'), 0)::int AS shipped_ledger,
              COALESCE((SELECT count(*) FROM stock_movements m WHERE m.sku = p.sku AND m.reason NOT IN ('receive','ship')), 0)::int AS other_moves,
              COALESCE((SELECT sum(quantity) FROM inventory_reservations r WHERE r.sku = p.sku AND r.status = 'HELD'), 0)::int AS held,
              COALESCE((SELECT sum(quantity) FROM inventory_reservations r WHERE r.sku = p.sku AND r.status = 'SHIPPED'), 0)::int AS shipped_res
         FROM products p WHERE p.sku LIKE 'DRILL-%' ORDER BY p.sku`,
    );
    const initial = new Map(catalogue.products.map((p) => [p.sku, p.onHand]));
    const onHandBad = stock.filter((s) => s.on_hand !== s.ledger || s.received !== initial.get(s.sku) || s.on_hand !== (initial.get(s.sku) ?? 0) - s.shipped_ledger || s.other_moves !== 0 || s.on_hand < s.reserved);
    checks.push({
      name: 'on hand == initial + ledger movements (per product)',
      violations: onHandBad.length,
      detail: stock.map((s) => `${s.sku.replace('DRILL-', '')} ${s.on_hand}=${initial.get(s.sku)}-${s.shipped_ledger}`).join(', '),
    });
    if (onHandBad.length) problems.push(`on hand vs ledger: ${JSON.stringify(onHandBad)}`);

    const heldByFinished = await q<{ order_id: string; status: string }>(
      `SELECT DISTINCT r.order_id, o.status FROM inventory_reservations r JOIN orders o ON o.id = r.order_id
        WHERE r.status = 'HELD' AND o.status IN ('DELIVERED','REJECTED','CANCELLED')`,
    );
    const reservedBad = stock.filter((s) => s.reserved !== s.held);
    checks.push({
      name: 'reserved == live reservations; none held by a finished order',
      violations: reservedBad.length + heldByFinished.length,
      detail: `${stock.map((s) => `${s.sku.replace('DRILL-', '')} ${s.reserved}/${s.held}`).join(', ')}; held by finished orders: ${heldByFinished.length}`,
    });
    if (reservedBad.length || heldByFinished.length) problems.push(`reservations: ${JSON.stringify({ reservedBad, heldByFinished })}`);

    const shipMismatch = stock.filter((s) => s.shipped_res !== s.shipped_ledger);
    const shipsOfUnshipped = await q<{ order_id: string; status: string }>(
      `SELECT DISTINCT m.order_id, o.status FROM stock_movements m JOIN orders o ON o.id = m.order_id
        WHERE m.reason = 'ship' AND NOT (o.status IN ('SHIPPED','DELIVERED') OR (o.status = 'NEEDS_ATTENTION' AND o.parked_from = 'SHIPPED'))`,
    );
    const deliveredUnshipped = await q<{ id: string }>(
      `SELECT o.id FROM orders o WHERE o.status = 'DELIVERED' AND NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.order_id = o.id AND m.reason = 'ship')`,
    );
    checks.push({
      name: "shipped quantities == ledger 'ship' movements",
      violations: shipMismatch.length + shipsOfUnshipped.length + deliveredUnshipped.length,
      detail: `${stock.map((s) => `${s.sku.replace('DRILL-', '')} ${s.shipped_res}/${s.shipped_ledger}`).join(', ')}; ships of unshipped orders ${shipsOfUnshipped.length}, delivered without ship ${deliveredUnshipped.length}`,
    });
    if (shipMismatch.length || shipsOfUnshipped.length || deliveredUnshipped.length) problems.push(`shipping: ${JSON.stringify({ shipMismatch, shipsOfUnshipped, deliveredUnshipped })}`);
  }

  // 6. invoices
  {
    const invoices = await q<{ id: string; status: string; live: number; paid: number }>(
      `SELECT o.id, o.status, count(i.*) FILTER (WHERE i.status <> 'VOID')::int AS live, count(i.*) FILTER (WHERE i.status = 'PAID')::int AS paid
         FROM orders o LEFT JOIN invoices i ON i.order_id = o.id GROUP BY o.id, o.status`,
    );
    const bad = invoices.filter(
      (i) => i.live > 1 || (i.status === 'DELIVERED' && (i.live !== 1 || i.paid !== 1)) || ((i.status === 'CANCELLED' || i.status === 'REJECTED') && i.live !== 0),
    );
    checks.push({
      name: 'one live invoice per order (PAID when delivered, none when cancelled/rejected)',
      violations: bad.length,
      detail: `${invoices.filter((i) => i.live === 1).length} orders with one live invoice${sample(bad.map((b) => `${b.id} ${b.status} live ${b.live} paid ${b.paid}`))}`,
    });
  }

  // 7-8. captures
  {
    const captures = await q<{ order_id: string; status: string; captures: number; payment_status: string | null }>(
      `SELECT o.id AS order_id, o.status, p.status AS payment_status,
              (SELECT count(*) FROM sim_payment_operations c JOIN sim_payment_operations a
                   ON a.operation = 'authorize' AND a.authorization_id = c.request->>'authorizationId'
                WHERE c.operation = 'capture' AND c.outcome = 'succeeded' AND a.request->>'orderId' = o.id::text)::int AS captures
         FROM orders o LEFT JOIN payments p ON p.order_id = o.id`,
    );
    const multiple = captures.filter((c) => c.captures > 1);
    const deliveredWithout = captures.filter((c) => c.status === 'DELIVERED' && (c.captures !== 1 || c.payment_status !== 'CAPTURED'));
    checks.push({
      name: 'at most one capture per order (exactly one when delivered)',
      violations: multiple.length + deliveredWithout.length,
      detail: `${captures.reduce((n, c) => n + c.captures, 0)} captures; more than one: ${multiple.length}; delivered without: ${deliveredWithout.length}`,
    });
    const cancelledCaptured = captures.filter((c) => (c.status === 'CANCELLED' || c.status === 'REJECTED') && (c.captures > 0 || c.payment_status === 'CAPTURED'));
    const cancelledAuthorized = captures.filter((c) => (c.status === 'CANCELLED' || c.status === 'REJECTED') && c.payment_status === 'AUTHORIZED');
    checks.push({
      name: 'no capture for a cancelled (or rejected) order; its authorization voided',
      violations: cancelledCaptured.length + cancelledAuthorized.length,
      detail: `captured ${cancelledCaptured.length}, still authorized ${cancelledAuthorized.length}`,
    });
  }

  // 9. event sequences
  {
    const gaps = await q<{ id: string; n: number; lo: number; hi: number; event_seq: number }>(
      `SELECT o.id, count(e.seq)::int AS n, COALESCE(min(e.seq), 0) AS lo, COALESCE(max(e.seq), 0) AS hi, o.event_seq
         FROM orders o LEFT JOIN order_events e ON e.order_id = o.id GROUP BY o.id, o.event_seq
       HAVING count(e.seq) = 0 OR min(e.seq) <> 1 OR max(e.seq) <> count(e.seq) OR max(e.seq) <> o.event_seq`,
    );
    const total = (await q<{ n: number }>('SELECT count(*)::int AS n FROM order_events'))[0].n;
    checks.push({ name: "each order's event sequence gapless (1..n)", violations: gaps.length, detail: `${total} events${sample(gaps.map((g) => `${g.id} ${g.lo}..${g.hi} n=${g.n} event_seq=${g.event_seq}`))}` });
  }

  // 10. HTTP answers: only 503s, and only while PostgreSQL, Temporal or the worker was down
  {
    const faultsAllowing503 = windows.filter((w) => w.kind !== 'redis');
    // Blamed on a fault under way when the request ran, else on the latest one whose grace it falls in.
    const inWindow = (a: Answer) =>
      faultsAllowing503.find((w) => a.startedAt <= w.to && a.endedAt >= w.from) ??
      faultsAllowing503.filter((w) => a.startedAt <= w.to + FAULT_GRACE_MS && a.endedAt >= w.from).at(-1);
    const fiveXX = answers.filter((a) => a.status >= 500 || a.status === 0);
    const bad = fiveXX.filter((a) => a.status !== 503 || !inWindow(a));
    const by = countBy(fiveXX.filter((a) => a.status === 503).map((a) => inWindow(a)?.kind ?? 'outside'));
    checks.push({
      name: 'no 5xx but 503, and 503 only while PostgreSQL/Temporal/worker was down',
      violations: bad.length,
      detail: `503s by fault: ${formatCounts(by)}; other 5xx or no answer: ${bad.length}${sample(bad.map((b) => `${b.status} ${b.method} ${b.route} ${b.detail ?? ''}`.slice(0, 200)))}`,
    });
    if (bad.length) {
      // Grouped: one line per status, route and answer, with how often and when.
      const groups = new Map<string, Answer[]>();
      for (const b of bad) {
        const key = `${b.status} ${b.route} ${(b.detail ?? '').replace(/^request \S+ /, '')}`;
        groups.set(key, [...(groups.get(key) ?? []), b]);
      }
      const lines = [...groups].map(([key, list]) => {
        const at = (a: Answer) => `${((a.startedAt - started) / 1000).toFixed(1)} s`;
        return `${list.length}x ${key.slice(0, 400)} (${at(list[0])} to ${at(list[list.length - 1])}; first ${list[0].detail?.split(':')[0] ?? ''})`;
      });
      problems.push(`answers outside the rule:\n    ${lines.join('\n    ')}`);
    }
  }

  // 11-12. lost and duplicated orders, against the projection and Temporal
  const executions: { workflowId: string; runId: string; status: string; orderStatus: string | undefined }[] = [];
  for await (const wf of temporal.workflow.list({ query: `WorkflowType = '${ORDER_WORKFLOW_TYPE}'` })) {
    executions.push({ workflowId: wf.workflowId, runId: wf.runId, status: wf.status.name, orderStatus: wf.typedSearchAttributes.get(OrderSearchAttributes.status) });
  }
  const runsById = countBy(executions.map((e) => e.workflowId));
  const notAccepted = orders.filter((o) => o.orderId === null);
  const lostIds = ids.filter((id) => !projection.has(id) || !runsById.has(`order-${id}`));
  checks.push({
    name: 'no lost order: every 202 order is in the projection and in Temporal',
    violations: lostIds.length + notAccepted.length,
    detail: `${ids.length} accepted of ${orders.length} keys; lost ${lostIds.length}; never accepted ${notAccepted.length}${sample(notAccepted.map((o) => `${o.key} last answer ${o.createStatus}`))}`,
  });
  const ourIds = new Set(ids);
  const extraProjection = [...projection.keys()].filter((id) => !ourIds.has(id));
  const extraWorkflows = [...runsById.keys()].filter((wid) => !ourIds.has(wid.replace(/^order-/, '')));
  const multiRun = [...runsById].filter(([, n]) => n > 1);
  const repeatMismatch = orders.filter((o) => o.repeat && o.repeatStatus === 202 && o.repeatOrderId !== o.orderId);
  const repeatFailed = orders.filter((o) => o.repeat && o.orderId !== null && o.repeatStatus !== 202);
  const duplicated = extraProjection.length + extraWorkflows.length + multiRun.length + repeatMismatch.length;
  checks.push({
    name: 'no duplicate: one workflow per idempotency key; a repeated POST gets the same order',
    violations: duplicated + repeatFailed.length,
    detail: `${executions.length} workflow runs for ${ids.length} keys; repeated POSTs ${orders.filter((o) => o.repeat && o.orderId).length} (other order ${repeatMismatch.length}, not 202 ${repeatFailed.length}); orders outside the keys ${extraProjection.length}`,
  });

  // 13. the projection agrees with the workflows
  {
    const byId = new Map(executions.map((e) => [e.workflowId.replace(/^order-/, ''), e]));
    const disagree: string[] = [];
    for (const id of ids) {
      const row = projection.get(id);
      const wf = byId.get(id);
      if (!row || !wf) continue;
      const closed = wf.status !== 'RUNNING';
      if (closed !== TERMINAL.has(row.status) || (wf.orderStatus !== undefined && wf.orderStatus !== row.status) || (closed && wf.status !== 'COMPLETED')) {
        disagree.push(`${id}: projection ${row.status}, workflow ${wf.status} OrderStatus=${wf.orderStatus}`);
      }
    }
    if (disagree.length) problems.push(`projection vs workflow: ${disagree.join(', ')}`);
    checks.push({
      name: 'the projection agrees with the workflows (status, open/closed)',
      violations: disagree.length,
      detail: `workflows ${formatCounts(countBy(executions.map((e) => e.status)))}${sample(disagree)}`,
    });
  }

  // 14. nothing crashed besides what the drill killed
  checks.push({ name: 'no worker or API exit other than the drill\'s kills', violations: crashes.length, detail: crashes.length ? crashes.join('; ') : 'none' });
  for (const c of crashes) problems.push(c);

  return { checks, lost: lostIds.length, duplicated, problems };
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const profile = profileFromArgs(process.argv.slice(2));
  note(`fault drill (${profile.name}): ${profile.orders} orders over ${profile.loadSeconds} s; API ${API_URL}, Temporal ${TEMPORAL_ADDRESS}; logs in ${path.relative(ROOT, logsDir)}/`);
  const worker = newManaged('worker');
  const api = newManaged('api');
  try {
    startManaged(worker);
    startManaged(api);
    await Promise.all([waitReady(worker, 90_000), waitReady(api, 90_000)]);
    await fetchToken();
    const catalogue = await createCatalogue(profile.orders);
    note(`worker and API up; ${catalogue.customers.length} customers, ${catalogue.products.length} products`);

    // The load and the faults run side by side.
    const loadStarted = Date.now();
    const orders = Array.from({ length: profile.orders }, () => newOrder(catalogue));
    const load = Promise.all(
      orders.map(async (order, i) => {
        await sleep((i / profile.orders) * profile.loadSeconds * 1000 + rand(0, 200));
        await placeOrder(order);
      }),
    );
    const faults = (async () => {
      for (const { at, fault } of profile.faults) {
        const wait = loadStarted + at * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
        await applyFault(fault, worker);
      }
    })();
    let reported = 0;
    const progress = setInterval(() => {
      const done = orders.filter((o) => o.createStatus !== null).length;
      if (done !== reported) note(`load: ${done}/${profile.orders} orders answered, ${answers.length} HTTP answers`);
      reported = done;
    }, 10_000);
    await faults;
    await load;
    clearInterval(progress);
    note(`load done: ${orders.filter((o) => o.orderId).length}/${orders.length} accepted; waiting for the orders to settle`);

    const db = new Pool({ connectionString: DATABASE_URL, max: 4 });
    db.on('error', () => undefined);
    const connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
    const temporal = new Client({ connection, namespace: 'default' });
    try {
      const ids = orders.flatMap((o) => (o.orderId ? [o.orderId] : []));
      const { retried, waitedMs } = await settle(db, ids, profile);
      note(`settled after ${(waitedMs / 1000).toFixed(0)} s (${retried} parked order(s) retried)`);
      await sleep(1000); // visibility catches up with the last completions
      const { checks, lost, duplicated, problems } = await checkInvariants(db, temporal, orders, catalogue, [...worker.crashes, ...api.crashes]);
      const failed = checks.filter((c) => c.violations > 0);

      const width = Math.max(...checks.map((c) => c.name.length));
      out(`\nINVARIANTS (${profile.name} drill)\n`);
      for (const c of checks) {
        const verdict = c.violations === 0 ? 'holds' : `VIOLATED (${c.violations})`;
        out(`  ${c.name.padEnd(width)}  ${verdict.padEnd(14)}  ${c.detail}\n`);
      }
      const count503 = answers.filter((a) => a.status === 503).length;
      const seconds = Math.round((Date.now() - started) / 1000);
      const fig = {
        orders: orders.length,
        accepted: ids.length,
        kills: figures.kills,
        restarts: `worker ${figures.workerRestarts}, temporal ${figures.temporalRestarts}, redis ${figures.redisStops}, postgres ${figures.postgresStops}`,
        lost,
        duplicated,
        '503s': count503,
        'http answers': answers.length,
        statuses: formatCounts(countBy(answers.map((a) => String(a.status)))),
        'parked and retried': retried,
        seconds,
      };
      out(`\nHTTP ANSWERS DURING THE FAULTS (while down | in the ${FAULT_GRACE_MS / 1000} s after)\n`);
      for (const w of windows) {
        const during = answers.filter((a) => a.startedAt <= w.to && a.endedAt >= w.from);
        const after = answers.filter((a) => a.endedAt > w.to && a.startedAt <= w.to + FAULT_GRACE_MS && !during.includes(a));
        const span = `${((w.from - started) / 1000).toFixed(1)}-${((w.to - started) / 1000).toFixed(1)} s`;
        out(`  ${w.kind.padEnd(9)} ${span.padEnd(14)} ${formatCounts(countBy(during.map((a) => String(a.status)))).padEnd(28)} | ${formatCounts(countBy(after.map((a) => String(a.status))))}\n`);
      }
      writeFileSync(path.join(STATE, 'answers.jsonl'), answers.map((a) => JSON.stringify({ ...a, at: ((a.startedAt - started) / 1000).toFixed(3) })).join('\n') + '\n');
      out('\nFIGURES\n');
      for (const [k, v] of Object.entries(fig)) out(`  ${k.padEnd(18)} ${v}\n`);
      if (problems.length) {
        out('\nDETAILS OF WHAT DID NOT HOLD\n');
        for (const p of problems) out(`  - ${p.slice(0, 4000)}\n`);
      }
      out(
        `\nDRILL-RESULT ${JSON.stringify({ profile: profile.name, holds: failed.length === 0, invariants: checks.length, violated: failed.map((c) => c.name), orders: orders.length, kills: figures.kills, lost, duplicated, status503: count503, seconds })}\n`,
      );
      out(failed.length === 0 ? '\ndrill: every invariant holds\n' : `\ndrill: ${failed.length} invariant(s) VIOLATED\n`);
      return failed.length === 0 ? 0 : 1;
    } finally {
      await connection.close().catch(() => undefined);
      await db.end().catch(() => undefined);
    }
  } finally {
    await stopManaged(api, 'SIGTERM');
    await stopManaged(worker, 'SIGTERM');
  }
}

main().then((code) => process.exit(code)).catch((err: unknown) => {
  process.stderr.write(`drill failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
