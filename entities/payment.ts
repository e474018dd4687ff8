import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Cents } from '../domain/money';
import { centsColumn } from './column-types';

export type PaymentStatus = 'AUTHORIZED' | 'CAPTURED' | 'VOIDED';

/**
 * An order's payment: its one authorization (order_id is unique) and what became of it, at
 * most one capture (capture_id) or one void. The provider's idempotency keys are unique too.
 */
@Entity({ name: 'payments' })
export class Payment {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid', unique: true })
  orderId: string;

  @Column({ name: 'provider', type: 'varchar', length: 40 })
  provider: string;

  @Column({ name: 'status', type: 'varchar', length: 12 })
  status: PaymentStatus;

  @Column(centsColumn('amount'))
  amount: Cents;

  @Column({ name: 'currency', type: 'char', length: 3, default: 'USD' })
  currency: string;

  @Column({ name: 'authorization_id', type: 'varchar', length: 100 })
  authorizationId: string;

  @Column({ name: 'authorize_idempotency_key', type: 'varchar', length: 200, unique: true })
  authorizeIdempotencyKey: string;

  @Column({ name: 'capture_id', type: 'varchar', length: 100, nullable: true })
  captureId: string | null;

  @Column(centsColumn('captured_amount', true))
  capturedAmount: Cents | null;

  @Column({ name: 'capture_idempotency_key', type: 'varchar', length: 200, nullable: true })
  captureIdempotencyKey: string | null;

  @Column({ name: 'void_idempotency_key', type: 'varchar', length: 200, nullable: true })
  voidIdempotencyKey: string | null;

  @Column({ name: 'authorized_at', type: 'timestamptz', default: () => 'now()' })
  authorizedAt: Date;

  @Column({ name: 'captured_at', type: 'timestamptz', nullable: true })
  capturedAt: Date | null;

  @Column({ name: 'voided_at', type: 'timestamptz', nullable: true })
  voidedAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
