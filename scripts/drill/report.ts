// What the drill prints at the end: the invariant table, the HTTP answers around each fault, the
// figures, the details of what did not hold, and one DRILL-RESULT line for machines.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FaultInjector } from './faults';
import type { DrillFacts } from './facts';
import { type Check, FAULT_GRACE_MS, duplicates, lostOrderIds, webhookDeliveries } from './invariants';
import type { Profile } from './profile';
import type { DrillOrder } from './load';
import { type DrillLog, countBy, formatCounts } from './tools';

/** Prints the report; returns whether every invariant holds. */
export function report(log: DrillLog, state: string, profile: Profile, facts: DrillFacts, checks: Check[], faults: FaultInjector, retried: number): boolean {
  const { answers, orders, ids } = facts;
  const failed = checks.filter((c) => c.violations > 0);
  const lost = lostOrderIds(facts).length;
  const duplicated = duplicates(facts).total;
  const hooks = webhookDeliveries(facts);

  const width = Math.max(...checks.map((c) => c.name.length));
  log.out(`\nINVARIANTS (${profile.name} drill)\n`);
  for (const c of checks) {
    const verdict = c.violations === 0 ? 'holds' : `VIOLATED (${c.violations})`;
    log.out(`  ${c.name.padEnd(width)}  ${verdict.padEnd(14)}  ${c.detail}\n`);
  }
  const count503 = answers.filter((a) => a.status === 503).length;
  const seconds = Math.round((Date.now() - log.started) / 1000);
  const { figures } = faults;
  const fig = {
    orders: orders.length,
    accepted: ids.length,
    kills: figures.kills,
    restarts: `worker ${figures.workerRestarts}, api ${figures.apiRestarts}, temporal ${figures.temporalRestarts}, redis ${figures.redisStops}, postgres ${figures.postgresStops}`,
    lost,
    duplicated,
    '503s': count503,
    'http answers': answers.length,
    statuses: formatCounts(countBy(answers.map((a) => String(a.status)))),
    'parked and retried': retried,
    ...afterPaymentFigures(orders),
    webhooks: `${hooks.events} events, ${hooks.delivered} delivered, ${hooks.repeats} repeats`,
    seconds,
  };
  log.out(`\nHTTP ANSWERS DURING THE FAULTS (while down | in the ${FAULT_GRACE_MS / 1000} s after)\n`);
  for (const w of faults.windows) {
    const during = answers.filter((a) => a.startedAt <= w.to && a.endedAt >= w.from);
    const after = answers.filter((a) => a.endedAt > w.to && a.startedAt <= w.to + FAULT_GRACE_MS && !during.includes(a));
    const span = `${((w.from - log.started) / 1000).toFixed(1)}-${((w.to - log.started) / 1000).toFixed(1)} s`;
    log.out(`  ${w.kind.padEnd(9)} ${span.padEnd(14)} ${formatCounts(countBy(during.map((a) => String(a.status)))).padEnd(28)} | ${formatCounts(countBy(after.map((a) => String(a.status))))}\n`);
  }
  writeFileSync(path.join(state, 'answers.jsonl'), answers.map((a) => JSON.stringify({ ...a, at: ((a.startedAt - log.started) / 1000).toFixed(3) })).join('\n') + '\n');
  log.out('\nFIGURES\n');
  for (const [k, v] of Object.entries(fig)) log.out(`  ${k.padEnd(18)} ${v}\n`);
  const problems = checks.flatMap((c) => c.problems ?? []);
  if (problems.length) {
    log.out('\nDETAILS OF WHAT DID NOT HOLD\n');
    for (const p of problems) log.out(`  - ${p.slice(0, 4000)}\n`);
  }
  log.out(
    `\nDRILL-RESULT ${JSON.stringify({ profile: profile.name, holds: failed.length === 0, invariants: checks.length, violated: failed.map((c) => c.name), orders: orders.length, kills: figures.kills, lost, duplicated, status503: count503, webhookEvents: hooks.events, webhooksDelivered: hooks.delivered, webhookRepeats: hooks.repeats, ...afterPaymentCounts(orders), seconds })}\n`,
  );
  log.out(failed.length === 0 ? '\ndrill: every invariant holds\n' : `\ndrill: ${failed.length} invariant(s) VIOLATED\n`);
  return failed.length === 0;
}

/** The answers the changes after payment and the returns got ('missed': the order never got there). */
function afterPaymentFigures(orders: DrillOrder[]): Record<string, string> {
  const planned = orders.filter((o) => o.orderId !== null);
  const changes = planned.flatMap((o) => o.after.changeStatuses.map(String));
  const returns = planned.filter((o) => o.afterPayment.return !== null);
  const ends = returns.filter((o) => o.after.endStatus !== null).map((o) => `${o.afterPayment.return!.end} ${o.after.endStatus}`);
  return {
    changes: formatCounts(countBy(changes)),
    returns: `requested ${formatCounts(countBy(returns.map((o) => String(o.after.returnStatus))))}; then ${formatCounts(countBy(ends))}`,
  };
}

/** For machines (DRILL-RESULT): changes answered 200 and returns received (200), so a run that exercised neither shows. */
function afterPaymentCounts(orders: DrillOrder[]): { changesApplied: number; returnsReceived: number } {
  return {
    changesApplied: orders.reduce((n, o) => n + o.after.changeStatuses.filter((s) => s === 200).length, 0),
    returnsReceived: orders.filter((o) => o.afterPayment.return?.end.startsWith('receive') && o.after.endStatus === 200).length,
  };
}
