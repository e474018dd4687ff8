// An order worker in a process of its own (order-worker-process.ts), so a test can SIGKILL it.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export function killProcess(proc: ChildProcess): void {
  proc.kill('SIGKILL');
  proc.stdout?.destroy();
  proc.stderr?.destroy();
}

/** Starts an order worker in another process on `taskQueue`; resolves once it polls. */
export function startWorkerProcess(taskQueue: string, bundlePath: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  // `--import tsx` compiles in this very process (the tsx CLI would put a wrapper process between).
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'order-worker-process.ts')], {
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
