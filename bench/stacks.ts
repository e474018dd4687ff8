// The checkout benchmark (bench/checkout.ts) on each way of running the stack, in one run:
// the Temporal dev server (`./dev up`), the Temporal cluster with two workers and two APIs
// (`./dev up --cluster`), and the same cluster with one of its workers stopped.
//
//   npx tsx bench/stacks.ts [--orders 400] [--clients 25,50] [--steady-seconds 20]
//
// Each stack starts from empty data (`./dev clean up cluster` first: orders left by earlier runs
// would still be worked off, and measured) with the per-client rate limit lifted, and is stopped
// afterwards (it stops a running `./dev up` first: both use the same ports). Prints one table: throughput, latency and
// CPU per order of each kind of process, side by side.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCommand } from '../scripts/lib/child-process';
import type { Costs } from './checkout';
import { log, parseFlags, table } from './support';

const flags = parseFlags(process.argv.slice(2), { orders: 400, clients: '25,50', 'steady-seconds': 20 });
const DEV = path.join(ROOT, 'dev');
const UP_ENV = { RATE_LIMIT_PER_MINUTE: '1000000' };
const FIFTEEN_MINUTES = 15 * 60_000;

interface Figures {
  latency: string[][];
  placing: Costs;
  delivered: Costs;
}

/** The settings `./dev env [--cluster]` prints, as an environment. */
function stackEnv(cluster: boolean): Record<string, string> {
  const out = execFileSync(DEV, cluster ? ['env', '--cluster'] : ['env'], { cwd: ROOT, encoding: 'utf8' });
  const env: Record<string, string> = {};
  // Values come as bash's printf %q writes them: quoted ('…') or with backslash escapes (3000\,3001).
  for (const [, name, value] of out.matchAll(/^export (\w+)=(.*)$/gm)) {
    env[name] = /^'.*'$/.test(value) ? value.slice(1, -1) : value.replace(/\\(.)/g, '$1');
  }
  return env;
}

async function checkout(label: string, env: Record<string, string>, state: string): Promise<Figures> {
  const json = path.join(mkdtempSync(path.join(tmpdir(), 'ordersaga-stacks-')), 'figures.json');
  log(`${label}: bench/checkout.ts --orders ${flags.orders} --clients ${flags.clients}…`);
  await runCommand('npx', ['tsx', 'bench/checkout.ts', '--orders', String(flags.orders), '--clients', flags.clients, '--steady-seconds', String(flags['steady-seconds']), '--json', json], {
    env: { ...env, STACK_STATE: state },
    timeoutMs: FIFTEEN_MINUTES,
  });
  const figures = JSON.parse(readFileSync(json, 'utf8')) as Figures;
  log(`${label}: ${JSON.stringify(figures)}`); // kept in the log should a later stack fail
  return figures;
}

/** Stops one process of the cluster by its pid file, and waits until it is gone. */
async function stopProcess(state: string, name: string): Promise<void> {
  const pid = Number(readFileSync(path.join(state, `${name}.pid`), 'utf8'));
  process.kill(pid, 'SIGTERM');
  while (readdirSync('/proc').includes(String(pid))) await new Promise((resolve) => setTimeout(resolve, 200));
}

/** Sums a process kind's figures over its numbered processes (worker-1 + worker-2 = worker). */
function byKind(costs: Costs): Costs {
  const result: Costs = {};
  for (const [name, value] of Object.entries(costs)) {
    const kind = name.replace(/-\d+$/, '');
    result[kind] = (result[kind] ?? 0) + value;
  }
  return result;
}

async function main(): Promise<void> {
  await runCommand(DEV, ['clean', 'up', 'cluster'], { timeoutMs: FIFTEEN_MINUTES });
  try {
    printTable(await runStacks());
  } finally {
    await runCommand(DEV, ['down'], { timeoutMs: FIFTEEN_MINUTES });
  }
}

async function runStacks(): Promise<[string, Figures][]> {
  const results: [string, Figures][] = [];

  log('dev server: ./dev up…');
  await runCommand(DEV, ['up'], { env: UP_ENV, timeoutMs: FIFTEEN_MINUTES });
  results.push(['dev server', await checkout('dev server', stackEnv(false), path.join(ROOT, '.dev/up'))]);
  await runCommand(DEV, ['down'], { timeoutMs: FIFTEEN_MINUTES });

  log('cluster: ./dev up --cluster…');
  await runCommand(DEV, ['up', '--cluster'], { env: UP_ENV, timeoutMs: FIFTEEN_MINUTES * 2 });
  const clusterState = path.join(ROOT, '.dev/cluster');
  const clusterEnv = stackEnv(true);
  results.push(['cluster, 2 workers', await checkout('cluster with two workers and two APIs', clusterEnv, clusterState)]);
  await stopProcess(clusterState, 'worker-2');
  results.push(['cluster, 1 worker', await checkout('cluster with one worker (worker-2 stopped) and two APIs', clusterEnv, clusterState)]);
  return results;
}

function printTable(results: [string, Figures][]): void {
  const rows: string[][] = [];
  const [, first] = results[0];
  first.latency.forEach((row, i) => {
    rows.push([`${row[0]}: orders/s to PROCESSING`, ...results.map(([, f]) => f.latency[i]?.[2] ?? '-')]);
    rows.push([`${row[0]}: p50 / p99`, ...results.map(([, f]) => `${f.latency[i]?.[3]} / ${f.latency[i]?.[5]}`)]);
    rows.push([`${row[0]}: answers not 202`, ...results.map(([, f]) => f.latency[i]?.[6] ?? '-')]);
  });
  for (const [phase, key] of [['placing', 'placing'], ['to DELIVERED', 'delivered']] as const) {
    const kinds = new Set(results.flatMap(([, f]) => Object.keys(byKind(f[key]))));
    for (const kind of kinds) {
      const unit = /statements|commands/.test(kind) ? '' : ' (CPU ms)';
      rows.push([`${phase}: ${kind}${unit} per order`, ...results.map(([, f]) => byKind(f[key])[kind]?.toFixed(1) ?? '-')]);
    }
  }
  console.log(`\n${table(['', ...results.map(([label]) => label)], rows)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
