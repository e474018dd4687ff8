// Orphan lines: lines whose order does not exist. They have no modified_dt, so every run walks
// all lines by primary key looking for them (one index walk with an anti-join per batch); a line
// found again changes nothing in the quarantine.
import { type BatchContext, type PhaseOutcome, emptyCounts } from './batch';
import type { OrphanCursor } from './contract';
import { type QuarantineEntry, syncQuarantine } from './quarantine';

export async function quarantineOrphanLines(ctx: BatchContext, after: OrphanCursor | null): Promise<PhaseOutcome> {
  const rows: { order_no: number; line_no: number; prod_code: string; qty: number }[] = await ctx.manager.query(
    `SELECT l.order_no, l.line_no, l.prod_code, l.qty
       FROM ${ctx.s}.order_lines l
      WHERE (l.order_no, l.line_no) > ($1::int, $2::int)
        AND NOT EXISTS (SELECT 1 FROM ${ctx.s}.orders o WHERE o.order_no = l.order_no)
      ORDER BY l.order_no, l.line_no
      LIMIT $3`,
    [after?.orderNo ?? -2147483648, after?.lineNo ?? -2147483648, ctx.limit],
  );
  const counts = emptyCounts();
  counts.read = rows.length;
  if (rows.length === 0) return { counts, taken: 0, next: after };
  const entries: QuarantineEntry[] = rows.map((r) => ({
    table: 'order_lines',
    key: `${r.order_no}/${r.line_no}`,
    parentKey: String(r.order_no),
    reason: 'orphan_line',
    detail: `order ${r.order_no} does not exist (line of ${r.qty} x ${r.prod_code})`,
    disposition: 'excluded',
  }));
  await syncQuarantine(ctx, [], entries);
  counts.quarantined = rows.length;
  const last = rows[rows.length - 1];
  return { counts, taken: rows.length, next: { orderNo: last.order_no, lineNo: last.line_no } };
}
