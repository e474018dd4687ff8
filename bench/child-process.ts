// The processes a benchmark starts (workers, the API, the floor): start an entry (compiled
// JavaScript on plain node, or TypeScript with tsx as a loader: one process, one pid), wait for a
// line it prints, sample its resident set and CPU time from /proc, stop it.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/**
 * `quiet`: the child's stderr (a worker's expected warnings, one per parked order) is kept, not
 * echoed; its last 8 KB are printed if the child exits with an error.
 */
export function startChild(name: string, entry: string, env: Record<string, string>, opts: { nodeArgs?: string[]; quiet?: boolean } = {}): ChildProcess {
  // A compiled entry (dist/**/*.js) runs on plain node, as production does; a .ts one under tsx.
  const loader = entry.endsWith('.js') ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (!opts.quiet) process.stderr.write(`[${name}] ${chunk.toString()}`);
    else tail = (tail + chunk.toString()).slice(-8192);
  });
  child.once('exit', (code) => {
    if (opts.quiet && code !== 0 && code !== null && tail) process.stderr.write(`[${name}] exited ${code}; its last stderr:\n${tail}\n`);
  });
  return child;
}

/** Resolves when the child prints `line`; rejects when it exits first or the time runs out. */
export function waitForLine(child: ChildProcess, line: string, timeoutMs = 120_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${line}" within ${timeoutMs / 1000} s`)), timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before "${line}"`));
    };
    child.once('exit', onExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(line)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout?.resume();
        resolve();
      }
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** User plus system CPU time a process has used, in seconds (from /proc: Linux only; NaN elsewhere or once it is gone). */
export function processCpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

// USER_HZ, which Linux fixes at 100 on every architecture it runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** VmRSS and VmHWM (peak resident set) of a process, in bytes; null once it is gone. */
export function processMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/**
 * Samples a child's VmRSS every `everyMs` (with the wall-clock time, to attribute peaks to phases);
 * `peak()` is the larger of the sampled maximum and the kernel's VmHWM.
 */
export function sampleMemory(pid: number, everyMs = 100): { peak(): number; peakBetween(fromMs: number, toMs: number): number; baseline: number; stop(): void } {
  const first = processMemory(pid);
  const samples: { at: number; rss: number }[] = first ? [{ at: Date.now(), rss: first.rss }] : [];
  let hwm = first?.hwm ?? 0;
  const timer = setInterval(() => {
    const m = processMemory(pid);
    if (!m) return;
    samples.push({ at: Date.now(), rss: m.rss });
    hwm = Math.max(hwm, m.hwm);
  }, everyMs);
  timer.unref();
  return {
    baseline: first?.rss ?? NaN,
    peak: () => {
      const m = processMemory(pid);
      if (m) hwm = Math.max(hwm, m.hwm);
      return Math.max(hwm, ...samples.map((x) => x.rss));
    },
    /** The largest sampled VmRSS between two Date.now() times. */
    peakBetween: (fromMs, toMs) => {
      const within = samples.filter((x) => x.at >= fromMs && x.at <= toMs).map((x) => x.rss);
      return within.length > 0 ? Math.max(...within) : NaN;
    },
    stop: () => clearInterval(timer),
  };
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : '-';
}
