// What a benchmark measures of the processes it started (scripts/lib/child-process.ts): CPU time
// and resident set from /proc (Linux only).
import { readFileSync } from 'node:fs';

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
