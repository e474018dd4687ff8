// Reservations: an order holds stock (products.reserved, inventory_reservations) until it ships
// or is undone. Product rows are always locked in SKU order after the order row, so concurrent
// orders queue on the same products instead of deadlocking, and availability is checked under
// the lock: available (on_hand - reserved) can never go below zero.
import { ApplicationFailure } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { BusinessFailure } from '../domain/failures';
import type { OrderLineInput } from '../domain/order';
import { batchColumns } from '../entities/batch-columns';
import type { OrderActivities } from './contract';
import { heartbeat, throwIfCancelled } from './heartbeat';
import { type ActivityContext, type OrderTransaction, withLockedOrder } from './order-events';

interface Held {
  sku: string;
  quantity: number;
}

interface StockRow {
  sku: string;
  on_hand: number;
  reserved: number;
}

const DELTA_COLUMNS = batchColumns({ sku: 'varchar', delta: 'int' });
const QUANTITY_COLUMNS = batchColumns({ sku: 'varchar', quantity: 'int' });

async function lockProducts(manager: EntityManager, skus: string[]): Promise<Map<string, StockRow>> {
  const rows: StockRow[] = await manager.query(
    'SELECT sku, on_hand, reserved FROM products WHERE sku = ANY($1::varchar[]) ORDER BY sku FOR NO KEY UPDATE',
    [[...skus].sort()],
  );
  return new Map(rows.map((row) => [row.sku, row]));
}

async function heldBy(tx: OrderTransaction): Promise<Held[]> {
  return tx.manager.query(`SELECT sku, quantity FROM inventory_reservations WHERE order_id = $1 AND status = 'HELD' ORDER BY sku`, [tx.order.id]);
}

async function addReserved(manager: EntityManager, changes: { sku: string; delta: number }[]): Promise<void> {
  await manager.query(
    `UPDATE products p SET reserved = p.reserved + d.delta, version = p.version + 1, updated_at = now()
       FROM ${DELTA_COLUMNS.unnest('d')} WHERE p.sku = d.sku`,
    DELTA_COLUMNS.arrays(changes),
  );
}

/** The quantities an order asks for, per SKU; a malformed line is a bug upstream, not stock. */
function wantedQuantities(orderId: string, lines: OrderLineInput[]): Map<string, number> {
  const wanted = new Map<string, number>();
  for (const line of lines) {
    if (typeof line.sku !== 'string' || !Number.isSafeInteger(line.quantity) || line.quantity < 1) {
      throw ApplicationFailure.nonRetryable(`order ${orderId}: cannot reserve line ${JSON.stringify(line)}`, BusinessFailure.InvalidOrder);
    }
    wanted.set(line.sku, (wanted.get(line.sku) ?? 0) + line.quantity);
  }
  return wanted;
}

/**
 * The goods left: what the order holds becomes a 'ship' movement in the stock ledger (on_hand
 * and reserved both drop) and its reservations are SHIPPED, so no compensation can release them.
 */
export async function shipReservations(tx: OrderTransaction): Promise<Held[]> {
  const held = await heldBy(tx);
  if (held.length === 0) return held;
  await lockProducts(tx.manager, held.map((h) => h.sku));
  await tx.manager.query(
    `WITH reservations AS (
       UPDATE inventory_reservations SET status = 'SHIPPED', updated_at = now() WHERE order_id = $1 AND status = 'HELD'),
     shipped AS (
       UPDATE products p
          SET on_hand = p.on_hand - h.quantity, reserved = p.reserved - h.quantity, version = p.version + 1, updated_at = now()
         FROM ${QUANTITY_COLUMNS.unnest('h', 3)}
        WHERE p.sku = h.sku
       RETURNING p.sku, p.on_hand, h.quantity)
     INSERT INTO stock_movements (sku, delta, reason, on_hand_after, order_id, dedupe_key)
     SELECT sku, -quantity, 'ship', on_hand, $1, $2 || sku FROM shipped`,
    [tx.order.id, `ship:${tx.order.id}:`, ...QUANTITY_COLUMNS.arrays(held)],
  );
  return held;
}

export function inventoryActivities(ctx: ActivityContext): Pick<OrderActivities, 'reserveInventory' | 'releaseInventory'> {
  return {
    async reserveInventory({ orderId, lines }) {
      heartbeat({ step: 'reserveInventory' });
      throwIfCancelled();
      const wanted = wantedQuantities(orderId, lines);
      await withLockedOrder(ctx, orderId, async (tx) => {
        const reservations: (Held & { status: 'HELD' | 'SHIPPED' })[] = await tx.manager.query(
          `SELECT sku, quantity, status FROM inventory_reservations WHERE order_id = $1 AND status IN ('HELD', 'SHIPPED')`,
          [orderId],
        );
        if (reservations.some((r) => r.status === 'SHIPPED')) {
          ctx.logger.warn({ orderId }, 'reserveInventory after the goods shipped: nothing to reserve');
          return;
        }
        const held = new Map(reservations.map((h) => [h.sku, h.quantity]));
        const changes = [...new Set([...held.keys(), ...wanted.keys()])]
          .sort()
          .map((sku) => ({ sku, wanted: wanted.get(sku) ?? 0, held: held.get(sku) ?? 0 }))
          .map((c) => ({ ...c, delta: c.wanted - c.held }))
          .filter((c) => c.delta !== 0);
        // Already exactly what was asked for: a retry, or a reserve after an unchanged edit.
        if (changes.length === 0) return;

        // Keyed by sequence: idempotency comes from the state check above, not from the key. Appended
        // before the products are locked (an out-of-stock rolls it back): every order reserving a
        // SKU queues on its row, so the lock is held for the fewest round trips, lock-write-commit.
        await tx.append('inventory.reserved', `inventory.reserved@${tx.nextSeq}`, {
          lines: [...wanted].map(([sku, quantity]) => ({ sku, quantity })),
          changes: changes.map(({ sku, delta }) => ({ sku, delta })),
        });
        const stock = await lockProducts(tx.manager, changes.map((c) => c.sku));
        for (const change of changes) {
          const product = stock.get(change.sku);
          if (!product) {
            throw ApplicationFailure.nonRetryable(`unknown sku ${change.sku}`, BusinessFailure.UnknownSku, { sku: change.sku });
          }
          const available = product.on_hand - product.reserved;
          if (change.delta > available) {
            // Thrown inside the transaction: it rolls back, so nothing at all was reserved.
            throw ApplicationFailure.nonRetryable(
              `out of stock: ${change.sku} (requested ${change.wanted}, available ${available + change.held})`,
              BusinessFailure.OutOfStock,
              { sku: change.sku, requested: change.wanted, available: available + change.held },
            );
          }
        }
        // The products' reserved counts and the order's reservations, in one statement.
        const kept = changes.filter((c) => c.wanted > 0);
        await tx.manager.query(
          `WITH reserved AS (
             UPDATE products p SET reserved = p.reserved + d.delta, version = p.version + 1, updated_at = now()
               FROM ${DELTA_COLUMNS.unnest('d', 2)} WHERE p.sku = d.sku)
           INSERT INTO inventory_reservations (order_id, sku, quantity, status)
           SELECT $1, r.sku, r.quantity, 'HELD' FROM ${QUANTITY_COLUMNS.unnest('r', 4)}
           ON CONFLICT (order_id, sku) DO UPDATE SET quantity = EXCLUDED.quantity, status = 'HELD', updated_at = now()`,
          [orderId, ...DELTA_COLUMNS.arrays(changes), ...QUANTITY_COLUMNS.arrays(kept.map((c) => ({ sku: c.sku, quantity: c.wanted })))],
        );
        const dropped = changes.filter((c) => c.wanted === 0).map((c) => c.sku);
        if (dropped.length > 0) {
          await tx.manager.query(
            `UPDATE inventory_reservations SET status = 'RELEASED', updated_at = now() WHERE order_id = $1 AND sku = ANY($2::varchar[])`,
            [orderId, dropped],
          );
        }
      });
    },

    async releaseInventory({ orderId }) {
      heartbeat({ step: 'releaseInventory' });
      await withLockedOrder(
        ctx,
        orderId,
        async (tx) => {
          const held = await heldBy(tx);
          if (held.length === 0) return;
          await lockProducts(tx.manager, held.map((h) => h.sku));
          await addReserved(tx.manager, held.map((h) => ({ sku: h.sku, delta: -h.quantity })));
          await tx.manager.query(
            `UPDATE inventory_reservations SET status = 'RELEASED', updated_at = now() WHERE order_id = $1 AND status = 'HELD'`,
            [orderId],
          );
          await tx.append('inventory.released', `inventory.released@${tx.nextSeq}`, { lines: held });
        },
        () => undefined, // no order, nothing held
      );
    },
  };
}
