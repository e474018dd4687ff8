import {
  Column,
  CreateDateColumn,
  Entity,
  type EntityManager,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Cents } from '../domain/money';
import { centsColumn } from './column-types';

/**
 * A catalogue item and its stock. `reserved` is the sum of the HELD reservations; available is
 * `on_hand - reserved`. CHECK constraints keep 0 <= reserved <= on_hand whatever the caller does.
 * `version` grows with every change of the row: it is the ETag for If-Match.
 */
@Entity({ name: 'products' })
export class Product {
  @PrimaryColumn({ name: 'sku', type: 'varchar', length: 20 })
  sku: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name: string;

  /** numeric(12,4) kept exactly, as a decimal string ('19.9950'). */
  @Column({ name: 'unit_price_decimal', type: 'numeric', precision: 12, scale: 4 })
  unitPriceDecimal: string;

  /** unit_price_decimal rounded half away from zero to cents (a CHECK keeps the two in step). */
  @Column(centsColumn('unit_price'))
  unitPrice: Cents;

  @Column({ name: 'on_hand', type: 'integer', default: 0 })
  onHand: number;

  @Column({ name: 'reserved', type: 'integer', default: 0 })
  reserved: number;

  @Column({ name: 'version', type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export const STOCK_MOVEMENT_REASONS = ['receive', 'adjust', 'ship', 'return', 'migrate'] as const;
export type StockMovementReason = (typeof STOCK_MOVEMENT_REASONS)[number];

/** The stock ledger: every change of on_hand is one row. Reservations are not movements. */
@Entity({ name: 'stock_movements' })
export class StockMovement {
  @PrimaryGeneratedColumn({ name: 'id', type: 'bigint' })
  id: string;

  @Column({ name: 'sku', type: 'varchar', length: 20 })
  sku: string;

  /** Units in (positive) or out (negative); never 0. */
  @Column({ name: 'delta', type: 'integer' })
  delta: number;

  @Column({ name: 'reason', type: 'varchar', length: 20 })
  reason: StockMovementReason;

  @Column({ name: 'on_hand_after', type: 'integer' })
  onHandAfter: number;

  @Column({ name: 'order_id', type: 'uuid', nullable: true })
  orderId: string | null;

  /** Makes a retried movement (an API call with an Idempotency-Key, a migration batch) apply once. */
  @Column({ name: 'dedupe_key', type: 'varchar', length: 200, nullable: true, unique: true })
  dedupeKey: string | null;

  @Column({ name: 'note', type: 'text', nullable: true })
  note: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

export interface StockMovementInput {
  sku: string;
  delta: number;
  reason: StockMovementReason;
  orderId?: string | null;
  dedupeKey?: string | null;
  note?: string | null;
}

export type StockMovementResult =
  | { applied: true; movementId: string; onHand: number; reserved: number; version: number }
  | { applied: false; reason: 'unknown_sku' | 'below_reserved' | 'duplicate' };

/**
 * Changes on_hand by `delta` and writes the ledger row, in the caller's transaction. Refuses
 * (applied: false) a change that would take on_hand below what is reserved, and applies a
 * movement with a known dedupe key only once.
 */
export async function recordStockMovement(manager: EntityManager, input: StockMovementInput): Promise<StockMovementResult> {
  if (!Number.isSafeInteger(input.delta) || input.delta === 0) {
    throw new RangeError(`stock movement delta must be a non-zero integer, got ${String(input.delta)}`);
  }
  if (input.dedupeKey) {
    const seen: unknown[] = await manager.query('SELECT 1 FROM stock_movements WHERE dedupe_key = $1', [input.dedupeKey]);
    if (seen.length > 0) return { applied: false, reason: 'duplicate' };
  }
  const moved: { on_hand: number; reserved: number; version: number }[] = await manager.query(
    `WITH moved AS (
       UPDATE products SET on_hand = on_hand + $2, version = version + 1, updated_at = now()
        WHERE sku = $1 AND on_hand + $2 >= reserved
       RETURNING on_hand, reserved, version)
     SELECT * FROM moved`,
    [input.sku, input.delta],
  );
  if (moved.length === 0) {
    const known: unknown[] = await manager.query('SELECT 1 FROM products WHERE sku = $1', [input.sku]);
    return { applied: false, reason: known.length ? 'below_reserved' : 'unknown_sku' };
  }
  const [{ on_hand: onHand, reserved, version }] = moved;
  const [movement]: { id: string }[] = await manager.query(
    `INSERT INTO stock_movements (sku, delta, reason, on_hand_after, order_id, dedupe_key, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [input.sku, input.delta, input.reason, onHand, input.orderId ?? null, input.dedupeKey ?? null, input.note ?? null],
  );
  return { applied: true, movementId: String(movement.id), onHand, reserved, version };
}
