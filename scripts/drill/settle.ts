// After the load: wait until every order is terminal or has stopped changing, retrying parked
// (NEEDS_ATTENTION) orders once as an operator would (runbook: retry).
import type { Pool } from 'pg';
import type { DrillClient } from './http';
import type { Profile } from './profile';
import { type DrillLog, countBy, formatCounts, sleep } from './tools';

export interface OrderRow {
  id: string;
  status: string;
  status_reason: string | null;
  parked_from: string | null;
}

export async function settle(db: Pool, client: DrillClient, log: DrillLog, ids: string[], profile: Profile): Promise<{ retried: number; waitedMs: number }> {
  const from = Date.now();
  let signature = '';
  let unchangedSince = Date.now();
  const retried = new Set<string>();
  let lastReport = 0;
  for (;;) {
    const { rows } = await db.query<OrderRow>(
      `SELECT id, status, status_reason, parked_from FROM orders WHERE id = ANY($1::uuid[]) AND status NOT IN ('DELIVERED','REJECTED','CANCELLED') ORDER BY id`,
      [ids],
    );
    if (rows.length === 0) return { retried: retried.size, waitedMs: Date.now() - from };
    const now = rows.map((r) => `${r.id}:${r.status}`).join(',');
    if (now !== signature) {
      signature = now;
      unchangedSince = Date.now();
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      log.note(`settling: ${rows.length} unfinished (${formatCounts(countBy(rows.map((r) => r.status)))})`);
    }
    // A parked order waits for an operator: after the faults we are that operator.
    const parked = rows.filter((r) => r.status === 'NEEDS_ATTENTION' && !retried.has(r.id));
    if (parked.length > 0 && Date.now() - unchangedSince > 5000) {
      log.note(`retrying ${parked.length} NEEDS_ATTENTION order(s) as an operator: ${[...new Set(parked.map((p) => p.status_reason))].join(' | ')}`);
      for (const p of parked) {
        const r = await client.call('POST', 'POST /v1/orders/{id}/retry', `/v1/orders/${p.id}/retry`);
        if (r.status !== 202) log.note(`retry of ${p.id} answered ${r.status}`);
        retried.add(p.id);
      }
      unchangedSince = Date.now();
    }
    if (Date.now() - unchangedSince > profile.stableMs || Date.now() - from > profile.settleTimeoutMs) {
      return { retried: retried.size, waitedMs: Date.now() - from };
    }
    await sleep(2000);
  }
}

/** Then the returns: a received return refunds on its own (its workflow); wait until none is between receipt and refund. */
export async function settleReturns(db: Pool, log: DrillLog, ids: string[], timeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM returns WHERE order_id = ANY($1::uuid[]) AND status = 'RECEIVED'`, [ids]);
    if (rows[0].n === 0) return;
    if (Date.now() > giveUpAt) {
      log.note(`${rows[0].n} return(s) still RECEIVED, not refunded, after ${timeoutMs / 1000} s`);
      return;
    }
    await sleep(1000);
  }
}
