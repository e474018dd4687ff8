// The drill's invariants of changes and returns (scripts/drill/money-invariants.ts) on rows written
// here, in a schema of this file's own: a changed, delivered, partly returned order passes all five;
// each way of breaking one (a refund paid twice, a damaged unit restocked, a reservation off its
// lines, lines off their invoice) is flagged by the invariant that guards it, and only there. The
// short drill (fault-drill.test.ts) runs them on what the system really wrote; this pins that they
// can fail at all.
import { randomUUID } from 'node:crypto';
import type { DrillFacts } from '../../scripts/drill/facts';
import { everyRefundPaidOnce, linesMatchInvoice, moneyMatchesDocuments, reservationsMatchLines, returnsRestockedOnce } from '../../scripts/drill/money-invariants';
import { schemaForFile, uniqueSku } from '../support/db';

const db = schemaForFile('money_inv', { poolSize: 4 });

type Breakage = 'refund-twice' | 'damaged-restocked' | 'reservation-off' | 'lines-off-invoice' | null;

let documentNumber = 0;
const docNo = (kind: string) => `${kind}-2026-${String(++documentNumber).padStart(6, '0')}`;

/**
 * A delivered order of 2 units at 5.00 (rev 1: 1 unit, 500; raised by a change to rev 2: 2 units,
 * 1000, held by an increment), captured 1000; one unit returned and restocked, refunded 500 with
 * its credit note, at the provider too. `broken` spoils one thing.
 */
async function seedOrder(broken: Breakage): Promise<string> {
  const q = (sql: string, params: unknown[]) => db.dataSource.query(sql, params);
  const orderId = randomUUID();
  const returnId = randomUUID();
  const sku = uniqueSku('M');
  const auth = `auth_${orderId}`;
  await q(`INSERT INTO products (sku, name, unit_price_decimal, unit_price, on_hand) VALUES ($1, $1, 5, 500, 100)`, [sku]);
  await q(
    `INSERT INTO orders (id, status, storefront, subtotal, discount, shipping, tax, total, invoice_revision) VALUES ($1, 'DELIVERED', 'dev', 1000, 0, 0, 0, 1000, 2)`,
    [orderId],
  );
  const lineQuantity = broken === 'lines-off-invoice' ? 3 : 2;
  await q(`INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price, unit_price_decimal, amount) VALUES ($1, 1, $2, $3, 500, 5, $4)`, [orderId, sku, lineQuantity, 500 * lineQuantity]);
  for (const [revision, status, quantity] of [[1, 'VOID', 1], [2, 'PAID', 2]] as const) {
    await q(
      `INSERT INTO invoices (id, order_id, revision, number, status, lines, subtotal, discount, shipping, tax, total) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0, $7)`,
      [randomUUID(), orderId, revision, docNo('INV'), status, JSON.stringify([{ sku, quantity }]), 500 * quantity],
    );
  }
  const reserved = broken === 'reservation-off' ? 3 : lineQuantity;
  await q(`INSERT INTO inventory_reservations (order_id, sku, quantity, status) VALUES ($1, $2, $3, 'SHIPPED')`, [orderId, sku, reserved]);
  await q(`INSERT INTO stock_movements (sku, delta, reason, on_hand_after, order_id, dedupe_key) VALUES ($1, $2, 'ship', 98, $3, $4)`, [sku, -lineQuantity, orderId, `ship:${orderId}:${sku}`]);

  const movement = (kind: string, amount: number, key: string, ofReturn: string | null = null) =>
    q(`INSERT INTO payment_movements (id, order_id, return_id, kind, amount, provider, authorization_id, idempotency_key) VALUES ($1, $2, $3, $4, $5, 'simulator', $6, $7)`, [
      randomUUID(),
      orderId,
      ofReturn,
      kind,
      amount,
      auth,
      key,
    ]);
  await movement('authorization', 500, `${orderId}:authorize`);
  await movement('increment', 500, `${orderId}:increment`);
  await movement('capture', 1000, `${orderId}:capture`);

  const damaged = broken === 'damaged-restocked';
  await q(`INSERT INTO returns (id, order_id, storefront, rma, status, refund_total, expires_at) VALUES ($1, $2, 'dev', $3, 'REFUNDED', 500, now() + interval '14 days')`, [returnId, orderId, docNo('RMA')]);
  await q(`INSERT INTO return_lines (return_id, line_no, sku, quantity, received_quantity, disposition) VALUES ($1, 1, $2, 1, 1, $3)`, [returnId, sku, damaged ? 'damaged' : 'restock']);
  await q(`INSERT INTO stock_movements (sku, delta, reason, on_hand_after, order_id, dedupe_key) VALUES ($1, 1, 'return', 99, $2, $3)`, [sku, orderId, `return:${returnId}:${sku}`]);
  await q(`INSERT INTO credit_notes (id, number, return_id, order_id, subtotal, discount, shipping, tax, total) VALUES ($1, $2, $3, $4, -500, 0, 0, 0, -500)`, [randomUUID(), docNo('CN'), returnId, orderId]);
  const refunds = broken === 'refund-twice' ? ['a', 'b'] : ['a'];
  for (const attempt of refunds) {
    await movement('refund', 500, `${returnId}:refund:${attempt}`, returnId);
    await q(`INSERT INTO sim_payment_operations (idempotency_key, operation, request, outcome) VALUES ($1, 'refund', $2, 'succeeded')`, [
      `${returnId}:refund:${attempt}`,
      JSON.stringify({ authorizationId: auth, amount: 500 }),
    ]);
  }
  return orderId;
}

const INVARIANTS = { moneyMatchesDocuments, everyRefundPaidOnce, returnsRestockedOnce, reservationsMatchLines, linesMatchInvoice };

/** Each invariant's violations over these orders. */
async function violations(ids: string[]): Promise<Record<string, number>> {
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await db.dataSource.query(sql, params)) as T[];
  const facts = { ids, query } as unknown as DrillFacts;
  const out: Record<string, number> = {};
  for (const [name, invariant] of Object.entries(INVARIANTS)) out[name] = (await invariant(facts)).violations;
  return out;
}

const none = { moneyMatchesDocuments: 0, everyRefundPaidOnce: 0, returnsRestockedOnce: 0, reservationsMatchLines: 0, linesMatchInvoice: 0 };

it('hold for a changed, delivered, partly returned order whose money, documents and stock agree', async () => {
  expect(await violations([await seedOrder(null)])).toEqual(none);
});

it.each([
  ['refund-twice', { moneyMatchesDocuments: 1, everyRefundPaidOnce: 1 }],
  ['damaged-restocked', { returnsRestockedOnce: 2 }], // the line, and a restock no received line explains
  ['reservation-off', { reservationsMatchLines: 1 }],
  ['lines-off-invoice', { linesMatchInvoice: 1 }],
] as const)('flag an order with %s, only where it belongs', async (broken, flagged) => {
  expect(await violations([await seedOrder(broken)])).toEqual({ ...none, ...flagged });
});
