// The faults: SIGKILL a worker or an API process (and start it again, at once or after a while),
// restart the Temporal server (same data), stop Redis or PostgreSQL for a while. Services go away
// and come back through
// scripts/service.sh, the stack's own functions. Each fault's window is recorded for the
// invariant on 503 answers.
import { type ServiceName, service } from '../lib/services';
import type { DrillProcess } from './processes';
import type { Fault } from './profile';
import { type DrillLog, sleep } from './tools';

export interface FaultWindow {
  kind: 'worker' | 'api' | 'temporal' | 'postgres' | 'redis';
  from: number;
  to: number;
  /** A killed API's address: requests in flight there die with it (no HTTP answer). */
  api?: string;
}

export class FaultInjector {
  readonly windows: FaultWindow[] = [];
  readonly figures = { kills: 0, workerRestarts: 0, apiRestarts: 0, temporalRestarts: 0, redisStops: 0, postgresStops: 0 };

  constructor(
    private readonly log: DrillLog,
    private readonly workers: DrillProcess[],
    private readonly apis: DrillProcess[],
    private readonly apiUrls: string[],
  ) {}

  async apply(fault: Fault): Promise<void> {
    const from = Date.now();
    const back = (kind: FaultWindow['kind'], what: string, api?: string) => {
      this.windows.push({ kind, from, to: Date.now(), api });
      this.log.note(`${what} after ${((Date.now() - from) / 1000).toFixed(1)} s`);
    };
    switch (fault.kind) {
      case 'kill-worker': {
        const worker = this.workers[(fault.n ?? 1) - 1];
        await this.kill(worker, fault.downMs ?? 0);
        this.figures.workerRestarts++;
        back('worker', `${worker.name} back (pid ${worker.child?.pid})`);
        return;
      }
      case 'kill-api': {
        const api = this.apis[fault.n - 1];
        await this.kill(api, fault.downMs);
        this.figures.apiRestarts++;
        back('api', `${api.name} back (pid ${api.child?.pid})`, this.apiUrls[fault.n - 1]);
        return;
      }
      case 'restart-temporal': {
        this.log.note('stopping the Temporal server');
        await service('stop', 'temporal');
        await sleep(fault.downMs);
        this.log.note('starting the Temporal server again (same data)');
        await service('start', 'temporal');
        this.figures.temporalRestarts++;
        back('temporal', 'Temporal back');
        return;
      }
      case 'stop-redis':
        return this.outage({ kind: 'redis', service: 'redis', label: 'Redis', counter: 'redisStops' }, fault.downMs, back);
      case 'stop-postgres':
        return this.outage({ kind: 'postgres', service: 'pg', label: 'PostgreSQL', counter: 'postgresStops' }, fault.downMs, back);
    }
  }

  private async kill(process: DrillProcess, downMs: number): Promise<void> {
    this.log.note(`SIGKILL ${process.name} (pid ${process.child?.pid})${downMs ? `, down for ${downMs / 1000} s` : ''}`);
    await process.stop('SIGKILL');
    this.figures.kills++;
    await sleep(downMs);
    process.start();
    await process.waitReady(60_000);
  }

  private async outage(
    what: { kind: FaultWindow['kind']; service: ServiceName; label: string; counter: 'redisStops' | 'postgresStops' },
    downMs: number,
    back: (kind: FaultWindow['kind'], what: string) => void,
  ): Promise<void> {
    this.log.note(`stopping ${what.label} for ${downMs / 1000} s`);
    await service('stop', what.service);
    await sleep(downMs);
    await service('start', what.service);
    this.figures[what.counter]++;
    back(what.kind, `${what.label} back`);
  }
}
