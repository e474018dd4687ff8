// The invariants of changes after payment and of returns (issue 13), one named function each,
// read from the rows the API serves: the payment ledger (payment_movements), invoices, credit
// notes, returns and their lines, reservations and stock movements; and, for "paid once", the
// payment provider's own record (sim_payment_operations).
import { type Check, problemsOf, sample } from './check';
import type { DrillFacts } from './facts';
import { TERMINAL } from './tools';

/**
 * For every drill order that finished: captured − refunded (ledger) = the live invoice's total
 * (its latest revision) − the credit notes. A delivered order has captured something; the live
 * invoice is the latest revision, and the order's totals and revision are the invoice's.
 */
export async function moneyMatchesDocuments({ ids, query }: DrillFacts): Promise<Check> {
  const rows = await query<{ id: string; status: string; captured: number; refunded: number; invoiced: number; credited: number; live_revision: number | null; latest_revision: number | null; order_total: number | null; order_revision: number }>(
    `SELECT o.id, o.status, o.total::int AS order_total, o.invoice_revision AS order_revision,
            COALESCE((SELECT sum(amount) FROM payment_movements m WHERE m.order_id = o.id AND m.kind = 'capture' AND m.status = 'succeeded'), 0)::int AS captured,
            COALESCE((SELECT sum(amount) FROM payment_movements m WHERE m.order_id = o.id AND m.kind = 'refund' AND m.status = 'succeeded'), 0)::int AS refunded,
            COALESCE((SELECT total FROM invoices i WHERE i.order_id = o.id AND i.status <> 'VOID'), 0)::int AS invoiced,
            COALESCE((SELECT -sum(total) FROM credit_notes c WHERE c.order_id = o.id), 0)::int AS credited,
            (SELECT revision FROM invoices i WHERE i.order_id = o.id AND i.status <> 'VOID') AS live_revision,
            (SELECT max(revision) FROM invoices i WHERE i.order_id = o.id) AS latest_revision
       FROM orders o WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
  const finished = rows.filter((r) => TERMINAL.has(r.status));
  const bad = finished.filter(
    (r) =>
      r.captured - r.refunded !== r.invoiced - r.credited ||
      (r.status === 'DELIVERED' && (r.captured <= 0 || r.live_revision !== r.latest_revision || r.order_total !== r.invoiced || r.order_revision !== r.live_revision)),
  );
  const refunded = finished.filter((r) => r.refunded > 0);
  const net = finished.reduce((n, r) => n + r.captured - r.refunded, 0);
  return {
    name: 'money: captured − refunded == invoiced (live revision) − credit notes, per order',
    violations: bad.length,
    detail: `${finished.length} finished orders (${rows.length - finished.length} not), ${refunded.length} with refunds; net captured ${(net / 100).toFixed(2)} USD${sample(bad.map((b) => `${b.id} ${b.status} ${b.captured}-${b.refunded} vs ${b.invoiced}-${b.credited} (rev ${b.live_revision}/${b.latest_revision})`))}`,
    problems: problemsOf('money out of line with the documents', bad.map((b) => JSON.stringify(b))),
  };
}

/**
 * Every refund paid once: a REFUNDED return with something to refund has exactly one credit note
 * and refund movements of its amount, at most one per authorization (split only where the order
 * was captured on several), none left pending; any other return none; no idempotency key twice in the ledger; per order the
 * provider paid out exactly what the ledger says, as many times.
 */
export async function everyRefundPaidOnce({ ids, query }: DrillFacts): Promise<Check> {
  const returns = await query<{
    id: string;
    status: string;
    status_reason: string | null;
    refund_total: number | null;
    notes: number;
    note_total: number | null;
    refunds: number;
    authorizations: number;
    unsettled: number;
    refund_amount: number | null;
  }>(
    `SELECT r.id, r.status, r.status_reason, r.refund_total::int AS refund_total,
            (SELECT count(*) FROM credit_notes c WHERE c.return_id = r.id)::int AS notes,
            (SELECT -sum(total) FROM credit_notes c WHERE c.return_id = r.id)::int AS note_total,
            (SELECT count(*) FROM payment_movements m WHERE m.return_id = r.id AND m.kind = 'refund' AND m.status = 'succeeded')::int AS refunds,
            (SELECT count(DISTINCT authorization_id) FROM payment_movements m WHERE m.return_id = r.id AND m.kind = 'refund' AND m.status = 'succeeded')::int AS authorizations,
            (SELECT count(*) FROM payment_movements m WHERE m.return_id = r.id AND m.kind = 'refund' AND m.status <> 'succeeded')::int AS unsettled,
            (SELECT sum(amount) FROM payment_movements m WHERE m.return_id = r.id AND m.kind = 'refund' AND m.status = 'succeeded')::int AS refund_amount
       FROM returns r WHERE r.order_id = ANY($1::uuid[])`,
    [ids],
  );
  // A refund of nothing (no unit arrived) pays nothing and issues no credit note.
  const paid = (r: (typeof returns)[number]) => r.status === 'REFUNDED' && (r.refund_total ?? 0) > 0;
  // Paid once: one credit note, and per captured authorization at most one refund (an order captured on two is paid back on both), summing to it.
  const wrong = returns.filter((r) =>
    paid(r)
      ? r.notes !== 1 || r.refunds < 1 || r.refunds !== r.authorizations || r.unsettled !== 0 || r.refund_amount !== r.note_total || r.refund_amount !== r.refund_total
      : r.notes !== 0 || r.refunds !== 0,
  );
  const repeatedKeys = await query<{ idempotency_key: string; n: number }>(
    `SELECT idempotency_key, count(*)::int AS n FROM payment_movements WHERE order_id = ANY($1::uuid[]) GROUP BY idempotency_key HAVING count(*) > 1`,
    [ids],
  );
  // The provider's side: its succeeded refunds of the order's authorizations against the ledger's.
  const provider = await query<{ order_id: string; provider_refunds: number; provider_amount: number; ledger_refunds: number; ledger_amount: number }>(
    `SELECT o.id AS order_id,
            (SELECT count(*) FROM sim_payment_operations s WHERE s.operation = 'refund' AND s.outcome = 'succeeded'
                AND s.request->>'authorizationId' IN (SELECT authorization_id FROM payment_movements a WHERE a.order_id = o.id))::int AS provider_refunds,
            COALESCE((SELECT sum((s.request->>'amount')::int) FROM sim_payment_operations s WHERE s.operation = 'refund' AND s.outcome = 'succeeded'
                AND s.request->>'authorizationId' IN (SELECT authorization_id FROM payment_movements a WHERE a.order_id = o.id)), 0)::int AS provider_amount,
            (SELECT count(*) FROM payment_movements m WHERE m.order_id = o.id AND m.kind = 'refund' AND m.status = 'succeeded')::int AS ledger_refunds,
            COALESCE((SELECT sum(amount) FROM payment_movements m WHERE m.order_id = o.id AND m.kind = 'refund' AND m.status = 'succeeded'), 0)::int AS ledger_amount
       FROM orders o WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
  const disagree = provider.filter((p) => p.provider_refunds !== p.ledger_refunds || p.provider_amount !== p.ledger_amount);
  const refunded = returns.filter(paid);
  // Received and never refunded: the refund was refused or is stuck (nothing in the drill refuses one).
  const stuck = returns.filter((r) => r.status === 'RECEIVED');
  return {
    name: 'every refund paid once (one credit note; once per authorization, in the ledger and at the provider)',
    violations: wrong.length + repeatedKeys.length + disagree.length + stuck.length,
    detail:
      `${refunded.length} refunds of ${returns.length} returns (${refunded.filter((r) => r.refunds > 1).length} split over two authorizations), ${refunded.reduce((n, r) => n + (r.refund_amount ?? 0), 0) / 100} USD; ` +
      `wrong count or amount ${wrong.length}, repeated ledger keys ${repeatedKeys.length}, provider disagrees ${disagree.length}, received but never refunded ${stuck.length}` +
      sample([...wrong.map((w) => `${w.id} ${w.status} notes ${w.notes} refunds ${w.refunds}`), ...disagree.map((d) => `${d.order_id} provider ${d.provider_refunds}x${d.provider_amount} ledger ${d.ledger_refunds}x${d.ledger_amount}`)]),
    problems: [
      ...problemsOf('returns whose refund is not one credit note and one movement per authorization', wrong.map((w) => JSON.stringify(w))),
      ...problemsOf('idempotency keys booked twice', repeatedKeys.map((k) => `${k.idempotency_key} x${k.n}`)),
      ...problemsOf('provider and ledger disagree', disagree.map((d) => JSON.stringify(d))),
      ...problemsOf('returns received and never refunded', stuck.map((r) => `${r.id}: ${r.status_reason ?? 'no reason given'}`)),
    ],
  };
}

/**
 * Returned units moved stock once: per received return line, restocked (the `return` movements of
 * that return and SKU) = received quantity when restocked, 0 when damaged, and never two movements.
 */
export async function returnsRestockedOnce({ ids, query }: DrillFacts): Promise<Check> {
  const lines = await query<{ return_id: string; sku: string; status: string; received: number | null; disposition: string | null; moves: number; restocked: number }>(
    `SELECT l.return_id, l.sku, r.status, l.received_quantity AS received, l.disposition,
            (SELECT count(*) FROM stock_movements m WHERE m.reason = 'return' AND m.dedupe_key = 'return:' || l.return_id || ':' || l.sku)::int AS moves,
            COALESCE((SELECT sum(delta) FROM stock_movements m WHERE m.reason = 'return' AND m.dedupe_key = 'return:' || l.return_id || ':' || l.sku), 0)::int AS restocked
       FROM return_lines l JOIN returns r ON r.id = l.return_id WHERE r.order_id = ANY($1::uuid[])`,
    [ids],
  );
  const expected = (l: (typeof lines)[number]) => (l.disposition === 'restock' ? (l.received ?? 0) : 0);
  const bad = lines.filter((l) => l.restocked !== expected(l) || l.moves > 1);
  // Every `return` movement belongs to a restocked line of a return that was received.
  const strays = await query<{ dedupe_key: string }>(
    `SELECT m.dedupe_key FROM stock_movements m WHERE m.reason = 'return' AND m.order_id = ANY($1::uuid[]) AND NOT EXISTS (
       SELECT 1 FROM return_lines l JOIN returns r ON r.id = l.return_id
        WHERE m.dedupe_key = 'return:' || l.return_id || ':' || l.sku AND l.disposition = 'restock' AND r.status IN ('RECEIVED', 'REFUNDED'))`,
    [ids],
  );
  const units = (d: string) => lines.filter((l) => l.disposition === d).reduce((n, l) => n + (l.received ?? 0), 0);
  return {
    name: 'returned units restocked once (damaged ones never)',
    violations: bad.length + strays.length,
    detail: `${lines.length} return lines; ${units('restock')} units restocked, ${units('damaged')} damaged; wrong ${bad.length}, stray movements ${strays.length}${sample(bad.map((b) => `${b.return_id} ${b.sku} ${b.disposition} received ${b.received} restocked ${b.restocked} in ${b.moves}`))}`,
    problems: [...problemsOf('return lines restocked wrongly', bad.map((b) => JSON.stringify(b))), ...problemsOf('restocks of no received line', strays.map((s) => s.dedupe_key))],
  };
}

/**
 * A change moved stock by the difference only: every live order's reservations (held or shipped)
 * are exactly its lines, and a delivered order's `ship` movements took exactly its lines.
 */
export async function reservationsMatchLines({ ids, query }: DrillFacts): Promise<Check> {
  const bad = await query<{ order_id: string; status: string; sku: string; line_qty: number | null; reserved: number | null; shipped: number | null }>(
    `WITH live AS (SELECT id, status FROM orders WHERE id = ANY($1::uuid[]) AND status NOT IN ('CANCELLED', 'REJECTED')),
          lines AS (SELECT l.order_id, l.sku, sum(l.quantity)::int AS qty FROM order_lines l JOIN live ON live.id = l.order_id GROUP BY 1, 2),
          res AS (SELECT r.order_id, r.sku, r.quantity AS qty FROM inventory_reservations r JOIN live ON live.id = r.order_id WHERE r.status IN ('HELD', 'SHIPPED')),
          ship AS (SELECT m.order_id, m.sku, -sum(m.delta)::int AS qty FROM stock_movements m JOIN live ON live.id = m.order_id WHERE m.reason = 'ship' GROUP BY 1, 2)
     SELECT k.order_id, live.status, k.sku, lines.qty AS line_qty, res.qty AS reserved, ship.qty AS shipped
       FROM (SELECT order_id, sku FROM lines UNION SELECT order_id, sku FROM res UNION SELECT order_id, sku FROM ship) k
       JOIN live ON live.id = k.order_id
       LEFT JOIN lines ON lines.order_id = k.order_id AND lines.sku = k.sku
       LEFT JOIN res ON res.order_id = k.order_id AND res.sku = k.sku
       LEFT JOIN ship ON ship.order_id = k.order_id AND ship.sku = k.sku
      WHERE lines.qty IS DISTINCT FROM res.qty
         OR (live.status = 'DELIVERED' AND lines.qty IS DISTINCT FROM ship.qty)`,
    [ids],
  );
  const changed = await query<{ n: number }>(`SELECT count(DISTINCT order_id)::int AS n FROM order_events WHERE order_id = ANY($1::uuid[]) AND type = 'order.changed'`, [ids]);
  return {
    name: 'stock moved by the difference only: reservations (and shipments) == order lines',
    violations: bad.length,
    detail: `${changed[0].n} orders changed; order lines off their reservations or shipment: ${bad.length}${sample(bad.map((b) => `${b.order_id} ${b.status} ${b.sku} lines ${b.line_qty} reserved ${b.reserved} shipped ${b.shipped}`))}`,
    problems: problemsOf('reservations or shipments unlike the lines', bad.map((b) => JSON.stringify(b))),
  };
}

/**
 * A change happened once or not at all: the order's lines, totals and revision are its live
 * invoice's (what was billed is what will ship), for every order that has one.
 */
export async function linesMatchInvoice({ ids, query }: DrillFacts): Promise<Check> {
  const rows = await query<{ id: string; status: string; order_lines: string; invoice_lines: string; order_total: number; invoice_total: number; order_revision: number; revision: number }>(
    `SELECT o.id, o.status, o.total::int AS order_total, i.total::int AS invoice_total, o.invoice_revision AS order_revision, i.revision,
            COALESCE((SELECT string_agg(l.sku || 'x' || l.quantity, ',' ORDER BY l.sku) FROM order_lines l WHERE l.order_id = o.id), '') AS order_lines,
            COALESCE((SELECT string_agg((j->>'sku') || 'x' || (j->>'quantity'), ',' ORDER BY j->>'sku') FROM jsonb_array_elements(i.lines) j), '') AS invoice_lines
       FROM orders o JOIN invoices i ON i.order_id = o.id AND i.status <> 'VOID'
      WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
  const wrong = rows.filter((b) => b.order_lines !== b.invoice_lines || b.order_total !== b.invoice_total || b.order_revision !== b.revision);
  const revised = rows.filter((b) => b.revision > 1).length;
  return {
    name: 'a change happened once or not at all: order lines and totals == its live invoice revision',
    violations: wrong.length,
    detail: `${rows.length} orders with a live invoice, ${revised} of them revised; unlike their invoice ${wrong.length}${sample(wrong.map((w) => `${w.id} ${w.order_lines} vs ${w.invoice_lines} rev ${w.order_revision}/${w.revision}`))}`,
    problems: problemsOf('orders unlike their invoice', wrong.map((w) => JSON.stringify(w))),
  };
}
