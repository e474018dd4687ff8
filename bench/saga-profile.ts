// What the saga benchmark reports besides throughput: PostgreSQL round trips and time per activity
// type, and the worker runtime's Temporal metrics (task latencies, sticky cache, empty polls).
import { asyncLocalStorage } from '@temporalio/activity';
import { Client as PgClient } from 'pg';
import { ms, table } from './support';

// ---------------------------------------------------------------- profile: Temporal's metrics, DB round trips, activity time

/** Sums of every histogram `_sum`/`_count` and counter on the worker runtime's Prometheus endpoint, for one task queue. */
export async function scrapeTemporal(port: number, taskQueue: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, name, labels = '', value] = match;
    if (name.endsWith('_bucket')) continue;
    if (labels.includes('task_queue=') && !labels.includes(`task_queue="${taskQueue}"`) && !labels.includes(`task_queue="${taskQueue}`)) continue;
    totals.set(name, (totals.get(name) ?? 0) + Number(value));
  }
  return totals;
}

export function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
}

/** Counts PostgreSQL round trips (pg Client.query calls) and time per activity type. */
export class ActivityProfile {
  private readonly queries = new Map<string, number>();
  private readonly calls = new Map<string, { count: number; ms: number }>();

  install(): void {
    const proto = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    const queries = this.queries;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const activity = asyncLocalStorage.getStore()?.info.activityType ?? '(outside activities)';
      queries.set(activity, (queries.get(activity) ?? 0) + 1);
      return original.apply(this, args);
    };
  }

  wrap<T extends object>(activities: T): T {
    return Object.fromEntries(
      Object.entries(activities).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          const t0 = performance.now();
          try {
            return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
          } finally {
            const c = this.calls.get(name) ?? { count: 0, ms: 0 };
            c.count++;
            c.ms += performance.now() - t0;
            this.calls.set(name, c);
          }
        },
      ]),
    ) as T;
  }

  reset(): void {
    this.queries.clear();
    this.calls.clear();
  }

  report(): string {
    const rows = [...this.calls].map(([name, c]) => [
      name,
      String(c.count),
      ms(c.ms / c.count),
      ((this.queries.get(name) ?? 0) / c.count).toFixed(1),
    ]);
    const outside = this.queries.get('(outside activities)') ?? 0;
    return `${table(['activity', 'runs', 'mean time', 'PG round trips/run'], rows)}\n(outside activities: ${outside} PG round trips: carrier dispatcher, fallbacks)`;
  }
}

export function temporalReport(d: Map<string, number>, orders: number): string {
  const mean = (base: string) => {
    const sum = [...d].find(([k]) => k.startsWith(base) && k.endsWith('_sum'));
    const count = [...d].find(([k]) => k.startsWith(base) && k.endsWith('_count'));
    return sum && count && count[1] > 0 ? { mean: sum[1] / count[1], count: count[1], unit: sum[0].includes('seconds') ? 1000 : 1 } : null;
  };
  const rows: string[][] = [];
  for (const [label, base] of [
    ['workflow task schedule-to-start', 'temporal_workflow_task_schedule_to_start_latency'],
    ['workflow task execution', 'temporal_workflow_task_execution_latency'],
    ['workflow task replay', 'temporal_workflow_task_replay_latency'],
    ['activity schedule-to-start', 'temporal_activity_schedule_to_start_latency'],
    ['activity execution', 'temporal_activity_execution_latency'],
  ] as const) {
    const m = mean(base);
    if (m) rows.push([label, ms(m.mean * m.unit), (m.count / orders).toFixed(1)]);
  }
  const counter = (prefix: string) => [...d].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
  const hits = counter('temporal_sticky_cache_hit');
  const misses = counter('temporal_sticky_cache_miss');
  return `${table(['Temporal (worker side)', 'mean', 'per order'], rows)}\nsticky cache: ${hits} hits, ${misses} misses; empty polls: ${counter('temporal_workflow_task_queue_poll_empty')} workflow, ${counter('temporal_activity_poll_no_task')} activity`;
}
