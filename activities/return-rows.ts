// A return's row and the order it belongs to: what every return activity reads first.
import { ApplicationFailure } from '@temporalio/activity';
import type { ReturnStatus } from '../domain/returns';
import type { ActivityContext, OrderTransaction } from './order-events';

interface ReturnRow {
  id: string;
  order_id: string;
  rma: string;
  status: ReturnStatus;
  expires_at: Date;
}

/** The return's row, or null (read under the order's lock, which every writer of it holds). */
export async function returnRow(tx: Pick<OrderTransaction, 'manager'>, returnId: string): Promise<ReturnRow | null> {
  const rows: ReturnRow[] = await tx.manager.query('SELECT id, order_id, rma, status, expires_at FROM returns WHERE id = $1', [returnId]);
  return rows[0] ?? null;
}

/** The order a return belongs to (the lock to take before touching the return). */
export async function orderOfReturn(ctx: ActivityContext, returnId: string): Promise<string> {
  const rows: { order_id: string }[] = await ctx.dataSource.query('SELECT order_id FROM returns WHERE id = $1', [returnId]);
  if (rows.length === 0) throw ApplicationFailure.nonRetryable(`return ${returnId} has no projection (requestReturn must run first)`, 'ReturnNotFound');
  return rows[0].order_id;
}
