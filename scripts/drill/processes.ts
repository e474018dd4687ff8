// The worker and the API (two of each on the cluster), each a child process of the drill (process
// group of its own, so a SIGKILL takes all of it), restarted when it exits by itself (a crash: an
// invariant fails on it).
import type { ChildProcess } from 'node:child_process';
import { type WriteStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startChild, stopChild, waitForLine } from '../lib/child-process';
import type { DrillLog, DrillSettings } from './tools';

export type ProcessKind = 'worker' | 'api';

/** The n-th process of a kind (from 1): the second of each kind adds 10 to its metrics port, one to the API's. */
function processEnv(kind: ProcessKind, n: number, settings: DrillSettings): Record<string, string> {
  const { base } = settings;
  const offset = 10 * (n - 1);
  if (kind === 'worker') {
    return {
      METRICS_PORT: String(base + 465 + offset),
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true', // the drill's receiver is on 127.0.0.1
      CARRIER_SHIP_AFTER_MS: '2000', // the window for changes after payment (until the goods leave)
      CARRIER_DELIVER_AFTER_MS: '500',
      CARRIER_LATENCY_MS: '10',
      PAYMENT_LATENCY_MS: '10',
      CARRIER_POLL_MS: '100',
      SHUTDOWN_GRACE_MS: '5000',
    };
  }
  return { API_PORT: String(base + 299 + n), API_HOST: '127.0.0.1', METRICS_PORT: String(base + 464 + offset), RATE_LIMIT_PER_MINUTE: '1000000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };
}

const ENTRY: Record<ProcessKind, string> = { worker: 'workers/main.ts', api: 'api/main.ts' };
/** What each prints (a JSON log line) once it serves. */
const READY_MARKER: Record<ProcessKind, string> = { worker: '"worker started"', api: '"api listening"' };

/** The drill's workers or APIs: one of each, two on the cluster (named worker-1, worker-2, ...). */
export function drillProcesses(kind: ProcessKind, settings: DrillSettings, transcript: DrillLog): DrillProcess[] {
  if (!settings.cluster) return [new DrillProcess(kind, 1, kind, settings, transcript)];
  return [1, 2].map((n) => new DrillProcess(kind, n, `${kind}-${n}`, settings, transcript));
}

export class DrillProcess {
  child: ChildProcess | null = null;
  /** Exits the drill did not cause, in words. */
  readonly crashes: string[] = [];
  private expectingExit = false;
  private ready: Promise<void> = Promise.resolve();
  private readonly log: WriteStream;

  constructor(
    readonly kind: ProcessKind,
    private readonly n: number,
    readonly name: string,
    private readonly settings: DrillSettings,
    private readonly transcript: DrillLog,
  ) {
    mkdirSync(settings.logsDir, { recursive: true });
    this.log = createWriteStream(path.join(settings.logsDir, `${name}.log`), { flags: 'a' });
  }

  start(): void {
    const child = startChild(this.name, ENTRY[this.kind], { env: { LOG_LEVEL: 'info', ...processEnv(this.kind, this.n, this.settings) }, log: this.log, detached: true });
    this.child = child;
    this.expectingExit = false;
    // drill.sh stops what a crashed drill left behind by these.
    writeFileSync(path.join(this.settings.state, `${this.name}.pid`), `${child.pid}\n`);
    this.ready = waitForLine(child, READY_MARKER[this.kind], 600_000);
    this.ready.catch(() => undefined); // waitReady reports it
    child.on('exit', (code, signal) => {
      this.log.write(`--- drill: ${this.name} exited (code ${code}, signal ${signal})\n`);
      if (this.child !== child) return;
      this.child = null;
      if (this.expectingExit) return;
      const what = `${this.name} exited by itself at ${this.transcript.elapsed().trim()} s (code ${code}, signal ${signal}); see ${path.relative(ROOT, this.settings.logsDir)}/${this.name}.log`;
      this.crashes.push(what);
      this.transcript.note(`UNEXPECTED: ${what}; restarting it`);
      this.start();
    });
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    if (!this.child) return;
    this.expectingExit = true;
    await stopChild(this.child, { signal, group: true });
  }

  /** Until the current process (or the one restarted after a crash) is ready. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = this.ready;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ready,
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${timeoutMs} ms`)), deadline - Date.now()))),
        ]);
        return;
      } catch (err) {
        if (this.ready === ready || Date.now() >= deadline) throw err;
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
