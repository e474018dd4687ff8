// The legacy migration end to end on the dev server, real PostgreSQL, the generator's data with
// its dirty rows: quarantine with reasons, idempotent re-runs, incremental runs, totals to the
// cent against legacy.sp_order_totals, and discrepancies of the right kind.
import { DIRTY_KINDS, type DirtyRow } from '../../legacy';
import { LEGACY_WITHOUT_PAYMENT_REASON, legacyCustomerId, legacyOrderId } from '../../activities/migration';
import { MigrationTestBed } from './migration-bed';

jest.setTimeout(120_000);

const ORDERS = 2500;
const bed = new MigrationTestBed('migrate-legacy');

beforeAll(async () => {
  await bed.start({ orders: ORDERS, seed: 11 });
  await bed.startWorker();
});
afterAll(() => bed.stop());

function quarantineKey(d: DirtyRow): { table: string; key: string } {
  if (d.table === 'customers') return { table: 'customers', key: String(d.custId) };
  if (d.table === 'orders') return { table: 'orders', key: String(d.orderNo) };
  return { table: 'order_lines', key: `${d.orderNo}/${d.lineNo}` };
}

describe('the legacy migration', () => {
  let firstRunId: string;

  it('migrates every clean row and quarantines every dirty row with its reason', async () => {
    const { result, run } = await bed.migrate();
    firstRunId = run.id;
    expect(run).toMatchObject({ status: 'completed', phase: 'done' });
    expect(run.finished_at).not.toBeNull();
    expect(Number(run.rows_per_second)).toBeGreaterThan(0);
    expect(run.table_counts.orders.read).toBe(ORDERS);
    // 4 batches per execution: the chain continued as new several times and counted every row once.
    expect(run.batches).toBeGreaterThan(8);

    const quarantine: { source_table: string; source_key: string; reason: string; disposition: string; target_id: string | null }[] =
      await bed.dataSource.query('SELECT source_table, source_key, reason, disposition, target_id FROM migration_quarantine WHERE resolved_at IS NULL');
    const byKey = new Map<string, typeof quarantine>();
    for (const q of quarantine) byKey.set(`${q.source_table}:${q.source_key}`, [...(byKey.get(`${q.source_table}:${q.source_key}`) ?? []), q]);

    for (const kind of DIRTY_KINDS) expect(bed.manifest.dirtyByKind[kind]).toBeGreaterThan(0);
    for (const dirty of bed.manifest.dirty) {
      const { table, key } = quarantineKey(dirty);
      const entries = byKey.get(`${table}:${key}`) ?? [];
      expect({ dirty: `${table}:${key}`, reasons: entries.map((e) => e.reason) }).toEqual({ dirty: `${table}:${key}`, reasons: expect.arrayContaining([dirty.kind]) });
      if (dirty.kind === 'duplicate_email') {
        expect(entries.find((e) => e.reason === 'duplicate_email')).toMatchObject({ disposition: 'merged', target_id: legacyCustomerId(dirty.duplicateOfCustId) });
      }
      if (dirty.kind === 'deleted_customer') {
        expect(entries.find((e) => e.reason === 'deleted_customer')).toMatchObject({ disposition: 'imported_inactive' });
      }
      // An order with a bad line is not migrated either.
      if (dirty.table === 'order_lines' && dirty.kind !== 'orphan_line') {
        expect(byKey.get(`orders:${dirty.orderNo}`)?.map((e) => e.reason)).toContain('has_quarantined_lines');
      }
    }

    // Quarantined orders are not in the target; the others all are.
    const excludedOrders = new Set(quarantine.filter((q) => q.source_table === 'orders').map((q) => Number(q.source_key)));
    const [{ n: migrated }] = await bed.dataSource.query('SELECT count(*)::int AS n FROM orders WHERE legacy_order_no IS NOT NULL');
    expect(migrated).toBe(ORDERS - excludedOrders.size);
    const [{ n: leaked }] = await bed.dataSource.query('SELECT count(*)::int AS n FROM orders WHERE legacy_order_no = ANY ($1::int[])', [[...excludedOrders]]);
    expect(leaked).toBe(0);
    expect(result.reconciliation).not.toBeNull();
    // Migrated rows belong to the legacy storefront (LEGACY_STOREFRONT, default 'legacy').
    const storefronts = await bed.dataSource.query(`SELECT DISTINCT storefront FROM customers UNION SELECT DISTINCT storefront FROM orders`);
    expect(storefronts).toEqual([{ storefront: 'legacy' }]);
  });

  it('prices every migrated order exactly as legacy.sp_order_totals, to the cent', async () => {
    const migrated: { legacy_order_no: number; subtotal: string; discount: string; shipping: string; tax: string; total: string }[] =
      await bed.dataSource.query('SELECT legacy_order_no, subtotal, discount, shipping, tax, total FROM orders WHERE legacy_order_no IS NOT NULL');
    const legacy: { order_no: number; subtotal: string; discount: string; shipping: string; tax: string; total: string }[] = await bed.legacyQuery(
      `SELECT order_no, (subtotal * 100)::bigint::text AS subtotal, (discount * 100)::bigint::text AS discount, (shipping * 100)::bigint::text AS shipping,
              (tax * 100)::bigint::text AS tax, (total * 100)::bigint::text AS total
         FROM legacy.sp_order_totals($1::int[])`,
      [migrated.map((o) => o.legacy_order_no)],
    );
    const expected = new Map(legacy.map((l) => [l.order_no, l]));
    const mismatches = migrated.filter((o) => {
      const l = expected.get(o.legacy_order_no);
      return !l || l.subtotal !== o.subtotal || l.discount !== o.discount || l.shipping !== o.shipping || l.tax !== o.tax || l.total !== o.total;
    });
    expect(migrated.length).toBeGreaterThan(ORDERS * 0.9);
    expect(mismatches).toEqual([]);
  });

  it('maps statuses: D and X final; P, S and N awaiting adoption, N parked for an operator', async () => {
    const rows: { status_cd: string; status: string; status_reason: string | null; awaiting: boolean; events: string }[] = await bed.dataSource.query(
      `SELECT o.status, o.status_reason, a.order_id IS NOT NULL AS awaiting, o.legacy_order_no,
              (SELECT string_agg(e.type, ',' ORDER BY e.seq) FROM order_events e WHERE e.order_id = o.id) AS events
         FROM orders o LEFT JOIN migration_adoptions a ON a.order_id = o.id AND a.adopted_at IS NULL
        WHERE o.legacy_order_no IS NOT NULL`,
    );
    const statusCd = new Map(
      (await bed.legacyQuery<{ order_no: number; status_cd: string }>('SELECT order_no, status_cd FROM legacy.orders')).map((o) => [o.order_no, o.status_cd]),
    );
    const seen = new Map<string, { status: string; reason: string | null; awaiting: boolean; events: string }>();
    for (const row of rows as unknown as ({ legacy_order_no: number } & (typeof rows)[number])[]) {
      seen.set(statusCd.get(row.legacy_order_no) as string, { status: row.status, reason: row.status_reason, awaiting: row.awaiting, events: row.events });
    }
    expect(seen.get('D')).toEqual({ status: 'DELIVERED', reason: null, awaiting: false, events: 'order.created,order.delivered' });
    expect(seen.get('X')).toMatchObject({ status: 'CANCELLED', awaiting: false, events: 'order.created,order.canceled' });
    expect(seen.get('P')).toEqual({ status: 'PROCESSING', reason: null, awaiting: true, events: 'order.created' });
    expect(seen.get('S')).toEqual({ status: 'SHIPPED', reason: null, awaiting: true, events: 'order.created,order.shipped' });
    expect(seen.get('N')).toEqual({ status: 'NEEDS_ATTENTION', reason: LEGACY_WITHOUT_PAYMENT_REASON, awaiting: true, events: 'order.created,order.needs_attention' });
    // event_seq is the last sequence number appended.
    const [{ n: gaps }] = await bed.dataSource.query(
      'SELECT count(*)::int AS n FROM orders o WHERE o.legacy_order_no IS NOT NULL AND o.event_seq <> (SELECT count(*) FROM order_events e WHERE e.order_id = o.id)',
    );
    expect(gaps).toBe(0);
  });

  it('takes stock in through the ledger, once', async () => {
    const [{ n }] = await bed.dataSource.query(
      `SELECT count(*)::int AS n FROM products p
        WHERE p.on_hand <> coalesce((SELECT sum(delta) FROM stock_movements m WHERE m.sku = p.sku AND m.reason = 'migrate'), 0)`,
    );
    expect(n).toBe(0);
    const legacy = await bed.legacyQuery<{ prod_code: string; qty_on_hand: number }>('SELECT prod_code, qty_on_hand FROM legacy.products ORDER BY prod_code LIMIT 5');
    for (const p of legacy) {
      const [target] = await bed.dataSource.query('SELECT on_hand FROM products WHERE sku = $1', [p.prod_code]);
      expect(target.on_hand).toBe(Math.max(0, p.qty_on_hand));
    }
  });

  it('changes nothing when run again, incrementally or in full', async () => {
    const before = await bed.targetDigest();
    const incremental = await bed.migrate();
    // Nothing changed since the watermarks; only the orphan-line scan (no modified_dt) looks again.
    for (const table of ['customers', 'products', 'orders'] as const) expect(incremental.run.table_counts[table].read).toBe(0);
    expect(incremental.run.table_counts.orphan_lines.read).toBe(bed.manifest.dirtyByKind.orphan_line);
    expect(incremental.run).toMatchObject({ rows_inserted: '0', rows_updated: '0' });
    const full = await bed.migrate({ mode: 'full' });
    expect(Number(full.run.rows_read)).toBeGreaterThan(ORDERS);
    expect(full.run).toMatchObject({ rows_inserted: '0', rows_updated: '0' });
    expect(await bed.targetDigest()).toEqual(before);
    expect(firstRunId).not.toBe(full.run.id);
  });

  it('picks up only the orders changed since the watermark, a changed line through its order', async () => {
    const [order] = await bed.legacyQuery<{ order_no: number }>(
      `SELECT o.order_no FROM legacy.orders o JOIN legacy.order_lines l ON l.order_no = o.order_no AND l.line_no = 1
        WHERE o.status_cd = 'D' AND l.qty BETWEEN 1 AND 50 AND o.order_no = ANY ($1::int[]) ORDER BY o.order_no LIMIT 1`,
      [(await bed.dataSource.query('SELECT legacy_order_no FROM orders WHERE legacy_order_no IS NOT NULL')).map((r: { legacy_order_no: number }) => r.legacy_order_no)],
    );
    const before: { total: string; event_seq: number } = (await bed.dataSource.query('SELECT total, event_seq FROM orders WHERE id = $1', [legacyOrderId(order.order_no)]))[0];
    // The legacy application stamps the order when one of its lines changes.
    await bed.legacyQuery('UPDATE legacy.order_lines SET qty = qty + 1 WHERE order_no = $1 AND line_no = 1', [order.order_no]);
    await bed.legacyQuery(`UPDATE legacy.orders SET modified_dt = localtimestamp WHERE order_no = $1`, [order.order_no]);

    const { run } = await bed.migrate();
    expect(run.table_counts.orders).toEqual({ read: 1, inserted: 0, updated: 1, unchanged: 0, quarantined: 0 });
    expect(run.table_counts.customers.read + run.table_counts.products.read).toBe(0);

    const [after] = await bed.dataSource.query('SELECT total, event_seq FROM orders WHERE id = $1', [legacyOrderId(order.order_no)]);
    const [legacyTotal] = await bed.legacyQuery<{ total: string }>('SELECT (total * 100)::bigint::text AS total FROM legacy.sp_order_total($1)', [order.order_no]);
    expect(after.total).toBe(legacyTotal.total);
    expect(after.total).not.toBe(before.total);
    expect(after.event_seq).toBe(before.event_seq + 1);
    const events: { type: string }[] = await bed.dataSource.query('SELECT type FROM order_events WHERE order_id = $1 ORDER BY seq', [legacyOrderId(order.order_no)]);
    expect(events.map((e) => e.type)).toEqual(['order.created', 'order.delivered', 'order.updated']);
  });

  it('reports an altered target row as a discrepancy of the right kind', async () => {
    const migrated: { id: string; legacy_order_no: number; status: string }[] = await bed.dataSource.query(
      `SELECT id, legacy_order_no, status FROM orders WHERE legacy_order_no IS NOT NULL AND status = 'DELIVERED' ORDER BY legacy_order_no LIMIT 3`,
    );
    const [wrongTotal, wrongStatus, gone] = migrated;
    await bed.dataSource.query('UPDATE orders SET total = total + 1 WHERE id = $1', [wrongTotal.id]);
    await bed.dataSource.query(`UPDATE orders SET status = 'CANCELLED' WHERE id = $1`, [wrongStatus.id]);
    await bed.dataSource.query('DELETE FROM orders WHERE id = $1', [gone.id]);
    const [customer] = await bed.dataSource.query(`SELECT id, legacy_cust_id FROM customers WHERE legacy_cust_id IS NOT NULL AND active ORDER BY legacy_cust_id LIMIT 1`);
    await bed.dataSource.query('UPDATE customers SET active = false WHERE id = $1', [customer.id]);

    const { run } = await bed.migrate();
    const found: { kind: string; source_table: string; source_key: string }[] = await bed.dataSource.query(
      `SELECT kind, source_table, source_key FROM migration_discrepancies WHERE run_id = $1 AND kind <> 'quarantined_source_row' ORDER BY kind, source_key`,
      [run.id],
    );
    expect(found).toEqual(
      expect.arrayContaining([
        { kind: 'total_mismatch', source_table: 'orders', source_key: String(wrongTotal.legacy_order_no) },
        { kind: 'status_mismatch', source_table: 'orders', source_key: String(wrongStatus.legacy_order_no) },
        { kind: 'missing_in_target', source_table: 'orders', source_key: String(gone.legacy_order_no) },
        { kind: 'customer_mismatch', source_table: 'customers', source_key: String(customer.legacy_cust_id) },
      ]),
    );
    // The aggregates by status see it too, and nothing else is reported.
    expect(found.filter((d) => d.source_table === 'orders' && !d.source_key.startsWith('status:'))).toHaveLength(3);
    expect(found.map((d) => d.kind)).toEqual(expect.arrayContaining(['count_mismatch', 'sum_mismatch']));
    const [{ n: quarantined }] = await bed.dataSource.query(
      `SELECT count(*)::int AS n FROM migration_discrepancies WHERE run_id = $1 AND kind = 'quarantined_source_row'`,
      [run.id],
    );
    expect(quarantined).toBeGreaterThanOrEqual(bed.manifest.dirty.length - bed.manifest.dirtyByKind.deleted_customer);
    expect(run.discrepancies).toBe(found.length + quarantined);
  });

  it('fails a run at once, saying what to do, when the legacy schema is not there', async () => {
    const handle = await bed.startRun({ sourceSchema: 'no_legacy_here' });
    await expect(handle.result()).rejects.toThrow();
    const [run] = await bed.dataSource.query(`SELECT * FROM migration_runs WHERE workflow_id = $1`, [handle.workflowId]);
    expect(run).toMatchObject({ status: 'failed', source_schema: 'no_legacy_here' });
    expect(run.error).toMatch(/legacy schema "no_legacy_here" is missing a table.*\.\/dev legacy-seed/);
    // One attempt: not twenty retries over ten minutes.
    const started = (await handle.fetchHistory()).events?.filter((e) => e.activityTaskStartedEventAttributes) ?? [];
    expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1, 1, 1]);
  });
});
