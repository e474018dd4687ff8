// Webhook deliveries under faults: events of many orders, paced, to one endpoint per storefront;
// one receiver down for the first minutes, one answering 500 to one request in ten. At the end it
// checks that every event reached its endpoint (none lost), that duplicates only ever repeat a
// webhook-id with the same body, and that every order's events arrived in sequence; it prints
// deliveries/s, delivery latency p50/p99 (event committed -> receiver got it) and the webhook
// worker's CPU per attempt. The worker runs in a process of its own (bench/webhook-worker-process.ts).
//
//   DATABASE_URL=... TEMPORAL_ADDRESS=... npx tsx bench/webhooks.ts --events 10000 --endpoints 20 --seconds 150 --down-seconds 120
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { startChild, stopChild, waitForLine } from '../scripts/lib/child-process';
import { onLockedOrder, ordersOf } from '../test/support/events';
import { processCpuSeconds } from './process-stats';
import { freePort, log, ms, openBenchDatabase, parseFlags, percentile, rate, table } from './support';

const flags = parseFlags(process.argv.slice(2), {
  events: 10_000,
  endpoints: 20,
  /** Events per order (order.created, then order.updated). */
  'events-per-order': 10,
  /** The events are written evenly over this many seconds. */
  seconds: 150,
  /** Receiver 0 is down (nothing listens) for this long from the start. */
  'down-seconds': 120,
  /** Receiver 1 answers 500 to this share of requests. */
  'error-rate': 0.1,
  /** ms between the dispatcher's polls. */
  'dispatch-poll': 1000,
  'max-wait-seconds': 900,
  lanes: 8,
});

interface Arrival {
  endpoint: number;
  id: string;
  orderId: string;
  seq: number;
  body: string;
  status: number;
  at: number;
  occurredAt: number;
}

const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

async function main(): Promise<void> {
  const db = await openBenchDatabase({ prefix: 'bench_webhooks', poolSize: 20 });
  const run = randomUUID().slice(0, 8);
  const arrivals: Arrival[] = [];
  const servers: Server[] = [];
  const storefronts = Array.from({ length: flags.endpoints }, (_, i) => `bench-${run}-${i}`);

  // Receivers: one per endpoint. Receiver 0 starts listening only after the outage.
  const ports = await Promise.all(storefronts.map(() => freePort()));
  const listen = (i: number) => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const parsed = JSON.parse(body) as { timestamp: string; data: { orderId: string; seq: number } };
        const status = i === 1 && Math.random() < flags['error-rate'] ? 500 : 204;
        arrivals.push({ endpoint: i, id: String(req.headers['webhook-id']), orderId: parsed.data.orderId, seq: parsed.data.seq, body, status, at: Date.now(), occurredAt: Date.parse(parsed.timestamp) });
        res.writeHead(status).end();
      });
    });
    servers.push(server);
    return new Promise<void>((resolve) => server.listen(ports[i], '127.0.0.1', resolve));
  };
  await Promise.all(storefronts.map((_, i) => (i === 0 ? Promise.resolve() : listen(i))));
  for (const [i, storefront] of storefronts.entries()) {
    await db.dataSource.query(
      `INSERT INTO webhook_endpoints (id, storefront, url, secret) VALUES ($1, $2, $3, $4)`,
      [randomUUID(), storefront, `http://127.0.0.1:${ports[i]}/hooks`, `whsec_${Buffer.alloc(32, i).toString('base64')}`],
    );
  }

  const taskQueue = `bench-webhooks-${run}`;
  const worker = startChild('webhook worker', 'bench/webhook-worker-process.ts', {
    env: { DATABASE_URL: db.url, BENCH_TASK_QUEUE: taskQueue, BENCH_SCHEDULE_ID: `bench-dispatch-${run}`, WEBHOOK_DISPATCH_POLL_MS: String(flags['dispatch-poll']) },
  });
  await waitForLine(worker, 'worker ready');
  const cpuBefore = processCpuSeconds(worker.pid!);
  const started = Date.now();
  log(`${flags.events} events of ${flags.events / flags['events-per-order']} orders over ${flags.seconds} s to ${flags.endpoints} endpoints (one per storefront); receiver 0 down ${flags['down-seconds']} s, receiver 1 answers 500 to ${flags['error-rate'] * 100} %`);
  setTimeout(() => void listen(0).then(() => log(`receiver 0 back after ${((Date.now() - started) / 1000).toFixed(0)} s`)), flags['down-seconds'] * 1000);

  // Writers: lanes take orders in turn, each order's events in sequence, paced to the total rate.
  const orders = Math.ceil(flags.events / flags['events-per-order']);
  const slotMs = (flags.seconds * 1000) / flags.events;
  let written = 0;
  const nextSlot = async () => {
    const due = started + written++ * slotMs;
    if (due > Date.now()) await sleep(due - Date.now());
  };
  let nextOrder = 0;
  await Promise.all(
    Array.from({ length: flags.lanes }, async () => {
      while (nextOrder < orders) {
        const n = nextOrder++;
        await nextSlot();
        const [orderId] = await ordersOf(db.dataSource, storefronts[n % storefronts.length], 1);
        for (let e = 1; e < flags['events-per-order']; e++) {
          await nextSlot();
          await onLockedOrder(db.dataSource, orderId, (tx) => tx.append('order.updated', `u${e}`, { e }));
        }
      }
    }),
  );
  const writtenAt = Date.now();
  const expected: { id: string; storefront: string }[] = await db.dataSource.query(`SELECT order_id::text || ':' || seq AS id, storefront FROM order_events`);
  log(`${expected.length} events written in ${((writtenAt - started) / 1000).toFixed(0)} s; waiting for deliveries`);

  const endpointOf = new Map(storefronts.map((s, i) => [s, i]));
  const want = new Set(expected.map((e) => `${endpointOf.get(e.storefront)}|${e.id}`));
  const deadline = Date.now() + flags['max-wait-seconds'] * 1000;
  // Delivered (endpoint|event) pairs, kept up to date as arrivals come (the receivers share this process's event loop).
  const delivered = new Set<string>();
  let counted = 0;
  const ok = () => {
    for (; counted < arrivals.length; counted++) if (arrivals[counted].status < 300) delivered.add(`${arrivals[counted].endpoint}|${arrivals[counted].id}`);
    return delivered;
  };
  while (Date.now() < deadline && [...want].some((k) => !ok().has(k))) await sleep(1000);
  const finished = Date.now();
  const cpu = processCpuSeconds(worker.pid!) - cpuBefore;
  const [{ attempts }]: { attempts: number }[] = await db.dataSource.query('SELECT count(*)::int AS attempts FROM webhook_attempts');

  // ---- checks
  const successes = arrivals.filter((a) => a.status < 300);
  ok();
  const lost = [...want].filter((k) => !delivered.has(k));
  const byKey = new Map<string, Arrival[]>();
  for (const a of successes) byKey.set(`${a.endpoint}|${a.id}`, [...(byKey.get(`${a.endpoint}|${a.id}`) ?? []), a]);
  const duplicates = [...byKey.values()].filter((list) => list.length > 1);
  const duplicateBodiesDiffer = duplicates.filter((list) => list.some((a) => a.body !== list[0].body)).length;
  // In sequence: no request for seq n+1 of an order reaches its endpoint before seq n was delivered.
  const firstSuccess = new Map<string, number>();
  for (const a of successes) if (!firstSuccess.has(`${a.endpoint}|${a.id}`)) firstSuccess.set(`${a.endpoint}|${a.id}`, a.at);
  const outOfOrder = arrivals.filter((a) => a.seq > 1 && !((firstSuccess.get(`${a.endpoint}|${a.orderId}:${a.seq - 1}`) ?? Infinity) <= a.at)).length;

  const latencies = [...byKey.values()].map((list) => list[0].at - list[0].occurredAt).sort((x, y) => x - y);
  const steady = [...byKey.values()].filter((list) => list[0].endpoint > 1).map((list) => list[0].at - list[0].occurredAt).sort((x, y) => x - y);
  log('');
  log(table(
    ['deliveries', 'attempts', 'lost', 'dup (same id)', 'dup body differs', 'out of order', 'deliveries/s', 'p50', 'p99', 'p50 healthy', 'p99 healthy', 'worker CPU/attempt'],
    [[
      String(byKey.size),
      String(attempts),
      String(lost.length),
      String(duplicates.length),
      String(duplicateBodiesDiffer),
      String(outOfOrder),
      rate(byKey.size / ((finished - started) / 1000)),
      ms(percentile(latencies, 50)),
      ms(percentile(latencies, 99)),
      ms(percentile(steady, 50)),
      ms(percentile(steady, 99)),
      ms((cpu * 1000) / attempts),
    ]],
  ));
  log(`all delivered ${((finished - started) / 1000).toFixed(0)} s after the first event (${((finished - writtenAt) / 1000).toFixed(0)} s after the last); worker CPU ${cpu.toFixed(1)} s`);
  log('(p50/p99 healthy: the 18 receivers without faults; latency is commit to arrival and includes the dispatcher poll interval)');

  await stopChild(worker);
  for (const s of servers) s.close();
  await db.close();
  if (lost.length > 0 || duplicateBodiesDiffer > 0 || outOfOrder > 0) {
    log(`FAILED: ${lost.length} lost, ${duplicateBodiesDiffer} duplicates with another body, ${outOfOrder} out of order`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
