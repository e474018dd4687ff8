// The fault drill (`./dev drill [--orders 300] [--short | --cluster]`, through scripts/drill.sh,
// which starts PostgreSQL, Redis and the Temporal dev server (or the real server) on ports of
// their own and hands us their addresses). This process starts the worker and the API (two of
// each on the cluster) as child processes (processes.ts),
// creates a few hundred orders through the HTTP API (load.ts) and meanwhile injects the profile's
// faults (faults.ts): worker SIGKILLs, a Temporal restart, Redis and then PostgreSQL stopped for
// a while. Every HTTP answer is recorded; a webhook receiver (webhooks.ts), the storefront's, gets
// every event throughout. Afterwards it waits for the orders to settle (settle.ts) and the
// webhooks to catch up,
// checks the invariants against PostgreSQL and Temporal (invariants.ts), prints one line per
// invariant and the figures (report.ts), and exits 1 when any invariant is violated.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { ROOT } from '../lib/child-process';
import { FaultInjector } from './faults';
import { gatherFacts } from './facts';
import { DrillClient } from './http';
import { checkInvariants } from './invariants';
import { createCatalogue } from './catalogue';
import { newOrder, placeOrder } from './load';
import { drillProcesses } from './processes';
import { profileFromArgs } from './profile';
import { report } from './report';
import { settle, settleReturns } from './settle';
import { DrillLog, drillSettings, rand, sleep } from './tools';
import { WebhookReceiver } from './webhooks';

async function main(): Promise<number> {
  const settings = drillSettings();
  const log = new DrillLog(settings.state);
  const profile = profileFromArgs(process.argv.slice(2));
  if (profile.name === 'cluster' && !settings.cluster) throw new Error('the cluster profile runs on the cluster: ./dev drill --cluster');
  log.note(`fault drill (${profile.name}): ${profile.orders} orders over ${profile.loadSeconds} s; API ${settings.apiUrls.join(', ')}, Temporal ${settings.temporalAddress}; logs in ${path.relative(ROOT, settings.logsDir)}/`);
  const workers = drillProcesses('worker', settings, log);
  const apis = drillProcesses('api', settings, log);
  const everyProcess = [...workers, ...apis];
  const client = new DrillClient(settings.apiUrls);
  const faults = new FaultInjector(log, workers, apis, settings.apiUrls);
  const receiver = new WebhookReceiver(settings, log);
  try {
    for (const p of everyProcess) p.start();
    await Promise.all(everyProcess.map((p) => p.waitReady(90_000)));
    await client.fetchToken();
    await receiver.start(client);
    const catalogue = await createCatalogue(client, profile.orders);
    log.note(`${everyProcess.map((p) => p.name).join(', ')} up; ${catalogue.customers.length} customers, ${catalogue.products.length} products`);

    // The load and the faults run side by side.
    const loadStarted = Date.now();
    const orders = Array.from({ length: profile.orders }, () => newOrder(catalogue));
    const load = Promise.all(
      orders.map(async (order, i) => {
        await sleep((i / profile.orders) * profile.loadSeconds * 1000 + rand(0, 200));
        await placeOrder(client, order, catalogue);
      }),
    );
    const faulting = (async () => {
      for (const { at, fault } of profile.faults) {
        const wait = loadStarted + at * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
        await faults.apply(fault);
      }
    })();
    let reported = 0;
    const progress = setInterval(() => {
      const done = orders.filter((o) => o.createStatus !== null).length;
      if (done !== reported) log.note(`load: ${done}/${profile.orders} orders answered, ${client.answers.length} HTTP answers`);
      reported = done;
    }, 10_000);
    await faulting;
    await load;
    clearInterval(progress);
    log.note(`load done: ${orders.filter((o) => o.orderId).length}/${orders.length} accepted; waiting for the orders to settle`);

    const db = new Pool({ connectionString: settings.databaseUrl, max: 4 });
    db.on('error', () => undefined);
    const connection = await Connection.connect({ address: settings.temporalAddress });
    const temporal = new Client({ connection, namespace: settings.namespace });
    try {
      const ids = orders.flatMap((o) => (o.orderId ? [o.orderId] : []));
      const { retried, waitedMs } = await settle(db, client, log, ids, profile);
      log.note(`settled after ${(waitedMs / 1000).toFixed(0)} s (${retried} parked order(s) retried)`);
      await settleReturns(db, log, ids, 60_000);
      await receiver.waitForCatchUp(db, ids);
      await sleep(1000); // visibility catches up with the last completions
      const facts = await gatherFacts(db, temporal, {
        orders,
        catalogue,
        answers: client.answers,
        windows: faults.windows,
        crashes: [...everyProcess.flatMap((p) => p.crashes), ...receiver.crashes],
        startedAt: log.started,
        deliveries: receiver.received(),
      });
      const checks = await checkInvariants(facts);
      return report(log, settings.state, profile, facts, checks, faults, retried) ? 0 : 1;
    } finally {
      await connection.close().catch(() => undefined);
      await db.end().catch(() => undefined);
    }
  } finally {
    for (const p of [...apis, ...workers]) await p.stop('SIGTERM');
    await receiver.stop();
  }
}

main().then((code) => process.exit(code)).catch((err: unknown) => {
  process.stderr.write(`drill failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
