// Writes to the payment ledger (payment_movements). Every activity that moves money books the
// movement here in the transaction that records its event, under the idempotency key its
// provider call carried: the key is unique, so a retried or replayed step books nothing twice.
import type { EntityManager } from 'typeorm';
import { CURRENCY, type Cents } from '../domain/money';
import type { PaymentMovementKind, PaymentMovementStatus } from '../domain/payment-ledger';
import { recordId } from './order-events';

export interface MovementInput {
  orderId: string;
  kind: PaymentMovementKind;
  amount: Cents;
  provider: string;
  authorizationId: string;
  /** The provider's id of the movement (authorization, capture or refund id); null for a void. */
  providerReference: string | null;
  idempotencyKey: string;
  returnId?: string | null;
  status?: PaymentMovementStatus;
}

/** Books one movement; true when it is new, false when its key was booked already. */
export async function recordPaymentMovement(manager: EntityManager, m: MovementInput): Promise<boolean> {
  const inserted: unknown[] = await manager.query(
    `INSERT INTO payment_movements (id, order_id, return_id, kind, status, amount, currency, provider, authorization_id, provider_reference, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [
      recordId(`payment-movement:${m.idempotencyKey}`),
      m.orderId,
      m.returnId ?? null,
      m.kind,
      m.status ?? 'succeeded',
      m.amount,
      CURRENCY,
      m.provider,
      m.authorizationId,
      m.providerReference,
      m.idempotencyKey,
    ],
  );
  return inserted.length > 0;
}

/** What an authorization holds per the ledger: its authorization and increments (what a void releases). */
export async function heldByAuthorization(manager: EntityManager, orderId: string, authorizationId: string): Promise<Cents> {
  const [row]: { held: string }[] = await manager.query(
    `SELECT COALESCE(sum(amount), 0)::text AS held FROM payment_movements
      WHERE order_id = $1 AND authorization_id = $2 AND kind IN ('authorization', 'increment') AND status = 'succeeded'`,
    [orderId, authorizationId],
  );
  return Number(row.held);
}
