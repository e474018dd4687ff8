// A worker in a process of its own (order-worker-process.ts, or another script here such as
// webhook-worker-process.ts), so a test can SIGKILL it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SagaTestBed, orderWorkflowBundle } from '../../support/temporal';

export function killProcess(proc: ChildProcess): void {
  proc.kill('SIGKILL');
  proc.stdout?.destroy();
  proc.stderr?.destroy();
}

/** Starts a worker (`script`, an order worker by default) in another process on `taskQueue`; resolves once it polls. */
export function startWorkerProcess(taskQueue: string, bundlePath: string, env: Record<string, string> = {}, script = 'order-worker-process.ts'): Promise<ChildProcess> {
  // `--import tsx` compiles in this very process (the tsx CLI would put a wrapper process between).
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, script)], {
    env: { ...process.env, TASK_QUEUE: taskQueue, WORKFLOW_BUNDLE_PATH: bundlePath, PAYMENT_LATENCY_MS: '3000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`worker process exited (${code}) before it was ready: ${stderr}`)));
  });
}

/**
 * For a test file that SIGKILLs workers: a saga test bed without an in-process worker (the test
 * starts one with `bed.startWorker()` when it wants), the workflow bundle on disk, and one worker
 * process at a time. Registers the file's beforeAll and afterAll.
 */
export function killableWorkers(name: string): { bed: SagaTestBed; startProcess(): Promise<void>; killProcess(): void } {
  const bed = new SagaTestBed(name, { noWorker: true });
  let bundlePath = '';
  let child: ChildProcess | undefined;
  const kill = () => {
    if (child) killProcess(child);
    child = undefined;
  };
  beforeAll(async () => {
    await bed.start();
    const dir = await mkdtemp(path.join(tmpdir(), 'ordersaga-bundle-'));
    bundlePath = path.join(dir, 'workflow-bundle.js');
    await writeFile(bundlePath, (await orderWorkflowBundle()).code);
  });
  afterAll(async () => {
    kill();
    await bed.stop();
    if (bundlePath) await rm(path.dirname(bundlePath), { recursive: true, force: true });
  });
  return {
    bed,
    async startProcess() {
      kill();
      child = await startWorkerProcess(bed.taskQueue, bundlePath);
    },
    killProcess: kill,
  };
}
