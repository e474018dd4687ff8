// The invariants, one named function each, checked in the order of INVARIANTS (the order of the
// table the drill prints). Adding an invariant is adding a function and listing it. Those of
// changes and returns (money, refunds, restocks) are in money-invariants.ts.
import { type Check, type Invariant, sample } from './check';
import type { DrillFacts } from './facts';
import type { Answer } from './http';
import { everyRefundPaidOnce, linesMatchInvoice, moneyMatchesDocuments, reservationsMatchLines, returnsRestockedOnce } from './money-invariants';
import type { OrderRow } from './settle';
import { TERMINAL, countBy, formatCounts } from './tools';

export type { Check } from './check';

/**
 * How long after a fault ends a 503 still counts as caused by it. Activities that were running
 * when the worker or the Temporal server went away are retried only once their 30 s
 * start-to-close timeout passes (the projection steps have no heartbeat), and an order whose
 * placement waits for such a retry is answered 503 after the API's 5 s deadline until then.
 */
export const FAULT_GRACE_MS = 35_000;

const shortSku = (sku: string) => sku.replace('DRILL-', '');

/** Terminal, or waiting where an order may wait (NEEDS_ATTENTION: an operator's turn). */
export async function everyOrderSettled({ ids, projection, query, temporal }: DrillFacts): Promise<Check> {
  const problems: string[] = [];
  const statuses = countBy(ids.map((id) => projection.get(id)?.status ?? 'MISSING'));
  const unfinished = ids.map((id) => projection.get(id)).filter((r): r is OrderRow => !!r && !TERMINAL.has(r.status) && r.status !== 'NEEDS_ATTENTION');
  const stuckCarrier = await query<{ id: string; status: string; carrier: string }>(
    `SELECT o.id, o.status, s.status AS carrier FROM orders o JOIN sim_carrier_shipments s ON s.order_id = o.id
      WHERE o.id = ANY($1::uuid[]) AND o.status IN ('PENDING','PROCESSING','SHIPPED') AND s.status IN ('SHIPPED','DELIVERED')`,
    [ids],
  );
  let detail = formatCounts(statuses);
  if (stuckCarrier.length > 0) {
    detail += `; ${stuckCarrier.length} stuck waiting for the carrier although it reported ${formatCounts(countBy(stuckCarrier.map((s) => s.carrier)))} (carrier events dropped before the booking completed?)`;
    problems.push(`orders stuck waiting for the carrier: ${stuckCarrier.map((s) => `${s.id} (${s.status}, carrier ${s.carrier})`).join(', ')}`);
  }
  const other = unfinished.filter((u) => !stuckCarrier.some((s) => s.id === u.id));
  // What Temporal says about them: a workflow task failing again and again is a workflow bug.
  let failingTasks = 0;
  const described: string[] = [];
  for (const u of other) {
    let state: string;
    try {
      const d = await temporal.workflow.getHandle(`order-${u.id}`).describe();
      const attempt = d.raw.pendingWorkflowTask?.attempt ?? 0;
      if (attempt > 1) failingTasks++;
      state = `${d.status.name}${attempt > 1 ? `, workflow task failing (attempt ${attempt})` : ''}`;
    } catch (err) {
      state = `describe failed: ${String(err)}`;
    }
    described.push(`${u.id} ${u.status} ${u.status_reason ?? ''} [${state}]`);
  }
  if (failingTasks > 0) detail += `; ${failingTasks} with a failing workflow task`;
  if (other.length > 0) problems.push(`unfinished orders: ${described.join(', ')}`);
  return { name: 'every order terminal or in its expected waiting state', violations: unfinished.length, detail, problems };
}

export function ordersEndedAsRequested({ accepted, projection }: DrillFacts): Check {
  const wrong: string[] = [];
  for (const o of accepted) {
    const row = projection.get(o.orderId!);
    if (!row || !TERMINAL.has(row.status)) continue;
    const outOfStock = row.status === 'REJECTED' && /out of stock/i.test(row.status_reason ?? '');
    let expected: string[];
    // A rejection (out of stock, declined) already under way wins over a cancel accepted meanwhile;
    // the cancel's 200 then says REJECTED (see the figures: "cancel 200 but REJECTED").
    if (o.cancelStatus === 200) expected = o.cancelAnswer === 'REJECTED' ? ['REJECTED'] : ['CANCELLED'];
    else if (o.cancel && o.cancelStatus === 409) expected = ['DELIVERED', 'REJECTED'];
    else if (o.cancel) expected = ['CANCELLED', 'DELIVERED', 'REJECTED']; // the cancel got no final answer
    else if (o.token === 'tok_decline') expected = ['REJECTED'];
    else expected = outOfStock ? ['REJECTED'] : ['DELIVERED'];
    if (!expected.includes(row.status)) wrong.push(`${o.orderId} ${o.token}${o.cancel ? ` cancel ${o.cancelStatus}` : ''} -> ${row.status} (${row.status_reason ?? ''})`);
  }
  const cancelRejected = accepted.filter((o) => o.cancelStatus === 200 && o.cancelAnswer === 'REJECTED').length;
  return {
    name: 'each finished order ended as its request says',
    violations: wrong.length,
    detail: `decline->REJECTED, cancel 200->CANCELLED (${cancelRejected} cancel 200 answered REJECTED: a rejection won), else DELIVERED or out of stock${sample(wrong)}`,
    problems: wrong.length ? [`unexpected outcomes: ${wrong.join(', ')}`] : [],
  };
}

/** Per product: on hand = the ledger's sum = start − shipped + restocked (returned units put back). */
export function onHandMatchesLedger({ stock, catalogue }: DrillFacts): Check {
  const initial = new Map(catalogue.products.map((p) => [p.sku, p.onHand]));
  const bad = stock.filter(
    (s) =>
      s.on_hand !== s.ledger ||
      s.received !== initial.get(s.sku) ||
      s.on_hand !== (initial.get(s.sku) ?? 0) - s.shipped_ledger + s.restocked ||
      s.other_moves !== 0 ||
      s.on_hand < s.reserved,
  );
  return {
    name: 'on hand == start − shipped + restocked == ledger (per product)',
    violations: bad.length,
    detail: stock.map((s) => `${shortSku(s.sku)} ${s.on_hand}=${initial.get(s.sku)}-${s.shipped_ledger}+${s.restocked}`).join(', '),
    problems: bad.length ? [`on hand vs ledger: ${JSON.stringify(bad)}`] : [],
  };
}

export async function reservationsMatchReserved({ stock, query }: DrillFacts): Promise<Check> {
  const heldByFinished = await query<{ order_id: string; status: string }>(
    `SELECT DISTINCT r.order_id, o.status FROM inventory_reservations r JOIN orders o ON o.id = r.order_id
      WHERE r.status = 'HELD' AND o.status IN ('DELIVERED','REJECTED','CANCELLED')`,
  );
  const reservedBad = stock.filter((s) => s.reserved !== s.held);
  return {
    name: 'reserved == live reservations; none held by a finished order',
    violations: reservedBad.length + heldByFinished.length,
    detail: `${stock.map((s) => `${shortSku(s.sku)} ${s.reserved}/${s.held}`).join(', ')}; held by finished orders: ${heldByFinished.length}`,
    problems: reservedBad.length || heldByFinished.length ? [`reservations: ${JSON.stringify({ reservedBad, heldByFinished })}`] : [],
  };
}

export async function shippedMatchesLedger({ stock, query }: DrillFacts): Promise<Check> {
  const shipMismatch = stock.filter((s) => s.shipped_res !== s.shipped_ledger);
  const shipsOfUnshipped = await query<{ order_id: string; status: string }>(
    `SELECT DISTINCT m.order_id, o.status FROM stock_movements m JOIN orders o ON o.id = m.order_id
      WHERE m.reason = 'ship' AND NOT (o.status IN ('SHIPPED','DELIVERED') OR (o.status = 'NEEDS_ATTENTION' AND o.parked_from = 'SHIPPED'))`,
  );
  const deliveredUnshipped = await query<{ id: string }>(
    `SELECT o.id FROM orders o WHERE o.status = 'DELIVERED' AND NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.order_id = o.id AND m.reason = 'ship')`,
  );
  const violations = shipMismatch.length + shipsOfUnshipped.length + deliveredUnshipped.length;
  return {
    name: "shipped quantities == ledger 'ship' movements",
    violations,
    detail: `${stock.map((s) => `${shortSku(s.sku)} ${s.shipped_res}/${s.shipped_ledger}`).join(', ')}; ships of unshipped orders ${shipsOfUnshipped.length}, delivered without ship ${deliveredUnshipped.length}`,
    problems: violations ? [`shipping: ${JSON.stringify({ shipMismatch, shipsOfUnshipped, deliveredUnshipped })}`] : [],
  };
}

export async function oneLiveInvoicePerOrder({ query }: DrillFacts): Promise<Check> {
  const invoices = await query<{ id: string; status: string; live: number; paid: number }>(
    `SELECT o.id, o.status, count(i.*) FILTER (WHERE i.status <> 'VOID')::int AS live, count(i.*) FILTER (WHERE i.status = 'PAID')::int AS paid
       FROM orders o LEFT JOIN invoices i ON i.order_id = o.id GROUP BY o.id, o.status`,
  );
  const bad = invoices.filter(
    (i) => i.live > 1 || (i.status === 'DELIVERED' && (i.live !== 1 || i.paid !== 1)) || ((i.status === 'CANCELLED' || i.status === 'REJECTED') && i.live !== 0),
  );
  return {
    name: 'one live invoice per order (PAID when delivered, none when cancelled/rejected)',
    violations: bad.length,
    detail: `${invoices.filter((i) => i.live === 1).length} orders with one live invoice${sample(bad.map((b) => `${b.id} ${b.status} live ${b.live} paid ${b.paid}`))}`,
  };
}

/**
 * Each order's successful captures at the payment simulator, the most of one authorization (a
 * change that raised the total on a card without increments holds the difference on an
 * authorization of its own, captured beside the first), and its payment's status.
 */
function capturesPerOrder({ query }: DrillFacts) {
  return query<{ order_id: string; status: string; captures: number; most_of_one: number; payment_status: string | null }>(
    `WITH caps AS (
       SELECT a.request->>'orderId' AS order_id, a.authorization_id, count(*)::int AS n
         FROM sim_payment_operations c JOIN sim_payment_operations a ON a.operation = 'authorize' AND a.authorization_id = c.request->>'authorizationId'
        WHERE c.operation = 'capture' AND c.outcome = 'succeeded' GROUP BY 1, 2)
     SELECT o.id AS order_id, o.status, p.status AS payment_status,
            COALESCE((SELECT sum(n) FROM caps WHERE caps.order_id = o.id::text), 0)::int AS captures,
            COALESCE((SELECT max(n) FROM caps WHERE caps.order_id = o.id::text), 0)::int AS most_of_one
       FROM orders o LEFT JOIN payments p ON p.order_id = o.id`,
  );
}

export async function atMostOneCapture(facts: DrillFacts): Promise<Check> {
  const captures = await capturesPerOrder(facts);
  const multiple = captures.filter((c) => c.most_of_one > 1);
  const deliveredWithout = captures.filter((c) => c.status === 'DELIVERED' && (c.captures < 1 || c.payment_status !== 'CAPTURED'));
  const split = captures.filter((c) => c.captures > 1).length;
  return {
    name: 'at most one capture per authorization (one at least when delivered)',
    violations: multiple.length + deliveredWithout.length,
    detail: `${captures.reduce((n, c) => n + c.captures, 0)} captures (${split} orders on two authorizations); an authorization captured twice: ${multiple.length}; delivered without: ${deliveredWithout.length}`,
  };
}

export async function noCaptureForCancelled(facts: DrillFacts): Promise<Check> {
  const captures = await capturesPerOrder(facts);
  const ended = captures.filter((c) => c.status === 'CANCELLED' || c.status === 'REJECTED');
  const captured = ended.filter((c) => c.captures > 0 || c.payment_status === 'CAPTURED');
  const authorized = ended.filter((c) => c.payment_status === 'AUTHORIZED');
  return {
    name: 'no capture for a cancelled (or rejected) order; its authorization voided',
    violations: captured.length + authorized.length,
    detail: `captured ${captured.length}, still authorized ${authorized.length}`,
  };
}

export async function gaplessEventSequences({ query }: DrillFacts): Promise<Check> {
  const gaps = await query<{ id: string; n: number; lo: number; hi: number; event_seq: number }>(
    `SELECT o.id, count(e.seq)::int AS n, COALESCE(min(e.seq), 0) AS lo, COALESCE(max(e.seq), 0) AS hi, o.event_seq
       FROM orders o LEFT JOIN order_events e ON e.order_id = o.id GROUP BY o.id, o.event_seq
     HAVING count(e.seq) = 0 OR min(e.seq) <> 1 OR max(e.seq) <> count(e.seq) OR max(e.seq) <> o.event_seq`,
  );
  const total = (await query<{ n: number }>('SELECT count(*)::int AS n FROM order_events'))[0].n;
  return { name: "each order's event sequence gapless (1..n)", violations: gaps.length, detail: `${total} events${sample(gaps.map((g) => `${g.id} ${g.lo}..${g.hi} n=${g.n} event_seq=${g.event_seq}`))}` };
}

/**
 * Only 503s, and only while PostgreSQL, Temporal or a worker was down (or within the grace after).
 * A killed API process answers nothing to what it was serving (a load balancer would say 502): those
 * requests, and only those, may have no answer; the other API must answer as usual meanwhile.
 */
export function only503sDuringFaults({ answers, windows, startedAt }: DrillFacts): Check {
  const faultsAllowing503 = windows.filter((w) => w.kind !== 'redis' && w.kind !== 'api');
  const diedWithItsApi = (a: Answer) => a.status === 0 && windows.some((w) => w.kind === 'api' && w.api === a.api && a.startedAt <= w.to && a.endedAt >= w.from);
  // Blamed on a fault under way when the request ran, else on the latest one whose grace it falls in.
  const inWindow = (a: Answer) =>
    faultsAllowing503.find((w) => a.startedAt <= w.to && a.endedAt >= w.from) ??
    faultsAllowing503.filter((w) => a.startedAt <= w.to + FAULT_GRACE_MS && a.endedAt >= w.from).at(-1);
  const fiveXX = answers.filter((a) => (a.status >= 500 || a.status === 0) && !diedWithItsApi(a));
  const bad = fiveXX.filter((a) => a.status !== 503 || !inWindow(a));
  const by = countBy(fiveXX.filter((a) => a.status === 503).map((a) => inWindow(a)?.kind ?? 'outside'));
  const problems: string[] = [];
  if (bad.length) {
    // Grouped: one line per status, route and answer, with how often and when.
    const groups = new Map<string, Answer[]>();
    for (const b of bad) {
      const key = `${b.status} ${b.route} ${(b.detail ?? '').replace(/^request \S+ /, '')}`;
      groups.set(key, [...(groups.get(key) ?? []), b]);
    }
    const lines = [...groups].map(([key, list]) => {
      const at = (a: Answer) => `${((a.startedAt - startedAt) / 1000).toFixed(1)} s`;
      return `${list.length}x ${key.slice(0, 400)} (${at(list[0])} to ${at(list[list.length - 1])}; first ${list[0].detail?.split(':')[0] ?? ''})`;
    });
    problems.push(`answers outside the rule:\n    ${lines.join('\n    ')}`);
  }
  return {
    name: 'no 5xx but 503, and 503 only while PostgreSQL/Temporal/worker was down',
    violations: bad.length,
    detail: `503s by fault: ${formatCounts(by)}; other 5xx or no answer: ${bad.length}${sample(bad.map((b) => `${b.status} ${b.method} ${b.route} ${b.detail ?? ''}`.slice(0, 200)))}`,
    problems,
  };
}

const runsById = ({ executions }: DrillFacts) => countBy(executions.map((e) => e.workflowId));

/** Accepted orders missing from the projection or from Temporal. */
export function lostOrderIds(facts: DrillFacts): string[] {
  const runs = runsById(facts);
  return facts.ids.filter((id) => !facts.projection.has(id) || !runs.has(`order-${id}`));
}

export function noLostOrder(facts: DrillFacts): Check {
  const { ids, orders } = facts;
  const lost = lostOrderIds(facts);
  const notAccepted = orders.filter((o) => o.orderId === null);
  return {
    name: 'no lost order: every 202 order is in the projection and in Temporal',
    violations: lost.length + notAccepted.length,
    detail: `${ids.length} accepted of ${orders.length} keys; lost ${lost.length}; never accepted ${notAccepted.length}${sample(notAccepted.map((o) => `${o.key} last answer ${o.createStatus}`))}`,
  };
}

/** Orders or workflow runs beyond one per idempotency key, and repeated POSTs that got another order. */
export function duplicates(facts: DrillFacts) {
  const { ids, orders, projection } = facts;
  const runs = runsById(facts);
  const ours = new Set(ids);
  const extraProjection = [...projection.keys()].filter((id) => !ours.has(id));
  const extraWorkflows = [...runs.keys()].filter((wid) => !ours.has(wid.replace(/^order-/, '')));
  const multiRun = [...runs].filter(([, n]) => n > 1);
  const repeatMismatch = orders.filter((o) => o.repeat && o.repeatStatus === 202 && o.repeatOrderId !== o.orderId);
  const repeatFailed = orders.filter((o) => o.repeat && o.orderId !== null && o.repeatStatus !== 202);
  return { extraProjection, repeatMismatch, repeatFailed, total: extraProjection.length + extraWorkflows.length + multiRun.length + repeatMismatch.length };
}

export function noDuplicateOrder(facts: DrillFacts): Check {
  const { ids, orders, executions } = facts;
  const d = duplicates(facts);
  return {
    name: 'no duplicate: one workflow per idempotency key; a repeated POST gets the same order',
    violations: d.total + d.repeatFailed.length,
    detail: `${executions.length} workflow runs for ${ids.length} keys; repeated POSTs ${orders.filter((o) => o.repeat && o.orderId).length} (other order ${d.repeatMismatch.length}, not 202 ${d.repeatFailed.length}); orders outside the keys ${d.extraProjection.length}`,
  };
}

export function projectionAgreesWithWorkflows({ ids, projection, executions }: DrillFacts): Check {
  const byId = new Map(executions.map((e) => [e.workflowId.replace(/^order-/, ''), e]));
  const disagree: string[] = [];
  for (const id of ids) {
    const row = projection.get(id);
    const wf = byId.get(id);
    if (!row || !wf) continue;
    const closed = wf.status !== 'RUNNING';
    if (closed !== TERMINAL.has(row.status) || (wf.orderStatus !== undefined && wf.orderStatus !== row.status) || (closed && wf.status !== 'COMPLETED')) {
      disagree.push(`${id}: projection ${row.status}, workflow ${wf.status} OrderStatus=${wf.orderStatus}`);
    }
  }
  return {
    name: 'the projection agrees with the workflows (status, open/closed)',
    violations: disagree.length,
    detail: `workflows ${formatCounts(countBy(executions.map((e) => e.status)))}${sample(disagree)}`,
    problems: disagree.length ? [`projection vs workflow: ${disagree.join(', ')}`] : [],
  };
}

/** Events, deliveries of them and repeats at the receiver, and what broke the rules of delivery. */
export function webhookDeliveries({ eventIds, deliveries }: DrillFacts) {
  const events = new Set(eventIds);
  const first = new Map<string, { orderId: string | null; seq: number | null }>();
  const lastSeq = new Map<string, number>();
  const outOfOrder: string[] = [];
  const mismatched: string[] = [];
  let repeats = 0;
  for (const d of deliveries) {
    if (d.orderId === null) continue; // a storefront event (endpoint.disabled ...): not an order's
    const earlier = first.get(d.webhookId);
    if (earlier) {
      repeats++;
      if (earlier.orderId !== d.orderId || earlier.seq !== d.seq) mismatched.push(`${d.webhookId} repeated as ${d.orderId}:${d.seq}`);
      continue;
    }
    first.set(d.webhookId, d);
    if (d.webhookId !== `${d.orderId}:${d.seq}`) mismatched.push(`${d.webhookId} carries ${d.orderId}:${d.seq}`);
    // First arrivals of one order in seq order (the dispatcher sends an order's events one after the other).
    const prev = lastSeq.get(d.orderId) ?? 0;
    if (d.seq === null || d.seq <= prev) outOfOrder.push(`${d.orderId}: seq ${d.seq} after ${prev}`);
    else lastSeq.set(d.orderId, d.seq);
  }
  const missing = eventIds.filter((id) => !first.has(id));
  const unknown = [...first.keys()].filter((id) => !events.has(id));
  return { events: eventIds.length, delivered: eventIds.length - missing.length, repeats, missing, unknown, outOfOrder, mismatched };
}

export function everyEventDelivered(facts: DrillFacts): Check {
  const w = webhookDeliveries(facts);
  const problems = [
    w.missing.length ? `events never delivered: ${w.missing.join(', ')}` : '',
    w.unknown.length ? `deliveries of events not in order_events: ${w.unknown.join(', ')}` : '',
    w.outOfOrder.length ? `first arrivals out of seq order: ${w.outOfOrder.join(', ')}` : '',
    w.mismatched.length ? `webhook-id and event disagree: ${w.mismatched.join(', ')}` : '',
  ].filter((p) => p !== '');
  return {
    name: 'every event of every order reached the webhook receiver, in seq order',
    violations: w.missing.length + w.unknown.length + w.outOfOrder.length + w.mismatched.length,
    detail: `${w.events} events, ${w.delivered} delivered, ${w.repeats} repeats (same webhook-id); missing ${w.missing.length}, out of order ${w.outOfOrder.length}${sample([...w.missing, ...w.outOfOrder, ...w.mismatched])}`,
    problems,
  };
}

export function noUnexpectedExit({ crashes }: DrillFacts): Check {
  return { name: "no worker, API or receiver exit other than the drill's kills", violations: crashes.length, detail: crashes.length ? crashes.join('; ') : 'none', problems: crashes };
}

export const INVARIANTS: readonly Invariant[] = [
  everyOrderSettled,
  ordersEndedAsRequested,
  onHandMatchesLedger,
  reservationsMatchReserved,
  shippedMatchesLedger,
  oneLiveInvoicePerOrder,
  atMostOneCapture,
  noCaptureForCancelled,
  gaplessEventSequences,
  only503sDuringFaults,
  noLostOrder,
  noDuplicateOrder,
  projectionAgreesWithWorkflows,
  everyEventDelivered,
  moneyMatchesDocuments,
  everyRefundPaidOnce,
  returnsRestockedOnce,
  reservationsMatchLines,
  linesMatchInvoice,
  noUnexpectedExit,
];

export async function checkInvariants(facts: DrillFacts): Promise<Check[]> {
  const checks: Check[] = [];
  for (const invariant of INVARIANTS) checks.push(await invariant(facts));
  return checks;
}
