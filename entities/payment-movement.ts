import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Cents } from '../domain/money';
import type { PaymentMovementKind, PaymentMovementStatus } from '../domain/payment-ledger';
import { centsColumn } from './column-types';

/**
 * The payment ledger: one row per money movement at the provider, written in the transaction that
 * records the movement's event. `idempotencyKey` is the key the provider call carried (unique), so
 * a retried step books nothing twice. Amounts are positive; `kind` says which way the money went.
 */
@Entity({ name: 'payment_movements' })
export class PaymentMovement {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  /** The return a refund pays back, else null. */
  @Column({ name: 'return_id', type: 'uuid', nullable: true })
  returnId: string | null;

  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind: PaymentMovementKind;

  @Column({ name: 'status', type: 'varchar', length: 12, default: 'succeeded' })
  status: PaymentMovementStatus;

  @Column(centsColumn('amount'))
  amount: Cents;

  @Column({ name: 'currency', type: 'char', length: 3, default: 'USD' })
  currency: string;

  @Column({ name: 'provider', type: 'varchar', length: 40 })
  provider: string;

  /** The authorization the movement belongs to (an order may hold more than one). */
  @Column({ name: 'authorization_id', type: 'varchar', length: 100 })
  authorizationId: string;

  /** The provider's id of this movement (authorization, capture or refund id); null for a void. */
  @Column({ name: 'provider_reference', type: 'varchar', length: 100, nullable: true })
  providerReference: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, unique: true })
  idempotencyKey: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
