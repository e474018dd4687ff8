// The payment ledger's vocabulary and the order's payment summary computed from it.
import type { Cents } from './money';

export const PAYMENT_MOVEMENT_KINDS = ['authorization', 'increment', 'capture', 'void', 'refund'] as const;
export type PaymentMovementKind = (typeof PAYMENT_MOVEMENT_KINDS)[number];

export const PAYMENT_MOVEMENT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type PaymentMovementStatus = (typeof PAYMENT_MOVEMENT_STATUSES)[number];

/** Sums of an order's succeeded movements, in cents. */
export interface PaymentTotals {
  /** Authorizations and increments less what voids released: what the order holds (or held, once captured). */
  authorized: Cents;
  captured: Cents;
  refunded: Cents;
}

export interface PaymentSummary extends PaymentTotals {
  /**
   * What the customer still owes (negative: is owed). Before any capture, the order total less what
   * is authorized (0 when the hold covers it; negative after an edit down: the capture will be
   * smaller); once captured, total − (captured − refunded), as DESIGN.md defines it, with total net of credit notes.
   */
  balance: Cents;
}

export const NO_PAYMENT: PaymentTotals = { authorized: 0, captured: 0, refunded: 0 };

/** `credited`: the order's credit notes (returns refunded), so a refunded return is not shown as owed. */
export function paymentSummary(total: Cents | null, totals: PaymentTotals, credited: Cents = 0): PaymentSummary {
  const owed = (total ?? 0) - credited;
  const balance = totals.captured > 0 ? owed - (totals.captured - totals.refunded) : owed - totals.authorized;
  return { ...totals, balance };
}

/** Adds one movement to the sums (the same rule as the SQL in api/order-projection.ts). */
export function addMovement(totals: PaymentTotals, movement: { kind: PaymentMovementKind; amount: Cents; status?: PaymentMovementStatus }): PaymentTotals {
  if (movement.status !== undefined && movement.status !== 'succeeded') return totals;
  switch (movement.kind) {
    case 'authorization':
    case 'increment':
      return { ...totals, authorized: totals.authorized + movement.amount };
    case 'void':
      return { ...totals, authorized: totals.authorized - movement.amount };
    case 'capture':
      return { ...totals, captured: totals.captured + movement.amount };
    case 'refund':
      return { ...totals, refunded: totals.refunded + movement.amount };
  }
}
