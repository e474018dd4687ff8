// The return workflow's activities (contract: return-contract.ts). A return's rows change under
// its order's row lock (withLockedOrder), the lock every activity of the order takes: checks of
// "already done" are exact, its events join the order's gapless trail, and two returns of one
// order cannot both claim the same units.
import { returnRequestProblems } from '../domain/returns';
import { batchColumns } from '../entities/batch-columns';
import { loadReturnableOrder } from '../entities/return-queries';
import { takeDocumentNumber } from './document-numbers';
import { heartbeat } from './heartbeat';
import { type ActivityContext, type OrderTransaction, withLockedOrder } from './order-events';
import type { ReturnActivities } from './return-contract';
import { refundReturnActivity } from './return-refund';
import { orderOfReturn, returnRow } from './return-rows';

const DAY_MS = 24 * 60 * 60 * 1000;
const LINE_COLUMNS = batchColumns({ line_no: 'int', sku: 'varchar', quantity: 'int', reason: 'text' });
const RECEIVED_COLUMNS = batchColumns({ sku: 'varchar', received: 'int', disposition: 'varchar' });

export function returnActivities(ctx: ActivityContext): ReturnActivities {
  return {
    async requestReturn({ returnId, orderId, lines, requestedAt, windowDays, receiptDays }) {
      heartbeat({ step: 'requestReturn' });
      return withLockedOrder(ctx, orderId, async (tx) => {
        const known = await returnRow(tx, returnId);
        if (known) return { accepted: true as const, rma: known.rma, expiresAt: known.expires_at.toISOString() };
        const order = await loadReturnableOrder(tx.manager, orderId);
        const problems = returnRequestProblems(order!, lines, new Date(requestedAt), windowDays);
        if (problems.length > 0) return { accepted: false as const, problems };

        const expiresAt = new Date(Date.parse(requestedAt) + receiptDays * DAY_MS);
        const rows = lines.map((l, i) => ({ line_no: i + 1, sku: l.sku, quantity: l.quantity, reason: l.reason ?? null }));
        // The RMA number last: its counter row stays locked until this transaction commits.
        const rma = await takeDocumentNumber(tx.manager, 'RMA');
        await tx.manager.query(
          `INSERT INTO returns (id, order_id, storefront, rma, status, expires_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 'REQUESTED', $5, $6, $6)`,
          [returnId, orderId, order!.storefront, rma, expiresAt, requestedAt],
        );
        await tx.manager.query(
          `INSERT INTO return_lines (return_id, ${LINE_COLUMNS.names}) SELECT $1, * FROM ${LINE_COLUMNS.unnest('l', 2)}`,
          [returnId, ...LINE_COLUMNS.arrays(rows)],
        );
        await tx.append('return.requested', `return.requested:${returnId}`, {
          returnId,
          rma,
          lines: rows.map((l) => ({ sku: l.sku, quantity: l.quantity, reason: l.reason })),
          expiresAt: expiresAt.toISOString(),
        });
        return { accepted: true as const, rma, expiresAt: expiresAt.toISOString() };
      });
    },

    async receiveReturn({ returnId, lines }) {
      heartbeat({ step: 'receiveReturn' });
      const orderId = await orderOfReturn(ctx, returnId);
      return withLockedOrder(ctx, orderId, async (tx) => {
        const known = (await returnRow(tx, returnId))!;
        if (known.status !== 'REQUESTED') return { status: known.status };
        await tx.manager.query(
          `WITH received AS (
             UPDATE return_lines l SET received_quantity = r.received, disposition = r.disposition
               FROM ${RECEIVED_COLUMNS.unnest('r', 2)} WHERE l.return_id = $1 AND l.sku = r.sku)
           UPDATE returns SET status = 'RECEIVED', received_at = now(), updated_at = now() WHERE id = $1`,
          [returnId, ...RECEIVED_COLUMNS.arrays(lines.map((l) => ({ sku: l.sku, received: l.receivedQuantity, disposition: l.disposition })))],
        );
        await tx.append('return.received', `return.received:${returnId}`, { returnId, rma: known.rma, lines });
        const restock = lines.filter((l) => l.disposition === 'restock' && l.receivedQuantity > 0).map((l) => ({ sku: l.sku, quantity: l.receivedQuantity }));
        if (restock.length > 0) {
          await restockUnits(tx, returnId, restock);
          await tx.append('inventory.restocked', `inventory.restocked:${returnId}`, { returnId, lines: restock });
        }
        return { status: 'RECEIVED' as const };
      });
    },

    refundReturn: refundReturnActivity(ctx),

    async closeReturn({ returnId, to }) {
      heartbeat({ step: 'closeReturn' });
      const orderId = await orderOfReturn(ctx, returnId);
      return withLockedOrder(ctx, orderId, async (tx) => {
        const known = (await returnRow(tx, returnId))!;
        if (known.status !== 'REQUESTED') return { status: known.status };
        await tx.manager.query(`UPDATE returns SET status = $2, updated_at = now() WHERE id = $1`, [returnId, to]);
        await tx.append(to === 'EXPIRED' ? 'return.expired' : 'return.cancelled', `return.closed:${returnId}`, { returnId, rma: known.rma });
        return { status: to };
      });
    },
  };
}

const RESTOCK_COLUMNS = batchColumns({ sku: 'varchar', quantity: 'int' });

/** Restocked units go back on hand: one `return` stock movement per SKU, keyed by the return (once). */
async function restockUnits(tx: OrderTransaction, returnId: string, lines: { sku: string; quantity: number }[]): Promise<void> {
  await tx.manager.query('SELECT sku FROM products WHERE sku = ANY($1::varchar[]) ORDER BY sku FOR NO KEY UPDATE', [lines.map((l) => l.sku).sort()]);
  await tx.manager.query(
    `WITH restocked AS (
       UPDATE products p SET on_hand = p.on_hand + r.quantity, version = p.version + 1, updated_at = now()
         FROM ${RESTOCK_COLUMNS.unnest('r', 3)} WHERE p.sku = r.sku
       RETURNING p.sku, p.on_hand, r.quantity)
     INSERT INTO stock_movements (sku, delta, reason, on_hand_after, order_id, dedupe_key)
     SELECT sku, quantity, 'return', on_hand, $1, $2 || sku FROM restocked`,
    [tx.order.id, `return:${returnId}:`, ...RESTOCK_COLUMNS.arrays(lines)],
  );
}
