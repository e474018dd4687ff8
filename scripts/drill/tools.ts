// Small tools every part of the drill uses: its settings, its transcript and a few helpers.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/child-process';

export interface DrillSettings {
  /** Where the drill keeps its logs, pid files and transcript (scripts/drill.sh's DRILL_STATE). */
  state: string;
  logsDir: string;
  /** Ports are offsets from this (see scripts/drill.sh). */
  base: number;
  /** On the real Temporal server (scripts/drill.sh --cluster): two workers and two APIs. */
  cluster: boolean;
  /** One API process per address (two on the cluster). */
  apiUrls: string[];
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
}

export function drillSettings(env: NodeJS.ProcessEnv = process.env): DrillSettings {
  const state = env.DRILL_STATE ?? path.join(ROOT, '.dev/drill');
  const base = Number(env.DRILL_PORT_BASE ?? 27000);
  const cluster = env.TEMPORAL_KIND === 'cluster';
  return {
    state,
    logsDir: path.join(state, 'logs'),
    base,
    cluster,
    apiUrls: (cluster ? [1, 2] : [1]).map((i) => `http://127.0.0.1:${base + 299 + i}`),
    databaseUrl: env.DATABASE_URL ?? `postgres://ordersaga:ordersaga@127.0.0.1:${base + 433}/ordersaga`,
    temporalAddress: env.TEMPORAL_ADDRESS ?? `127.0.0.1:${base + 233}`,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
  };
}

/** What the drill prints, also written to <state>/drill.log (the test suite's run is read there). */
export class DrillLog {
  readonly started = Date.now();
  private readonly file: string;

  constructor(state: string) {
    mkdirSync(state, { recursive: true });
    this.file = path.join(state, 'drill.log');
  }

  out(text: string): void {
    process.stdout.write(text);
    appendFileSync(this.file, text);
  }

  /** A line of the timeline, stamped with the seconds since the drill started. */
  note(message: string): void {
    this.out(`[${this.elapsed()}s] ${message}\n`);
  }

  elapsed(): string {
    return ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
  }
}

export const TERMINAL = new Set(['DELIVERED', 'REJECTED', 'CANCELLED']);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

export function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

export function formatCounts(counts: Map<string, number>): string {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
}
