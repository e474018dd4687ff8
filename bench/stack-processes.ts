// The processes of a running `./dev up` stack and the CPU each has used, read from /proc (Linux).
// A process's CPU is its whole tree's: PostgreSQL serves every connection in a backend process of
// its own, and a backend that has exited is counted in the postmaster's cumulative children time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface StackProcess {
  name: string;
  pid: number;
}

/**
 * The stack's processes from the pid files `./dev up` (or `./dev up --cluster`) writes under its
 * state folder: one `<name>.pid` per process it spawned (api, worker, temporal; api-1, worker-2,
 * ui on the cluster), PostgreSQL's postmaster.pid and Redis's pid file.
 */
export function stackProcesses(state: string): StackProcess[] {
  const files: [string, string][] = readdirSync(state)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => [f.slice(0, -'.pid'.length), path.join(state, f)]);
  files.push(['postgres', path.join(state, 'pg', 'postmaster.pid')], ['redis', path.join(state, 'redis', 'redis.pid')]);
  const found: StackProcess[] = [];
  for (const [name, file] of files) {
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0].trim()) : NaN;
    if (Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`)) found.push({ name, pid });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks */
  ticks: number;
}

function readStat(pid: string): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): ppid is the 2nd, utime..cstime the 12th..15th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: fixed at 100 on every architecture Linux runs on

/** CPU seconds used so far by each named process tree (itself, its live descendants, and the children it has reaped). */
export function treeCpuSeconds(processes: StackProcess[]): Record<string, number> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(entry);
    if (s) stats.set(Number(entry), s);
  }
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const result: Record<string, number> = {};
  for (const { name, pid } of processes) {
    let ticks = 0;
    const queue = [pid];
    while (queue.length > 0) {
      const p = queue.pop()!;
      ticks += stats.get(p)?.ticks ?? 0;
      queue.push(...(children.get(p) ?? []));
    }
    result[name] = ticks / CLOCK_TICKS_PER_SECOND;
  }
  return result;
}
