// The worker stopped in the middle of a batch (its transaction open, the activity cancelled by
// the shutdown) and a new worker started: the run resumes from the last committed batch, with no
// row written twice and none missed, and its counters count every legacy row exactly once.
import { MigrationTestBed, type MigrationRunRow } from './migration-bed';
import { eventually } from '../support/temporal';

jest.setTimeout(120_000);

const ORDERS = 1500;
const bed = new MigrationTestBed('migration-resume');

beforeAll(() => bed.start({ orders: ORDERS, seed: 23 }));
afterAll(() => bed.stop());

it('resumes a run after its worker stopped mid-batch, with no duplicate and no gap', async () => {
  // Each batch pauses before its commit, so the shutdown lands inside one.
  const first = await bed.startWorker({ batchPauseMs: 400, shutdownGraceTime: '50ms' });
  const handle = await bed.startRun({ batchSize: 200, batchesPerExecution: 3 });
  const runId = (await handle.describe()).runId;
  const midway = await eventually(async () => {
    const rows: MigrationRunRow[] = await bed.dataSource.query(`SELECT * FROM migration_runs WHERE phase = 'orders' AND batches >= 5`);
    return rows[0];
  }, 'the run to be in the middle of its orders', 60_000, 50);
  await first.stop();
  const stoppedAt: MigrationRunRow = (await bed.dataSource.query('SELECT * FROM migration_runs WHERE id = $1', [midway.id]))[0];
  expect(stoppedAt.status).toBe('running');
  expect(stoppedAt.phase).toBe('orders');
  expect(runId).toBe(midway.id);

  await bed.startWorker();
  await handle.result();
  const run = await bed.runRow(midway.id);
  expect(run).toMatchObject({ status: 'completed' });

  // Every legacy order read exactly once across the chain, and each one migrated or quarantined.
  expect(run.table_counts.orders.read).toBe(ORDERS);
  const c = run.table_counts.orders;
  expect(c.inserted + c.updated + c.unchanged + c.quarantined).toBe(ORDERS);
  expect(c.updated).toBe(0);
  const [{ migrated, events, lines }] = await bed.dataSource.query(
    `SELECT (SELECT count(*)::int FROM orders WHERE legacy_order_no IS NOT NULL) AS migrated,
            (SELECT count(*)::int FROM order_events) AS events,
            (SELECT count(*)::int FROM order_lines) AS lines`,
  );
  const [{ quarantined }] = await bed.dataSource.query(
    `SELECT count(DISTINCT source_key)::int AS quarantined FROM migration_quarantine WHERE source_table = 'orders' AND resolved_at IS NULL`,
  );
  expect(migrated).toBe(c.inserted);
  expect(migrated + quarantined).toBe(ORDERS);
  // One order.created per order and at most one status event: nothing appended twice.
  const [{ created }] = await bed.dataSource.query(`SELECT count(*)::int AS created FROM order_events WHERE type = 'order.created'`);
  expect(created).toBe(migrated);
  expect(events).toBeLessThanOrEqual(2 * migrated);
  const [{ expectedLines }] = await bed.legacyQuery<{ expectedLines: number }>(
    `SELECT count(*)::int AS "expectedLines" FROM legacy.order_lines WHERE order_no = ANY ($1::int[])`,
    [(await bed.dataSource.query('SELECT legacy_order_no FROM orders')).map((o: { legacy_order_no: number }) => o.legacy_order_no)],
  );
  expect(lines).toBe(expectedLines);
  // The reconciliation agrees: nothing missing, no total off.
  const found: { kind: string }[] = await bed.dataSource.query(
    `SELECT kind FROM migration_discrepancies WHERE run_id = $1 AND kind <> 'quarantined_source_row'`,
    [run.id],
  );
  expect(found).toEqual([]);
});
