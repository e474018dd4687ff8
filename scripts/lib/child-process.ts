// The processes our tools start (the fault drill's worker and API, the benchmarks' workers, API
// and floor, the stack's service script): start an entry (compiled JavaScript on plain node, or
// TypeScript with tsx as a loader: one process, one pid), wait for a line it prints, stop it, or
// run a command to its end.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import type { Writable } from 'node:stream';

export const ROOT = path.resolve(__dirname, '../..');

export interface StartChildOptions {
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** Both output streams go here (and not to the console). */
  log?: Writable;
  /**
   * Without `log`: the child's stderr (a worker's expected warnings, one per parked order) is kept,
   * not echoed; its last 8 KB are printed if the child exits with an error.
   */
  quiet?: boolean;
  /** A process group of its own, so that stopChild(..., { group: true }) reaches all of it. */
  detached?: boolean;
}

export function startChild(name: string, entry: string, opts: StartChildOptions = {}): ChildProcess {
  // A compiled entry (dist/**/*.js) runs on plain node, as production does; a .ts one under tsx
  // as a loader (not the tsx CLI, which would put a second process between us and the child).
  const loader = entry.endsWith('.js') ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, entry], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  if (opts.log) {
    child.stdout?.pipe(opts.log, { end: false });
    child.stderr?.pipe(opts.log, { end: false });
    return child;
  }
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

/** Resolves when the child prints `line` on stdout; rejects when it exits first or the time runs out. */
export function waitForLine(child: ChildProcess, line: string, timeoutMs = 120_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    const done = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      done();
      reject(new Error(`child exited (${code ?? signal}) before "${line}"`));
    };
    const onData = (chunk: Buffer) => {
      // Only a tail is kept: the line may straddle two chunks.
      seen = (seen + chunk.toString()).slice(-(line.length + 65_536));
      if (!seen.includes(line)) return;
      done();
      child.stdout?.resume();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no "${line}" within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('exit', onExit);
    child.stdout?.on('data', onData);
  });
}

export interface StopChildOptions {
  signal?: NodeJS.Signals;
  /** The whole process group (a child started `detached`). */
  group?: boolean;
  /** SIGKILL after this long. */
  graceMs?: number;
}

/** Sends `signal` (SIGTERM by default) and waits for the exit; SIGKILL after the grace time. */
export async function stopChild(child: ChildProcess, { signal = 'SIGTERM', group = false, graceMs = 15_000 }: StopChildOptions = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const send = (s: NodeJS.Signals) => {
    try {
      process.kill(group ? -pid : pid, s);
    } catch {
      // already gone
    }
  };
  send(signal);
  const timer = setTimeout(() => send('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Runs a command to its end (in the repository root); rejects with its output when it fails. */
export function runCommand(file: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}
