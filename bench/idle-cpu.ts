// The idle cost of a running `./dev up` stack: CPU ms per second of each process tree over a
// window with no traffic, read from /proc (bench/stack-processes.ts), taken `--times` times.
//   npx tsx bench/idle-cpu.ts [--seconds 30] [--times 2]
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stackProcesses, treeCpuSeconds } from './stack-processes';

const STATE = process.env.STACK_STATE ?? path.join(__dirname, '..', '.dev/up');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const seconds = flag('seconds', 30);
  const times = flag('times', 2);
  const processes = stackProcesses(STATE);
  if (processes.length === 0) throw new Error(`no stack processes under ${STATE}: is ./dev up running?`);
  for (let run = 1; run <= times; run++) {
    const before = treeCpuSeconds(processes);
    await sleep(seconds * 1000);
    const after = treeCpuSeconds(processes);
    const figures = processes.map(({ name }) => `${name} ${(((after[name] - before[name]) * 1000) / seconds).toFixed(1)}`);
    process.stdout.write(`idle ${run}/${times} over ${seconds} s, CPU ms/s: ${figures.join(', ')}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
