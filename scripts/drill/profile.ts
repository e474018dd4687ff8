// The drill's profiles: the full one (`./dev drill`), the short one inside `./dev test`, and the
// cluster's (`./dev drill --cluster`: two workers and two APIs, one of each killed and left down
// while the other carries the load, then the Temporal server restarted). Each is a load (orders
// over seconds) and a timeline of faults.

export interface Profile {
  name: 'full' | 'short' | 'cluster';
  orders: number;
  loadSeconds: number;
  faults: { at: number; fault: Fault }[];
  /** After the load: how long the set of unfinished orders may stay unchanged before we stop waiting. */
  stableMs: number;
  settleTimeoutMs: number;
}

export type Fault =
  /** SIGKILL a worker (the n-th, from 1; default the first), start it again after downMs (default at once). */
  | { kind: 'kill-worker'; n?: number; downMs?: number }
  /** SIGKILL an API process, start it again after downMs: the clients go to the other meanwhile. */
  | { kind: 'kill-api'; n: number; downMs: number }
  | { kind: 'restart-temporal'; downMs: number }
  | { kind: 'stop-redis'; downMs: number }
  | { kind: 'stop-postgres'; downMs: number };

export function profileFromArgs(argv: string[]): Profile {
  let orders: number | undefined;
  let short = false;
  let cluster = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--short') short = true;
    else if (arg === '--cluster') cluster = true;
    else if (arg === '--orders') orders = Number(argv[++i]);
    else if (arg.startsWith('--orders=')) orders = Number(arg.slice('--orders='.length));
    else throw new Error(`unknown argument ${arg} (usage: ./dev drill [--orders N] [--short | --cluster])`);
  }
  if (orders !== undefined && (!Number.isSafeInteger(orders) || orders < 10)) throw new Error('--orders must be a whole number >= 10');
  if (short && cluster) throw new Error('--short and --cluster are two profiles: choose one');
  if (cluster) {
    return {
      name: 'cluster',
      orders: orders ?? 200,
      loadSeconds: 120,
      faults: [
        { at: 10, fault: { kind: 'kill-worker', n: 1, downMs: 30_000 } },
        { at: 50, fault: { kind: 'kill-api', n: 1, downMs: 20_000 } },
        { at: 80, fault: { kind: 'restart-temporal', downMs: 8000 } },
        { at: 100, fault: { kind: 'kill-worker', n: 2 } },
      ],
      stableMs: 75_000,
      settleTimeoutMs: 300_000,
    };
  }
  if (short) {
    return {
      name: 'short',
      orders: orders ?? 60,
      loadSeconds: 34,
      faults: [
        // Redis first, while no other fault's aftermath is around: any 503 then is Redis's fault.
        { at: 3, fault: { kind: 'stop-redis', downMs: 4000 } },
        { at: 10, fault: { kind: 'kill-worker' } },
        { at: 15, fault: { kind: 'restart-temporal', downMs: 3000 } },
        { at: 23, fault: { kind: 'kill-worker' } },
        { at: 27, fault: { kind: 'stop-postgres', downMs: 6000 } },
      ],
      stableMs: 30_000,
      settleTimeoutMs: 120_000,
    };
  }
  return {
    name: 'full',
    orders: orders ?? 300,
    loadSeconds: 150,
    faults: [
      { at: 5, fault: { kind: 'stop-redis', downMs: 15_000 } },
      { at: 25, fault: { kind: 'kill-worker' } },
      { at: 45, fault: { kind: 'restart-temporal', downMs: 8000 } },
      { at: 70, fault: { kind: 'kill-worker' } },
      { at: 90, fault: { kind: 'stop-postgres', downMs: 20_000 } },
      { at: 120, fault: { kind: 'kill-worker' } },
      { at: 133, fault: { kind: 'kill-worker' } },
      { at: 145, fault: { kind: 'kill-worker' } },
    ],
    stableMs: 75_000,
    settleTimeoutMs: 300_000,
  };
}
