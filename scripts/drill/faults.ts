// The faults: SIGKILL the worker (and start it again), restart the Temporal dev server (same
// database file), stop Redis or PostgreSQL for a while. Services go away and come back through
// scripts/service.sh, the stack's own functions. Each fault's window is recorded for the
// invariant on 503 answers.
import { type ServiceName, service } from '../lib/services';
import type { DrillProcess } from './processes';
import type { Fault } from './profile';
import { type DrillLog, sleep } from './tools';

export interface FaultWindow {
  kind: 'worker' | 'temporal' | 'postgres' | 'redis';
  from: number;
  to: number;
}

export class FaultInjector {
  readonly windows: FaultWindow[] = [];
  readonly figures = { kills: 0, workerRestarts: 0, temporalRestarts: 0, redisStops: 0, postgresStops: 0 };

  constructor(
    private readonly log: DrillLog,
    private readonly worker: DrillProcess,
  ) {}

  async apply(fault: Fault): Promise<void> {
    const from = Date.now();
    const back = (kind: FaultWindow['kind'], what: string) => {
      this.windows.push({ kind, from, to: Date.now() });
      this.log.note(`${what} after ${((Date.now() - from) / 1000).toFixed(1)} s`);
    };
    switch (fault.kind) {
      case 'kill-worker': {
        this.log.note(`SIGKILL the worker (pid ${this.worker.child?.pid})`);
        await this.worker.stop('SIGKILL');
        this.figures.kills++;
        this.worker.start();
        this.figures.workerRestarts++;
        await this.worker.waitReady(60_000);
        back('worker', `worker back (pid ${this.worker.child?.pid})`);
        return;
      }
      case 'restart-temporal': {
        this.log.note('stopping the Temporal dev server');
        await service('stop', 'temporal');
        await sleep(fault.downMs);
        this.log.note('starting the Temporal dev server again (same database file)');
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
