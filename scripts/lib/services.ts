// The stack's services for TypeScript tools, started and stopped by scripts/service.sh with the
// same shell functions as `./dev up`, `./dev test` and the drill (scripts/stack.sh): one way to
// start PostgreSQL, Redis and the Temporal dev server, with one set of flags.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCommand } from './child-process';

export type ServiceName = 'pg' | 'redis' | 'temporal';

/**
 * Starts or stops one service of the stack whose data folder and ports are in `env` (STATE,
 * PG_PORT, REDIS_PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT) or, without it, in this process's
 * environment (as scripts/drill.sh exports them).
 */
export function service(action: 'start' | 'stop', name: ServiceName, env: Record<string, string> = {}): Promise<void> {
  return runCommand(path.join(ROOT, 'scripts/service.sh'), [action, name], { env });
}

export interface TemporalDevServer {
  address: string;
  /** Where its log and database are. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * A Temporal dev server of the caller's own in a temporary folder (removed by `stop`), with
 * `./dev up`'s flags plus `flags` (a later flag wins: `--db-filename=` keeps it in memory).
 */
export async function startTemporalDevServer(opts: { port: number; uiPort: number; flags?: string[] }): Promise<TemporalDevServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ordersaga-temporal-'));
  const env = {
    STATE: dir,
    TEMPORAL_PORT: String(opts.port),
    TEMPORAL_UI_PORT: String(opts.uiPort),
    TEMPORAL_START_FLAGS: (opts.flags ?? []).join(' '),
  };
  const stop = async () => {
    await service('stop', 'temporal', env);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await service('start', 'temporal', env);
  } catch (err) {
    await service('stop', 'temporal', env).catch(() => undefined);
    throw err;
  }
  return { address: `127.0.0.1:${opts.port}`, dir, stop };
}
