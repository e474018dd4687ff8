// The reconciliation, once per run when the chain of batches ends: the whole source against the
// whole target, set-based (each check is one INSERT ... SELECT), in one REPEATABLE READ snapshot.
// Every difference is stored in migration_discrepancies with its kind; the figures (counts and
// sums by status, customers, products) go into the run's `reconciliation` column. A retry starts
// over: the run's earlier discrepancies are replaced in the same transaction.
import type { DataSource, EntityManager } from 'typeorm';
import { quoteSourceSchema } from './batch';
import type { ReconciliationSummary } from './contract';

/** Legacy status_cd -> target status, in SQL. */
const STATUS_OF = (cd: string) =>
  `CASE ${cd} WHEN 'N' THEN 'NEEDS_ATTENTION' WHEN 'P' THEN 'PROCESSING' WHEN 'S' THEN 'SHIPPED' WHEN 'D' THEN 'DELIVERED' WHEN 'X' THEN 'CANCELLED' END`;
/** numeric(12,2) dollars -> bigint cents. */
const CENTS = (v: string) => `(${v} * 100)::bigint`;

interface StatusFigures {
  status: string;
  expected_count: number;
  actual_count: number;
  expected_total: string;
  actual_total: string;
}

export async function reconcileMigration(
  dataSource: DataSource,
  input: { runId: string; sourceSchema: string },
  heartbeat: (step: string) => void = () => undefined,
): Promise<ReconciliationSummary> {
  const s = quoteSourceSchema(input.sourceSchema);
  return dataSource.transaction('REPEATABLE READ', async (m: EntityManager) => {
    await m.query('DELETE FROM migration_discrepancies WHERE run_id = $1', [input.runId]);
    // The legacy procedure's totals of every legacy order, once (sp_order_totals is set-based).
    await m.query(`CREATE TEMP TABLE reconcile_legacy_totals ON COMMIT DROP AS
                     SELECT * FROM ${s}.sp_order_totals(ARRAY(SELECT order_no FROM ${s}.orders))`);
    await m.query('ANALYZE reconcile_legacy_totals');
    // Source rows the migration set aside on purpose (excluded or merged), still unresolved.
    const setAside = (table: string, key: string, schemaParam = '$2') =>
      `EXISTS (SELECT 1 FROM migration_quarantine q WHERE q.source_schema = ${schemaParam} AND q.source_table = '${table}'
                 AND q.source_key = ${key} AND q.resolved_at IS NULL AND q.disposition IN ('excluded', 'merged'))`;
    heartbeat('reconcile: legacy totals');

    // $1 is the run, $2 the source schema (passed only when used: PostgreSQL cannot type an unused parameter).
    const insert = (select: string) =>
      m.query(
        `INSERT INTO migration_discrepancies (run_id, kind, source_table, source_key, target_id, expected, actual, detail) ${select}`,
        select.includes('$2') ? [input.runId, input.sourceSchema] : [input.runId],
      );

    // Orders.
    await insert(`
      SELECT $1, 'missing_in_target', 'orders', o.order_no::text, NULL, jsonb_build_object('status', ${STATUS_OF('o.status_cd')}), NULL,
             'legacy order ' || o.order_no || ' is neither migrated nor quarantined'
        FROM ${s}.orders o
       WHERE NOT EXISTS (SELECT 1 FROM orders t WHERE t.legacy_order_no = o.order_no) AND NOT ${setAside('orders', 'o.order_no::text')}`);
    await insert(`
      SELECT $1, 'unexpected_in_target', 'orders', t.legacy_order_no::text, t.id, NULL, jsonb_build_object('status', t.status),
             'order ' || t.id || ' claims legacy order ' || t.legacy_order_no || ', which does not exist'
        FROM orders t
       WHERE t.legacy_order_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${s}.orders o WHERE o.order_no = t.legacy_order_no)`);
    // An adopted order moves on in its workflow: its status is no longer the legacy one.
    await insert(`
      SELECT $1, 'status_mismatch', 'orders', o.order_no::text, t.id,
             jsonb_build_object('status', ${STATUS_OF('o.status_cd')}, 'legacyStatus', o.status_cd), jsonb_build_object('status', t.status),
             'legacy ' || o.status_cd || ' should be ' || coalesce(${STATUS_OF('o.status_cd')}, '?') || ', target is ' || t.status
        FROM orders t JOIN ${s}.orders o ON o.order_no = t.legacy_order_no
       WHERE t.status IS DISTINCT FROM ${STATUS_OF('o.status_cd')}
         AND NOT EXISTS (SELECT 1 FROM migration_adoptions a WHERE a.order_id = t.id AND a.adopted_at IS NOT NULL)`);
    await insert(`
      SELECT $1, 'total_mismatch', 'orders', t.legacy_order_no::text, t.id,
             jsonb_build_object('subtotal', ${CENTS('l.subtotal')}, 'discount', ${CENTS('l.discount')}, 'shipping', ${CENTS('l.shipping')},
                                'tax', ${CENTS('l.tax')}, 'total', ${CENTS('l.total')}),
             jsonb_build_object('subtotal', t.subtotal, 'discount', t.discount, 'shipping', t.shipping, 'tax', t.tax, 'total', t.total),
             'total ' || coalesce(t.total::text, 'null') || ' cents, legacy.sp_order_total says ' || ${CENTS('l.total')}
        FROM orders t JOIN reconcile_legacy_totals l ON l.order_no = t.legacy_order_no
       WHERE (t.subtotal, t.discount, t.shipping, t.tax, t.total)
             IS DISTINCT FROM (${CENTS('l.subtotal')}, ${CENTS('l.discount')}, ${CENTS('l.shipping')}, ${CENTS('l.tax')}, ${CENTS('l.total')})`);
    heartbeat('reconcile: orders');

    // Customers.
    await insert(`
      SELECT $1, 'missing_in_target', 'customers', c.cust_id::text, NULL, NULL, NULL,
             'legacy customer ' || c.cust_id || ' is neither migrated nor quarantined'
        FROM ${s}.customers c
       WHERE NOT EXISTS (SELECT 1 FROM customers t WHERE t.legacy_cust_id = c.cust_id) AND NOT ${setAside('customers', 'c.cust_id::text')}`);
    await insert(`
      SELECT $1, 'unexpected_in_target', 'customers', t.legacy_cust_id::text, t.id, NULL, NULL,
             'customer ' || t.id || ' claims legacy customer ' || t.legacy_cust_id || ', which does not exist'
        FROM customers t
       WHERE t.legacy_cust_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${s}.customers c WHERE c.cust_id = t.legacy_cust_id)`);
    await insert(`
      SELECT $1, 'customer_mismatch', 'customers', c.cust_id::text, t.id, e.expected, a.actual, 'customer fields differ from the legacy row'
        FROM ${s}.customers c
        JOIN customers t ON t.legacy_cust_id = c.cust_id
       CROSS JOIN LATERAL (SELECT jsonb_build_object('name', c.cust_name, 'email', nullif(btrim(c.email), ''), 'tier', upper(nullif(btrim(c.tier), '')),
                                                     'country', upper(nullif(btrim(c.country), '')), 'active', NOT c.is_deleted) AS expected) e
       CROSS JOIN LATERAL (SELECT jsonb_build_object('name', t.name, 'email', t.email, 'tier', t.tier, 'country', t.country, 'active', t.active) AS actual) a
       WHERE e.expected <> a.actual`);
    heartbeat('reconcile: customers');

    // Products (the catalogue; stock moves in the new system, so it is not compared).
    await insert(`
      SELECT $1, 'missing_in_target', 'products', p.prod_code, NULL, NULL, NULL,
             'legacy product ' || p.prod_code || ' is neither migrated nor quarantined'
        FROM ${s}.products p
       WHERE NOT EXISTS (SELECT 1 FROM products t WHERE t.sku = p.prod_code) AND NOT ${setAside('products', 'p.prod_code')}`);
    await insert(`
      SELECT $1, 'product_mismatch', 'products', p.prod_code, NULL,
             jsonb_build_object('name', p.descr, 'unitPriceDecimal', p.unit_price::text), jsonb_build_object('name', t.name, 'unitPriceDecimal', t.unit_price_decimal::text),
             'product fields differ from the legacy row'
        FROM ${s}.products p JOIN products t ON t.sku = p.prod_code
       WHERE (t.name, t.unit_price_decimal) IS DISTINCT FROM (p.descr, p.unit_price)`);

    // Everything set aside, so the report lists it beside the differences.
    await insert(`
      SELECT $1, 'quarantined_source_row', q.source_table, q.source_key, q.target_id, NULL, jsonb_build_object('disposition', q.disposition),
             q.reason || ': ' || q.detail
        FROM migration_quarantine q
       WHERE q.source_schema = $2 AND q.resolved_at IS NULL AND q.disposition IN ('excluded', 'merged')`);
    heartbeat('reconcile: products and quarantine');

    // Counts and sums by status: legacy orders that should be migrated against migrated orders
    // (an adopted order counts under the status it was imported with).
    const figures: StatusFigures[] = await m.query(
      `WITH expected AS (
              SELECT ${STATUS_OF('o.status_cd')} AS status, count(*)::int AS n, coalesce(sum(${CENTS('l.total')}), 0) AS total
                FROM ${s}.orders o LEFT JOIN reconcile_legacy_totals l ON l.order_no = o.order_no
               WHERE NOT ${setAside('orders', 'o.order_no::text', '$1')}
               GROUP BY 1),
            actual AS (
              SELECT coalesce(a.imported_status, t.status) AS status, count(*)::int AS n, coalesce(sum(t.total), 0) AS total
                FROM orders t LEFT JOIN migration_adoptions a ON a.order_id = t.id AND a.adopted_at IS NOT NULL
               WHERE t.legacy_order_no IS NOT NULL
               GROUP BY 1)
       SELECT coalesce(e.status, a.status, '?') AS status, coalesce(e.n, 0) AS expected_count, coalesce(a.n, 0) AS actual_count,
              coalesce(e.total, 0)::text AS expected_total, coalesce(a.total, 0)::text AS actual_total
         FROM expected e FULL JOIN actual a ON a.status = e.status
        ORDER BY 1`,
      [input.sourceSchema],
    );
    const aggregate = (kind: string, f: StatusFigures, expected: string | number, actual: string | number, detail: string) =>
      m.query(
        `INSERT INTO migration_discrepancies (run_id, kind, source_table, source_key, expected, actual, detail)
         VALUES ($1, $2, 'orders', $3, $4::jsonb, $5::jsonb, $6)`,
        [input.runId, kind, `status:${f.status}`, JSON.stringify(Number(expected)), JSON.stringify(Number(actual)), detail],
      );
    for (const f of figures) {
      if (f.expected_count !== f.actual_count) {
        await aggregate('count_mismatch', f, f.expected_count, f.actual_count, `${f.status}: ${f.expected_count} legacy orders to migrate, ${f.actual_count} migrated`);
      }
      if (f.expected_total !== f.actual_total) {
        await aggregate('sum_mismatch', f, f.expected_total, f.actual_total, `${f.status}: legacy totals ${f.expected_total} cents, migrated ${f.actual_total} cents`);
      }
    }
    const [customers]: { legacy: number; migrated: number; set_aside: number }[] = await m.query(
      `SELECT (SELECT count(*)::int FROM ${s}.customers) AS legacy,
              (SELECT count(*)::int FROM customers t WHERE t.legacy_cust_id IS NOT NULL AND EXISTS (SELECT 1 FROM ${s}.customers c WHERE c.cust_id = t.legacy_cust_id)) AS migrated,
              (SELECT count(DISTINCT source_key)::int FROM migration_quarantine q WHERE q.source_schema = $1 AND q.source_table = 'customers'
                  AND q.resolved_at IS NULL AND q.disposition IN ('excluded', 'merged')) AS set_aside`,
      [input.sourceSchema],
    );

    const kinds: { kind: string; n: number }[] = await m.query(
      'SELECT kind, count(*)::int AS n FROM migration_discrepancies WHERE run_id = $1 GROUP BY kind ORDER BY kind',
      [input.runId],
    );
    const byKind = Object.fromEntries(kinds.map((k) => [k.kind, k.n]));
    const discrepancies = kinds.reduce((sum, k) => sum + k.n, 0);
    const report = {
      ordersByStatus: figures.map((f) => ({
        status: f.status,
        expectedCount: f.expected_count,
        actualCount: f.actual_count,
        expectedTotal: Number(f.expected_total),
        actualTotal: Number(f.actual_total),
      })),
      customers,
      byKind,
    };
    await m.query('UPDATE migration_runs SET reconciliation = $2, discrepancies = $3, updated_at = now() WHERE id = $1', [
      input.runId,
      JSON.stringify(report),
      discrepancies,
    ]);
    return { discrepancies, byKind };
  });
}
