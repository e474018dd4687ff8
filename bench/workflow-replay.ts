// The saga's workflow code alone, as a diagnosis (in-process, no services): replays a stored
// history many times and prints the CPU per replay and the promises the workflow made (the SDK's
// promise hook takes a stack trace for each). Profile it with
//   node --cpu-prof --cpu-prof-dir=/tmp/replay-prof --import tsx bench/workflow-replay.ts
// docs/decisions.md ("Where the workflow thread's time goes") has what it showed.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { DefaultLogger, Worker } from '@temporalio/worker';
import { historyFromJson } from '../test/support/history-json';
import { bundleOrderWorkflows, ORDER_WORKFLOWS_PATH } from '../workers/order-worker';
import { parseFlags } from './support';

const flags = parseFlags(process.argv.slice(2), { history: 'test/histories/delivered.json', replays: 300 });

async function main(): Promise<void> {
  const json: unknown = JSON.parse(await readFile(path.resolve(flags.history), 'utf8'));
  const { code } = await bundleOrderWorkflows(ORDER_WORKFLOWS_PATH, new DefaultLogger('WARN'));
  const histories = Array.from({ length: flags.replays }, (_, i) => ({ workflowId: `replay-${i}`, history: historyFromJson(json) }));
  // A promise made inside a workflow has the workflow context's Promise as its constructor.
  let workflowPromises = 0;
  const stopCounting = v8.promiseHooks.onInit((promise: Promise<unknown>) => {
    if (promise.constructor !== Promise) workflowPromises++;
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  let failures = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) if (result.error) failures++;
  const wall = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  stopCounting();
  const perReplay = (n: number) => (n / flags.replays).toFixed(1);
  console.log(`${flags.history}: ${flags.replays} replays in ${wall.toFixed(0)} ms, ${failures} failed`);
  console.log(`  CPU per replay ${perReplay((user + system) / 1000)} ms, promises made in the workflow per replay ${perReplay(workflowPromises)}`);
  if (failures > 0) process.exitCode = 1;
}

void main();
