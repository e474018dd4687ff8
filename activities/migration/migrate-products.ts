// Products: the catalogue row (price kept to four decimals beside its cents) and the stock. Stock
// enters through the ledger: one 'migrate' movement per change of the legacy qty_on_hand, of the
// difference from what earlier imports brought in. Stock movements the new system made since
// (receipts, shipments) are kept; a re-run with an unchanged qty_on_hand moves nothing.
import { unitPriceFromDecimal } from '../../domain/money';
import { SKU_PATTERN } from '../../domain/order';
import { batchColumns } from '../../entities/batch-columns';
import { type BatchContext, type PhaseOutcome, START_MODIFIED_DT, TIMESTAMP_TEXT, emptyCounts } from './batch';
import type { Watermark } from './contract';
import { type QuarantineEntry, syncQuarantine } from './quarantine';

interface LegacyProductRow {
  prod_code: string;
  descr: string;
  unit_price: string;
  qty_on_hand: number;
  modified_dt: string;
}

const PRODUCT_COLUMNS = batchColumns({ sku: 'varchar', name: 'varchar', unit_price_decimal: 'numeric', unit_price: 'bigint' });
const MOVE_COLUMNS = batchColumns({ sku: 'varchar', delta: 'int', n: 'int', legacy_qty: 'int' });

/** The dedupe key prefix of the ledger's import movements: 'legacy_import:<sku>:<n>'. */
export const LEGACY_IMPORT_MOVEMENT = 'legacy_import';

export async function migrateProducts(ctx: BatchContext, after: Watermark | null): Promise<PhaseOutcome> {
  const rows: LegacyProductRow[] = await ctx.manager.query(
    `SELECT p.prod_code, p.descr, p.unit_price::text AS unit_price, p.qty_on_hand, to_char(p.modified_dt, ${TIMESTAMP_TEXT}) AS modified_dt
       FROM ${ctx.s}.products p
      WHERE (p.modified_dt, p.prod_code) > ($1::timestamp, $2::varchar)
      ORDER BY p.modified_dt, p.prod_code
      LIMIT $3`,
    [after?.modifiedDt ?? START_MODIFIED_DT, after?.key ?? '', ctx.limit],
  );
  const counts = emptyCounts();
  counts.read = rows.length;
  if (rows.length === 0) return { counts, taken: 0, next: after };
  ctx.heartbeat('products: extracted');

  const entries: QuarantineEntry[] = [];
  const valid: { sku: string; name: string; unitPriceDecimal: string; unitPrice: number; onHand: number }[] = [];
  for (const row of rows) {
    const base = { table: 'products' as const, key: row.prod_code, modifiedDt: row.modified_dt };
    if (!SKU_PATTERN.test(row.prod_code)) {
      entries.push({ ...base, reason: 'invalid_sku', detail: `prod_code ${JSON.stringify(row.prod_code)} is not a valid SKU`, disposition: 'excluded' });
      continue;
    }
    const price = unitPriceFromDecimal(row.unit_price);
    if (price.unitPrice < 0) {
      entries.push({ ...base, reason: 'invalid_price', detail: `unit_price ${row.unit_price} is negative`, disposition: 'excluded' });
      continue;
    }
    let onHand = row.qty_on_hand;
    if (onHand < 0) {
      entries.push({ ...base, reason: 'negative_stock', detail: `qty_on_hand ${onHand} imported as 0`, disposition: 'imported_adjusted' });
      onHand = 0;
    }
    valid.push({ sku: row.prod_code, name: row.descr, ...price, onHand });
  }

  const changed = new Set<string>();
  let inserted = 0;
  if (valid.length > 0) {
    const written: { sku: string; inserted: boolean }[] = await ctx.manager.query(
      `INSERT INTO products (${PRODUCT_COLUMNS.names}) SELECT * FROM ${PRODUCT_COLUMNS.unnest('p')}
       ON CONFLICT (sku) DO UPDATE
          SET name = excluded.name, unit_price_decimal = excluded.unit_price_decimal, unit_price = excluded.unit_price,
              version = products.version + 1, updated_at = now()
        WHERE (products.name, products.unit_price_decimal) IS DISTINCT FROM (excluded.name, excluded.unit_price_decimal)
       RETURNING sku, (xmax = 0) AS inserted`,
      PRODUCT_COLUMNS.arrays(valid.map((p) => ({ sku: p.sku, name: p.name, unit_price_decimal: p.unitPriceDecimal, unit_price: p.unitPrice }))),
    );
    for (const w of written) {
      changed.add(w.sku);
      if (w.inserted) inserted++;
    }

    // What earlier imports brought in, per SKU: the next movement brings the difference.
    const imported: { sku: string; imported: number; movements: number }[] = await ctx.manager.query(
      `SELECT sku, sum(delta)::int AS imported, count(*)::int AS movements
         FROM stock_movements WHERE reason = 'migrate' AND sku = ANY ($1::varchar[]) GROUP BY sku`,
      [valid.map((p) => p.sku)],
    );
    const importedOf = new Map(imported.map((i) => [i.sku, i]));
    const moves = valid
      .map((p) => {
        const before = importedOf.get(p.sku);
        return { sku: p.sku, delta: p.onHand - (before?.imported ?? 0), n: (before?.movements ?? 0) + 1, onHand: p.onHand };
      })
      .filter((m) => m.delta !== 0);
    if (moves.length > 0) {
      const moved: { sku: string }[] = await ctx.manager.query(
        `WITH d AS (SELECT * FROM ${MOVE_COLUMNS.unnest('d')}),
              moved AS (
                UPDATE products p SET on_hand = p.on_hand + d.delta, version = p.version + 1, updated_at = now()
                  FROM d WHERE p.sku = d.sku AND p.on_hand + d.delta >= p.reserved
                RETURNING p.sku, p.on_hand, d.delta, d.n, d.legacy_qty)
         INSERT INTO stock_movements (sku, delta, reason, on_hand_after, dedupe_key, note)
         SELECT sku, delta, 'migrate', on_hand, '${LEGACY_IMPORT_MOVEMENT}:' || sku || ':' || n, 'legacy import: qty_on_hand ' || legacy_qty
           FROM moved
         RETURNING sku`,
        MOVE_COLUMNS.arrays(moves.map((m) => ({ sku: m.sku, delta: m.delta, n: m.n, legacy_qty: m.onHand }))),
      );
      const movedSkus = new Set(moved.map((m) => m.sku));
      for (const m of moves) {
        if (movedSkus.has(m.sku)) changed.add(m.sku);
        else {
          entries.push({
            table: 'products',
            key: m.sku,
            reason: 'stock_below_reserved',
            detail: `qty_on_hand ${m.onHand} would take stock below what is reserved; stock left unchanged`,
            disposition: 'imported_adjusted',
          });
        }
      }
    }
  }
  counts.inserted = inserted;
  counts.updated = changed.size - inserted;
  counts.unchanged = valid.length - changed.size;
  ctx.heartbeat('products: loaded');

  await syncQuarantine(ctx, [{ table: 'products', keys: rows.map((r) => r.prod_code) }], entries);
  counts.quarantined = new Set(entries.map((e) => e.key)).size;
  const last = rows[rows.length - 1];
  return { counts, taken: rows.length, next: { modifiedDt: last.modified_dt, key: last.prod_code } };
}
