// The activities the return workflow calls, as types only (workflows/return.ts imports this file
// with `import type`). Each is idempotent: the return's id and state in PostgreSQL say what is done.
import type { ReceivedReturnLine, RefundBreakdown, RequestedReturnLine, ReturnProblem, ReturnStatus } from '../domain/returns';

export type ReceivedLine = ReceivedReturnLine;

export type RequestedReturn =
  | { accepted: true; rma: string; expiresAt: string }
  | { accepted: false; problems: ReturnProblem[] };

export interface ReturnActivities {
  /**
   * Checks the request against the order under its row lock (delivered, within the window, units
   * not yet claimed) and records the return (REQUESTED, RMA number, lines, `return.requested`).
   * A second call answers what the first recorded.
   */
  requestReturn(input: {
    returnId: string;
    orderId: string;
    lines: RequestedReturnLine[];
    requestedAt: string;
    windowDays: number;
    receiptDays: number;
  }): Promise<RequestedReturn>;

  /**
   * Records what arrived and puts restocked units back on hand (a `return` stock movement per SKU),
   * `return.received` and `inventory.restocked`, in one transaction; nothing when already received.
   */
  receiveReturn(input: { returnId: string; lines: ReceivedLine[] }): Promise<{ status: ReturnStatus }>;

  /**
   * Refunds the received units by the formula (domain/returns.ts): fixes the amount on the return,
   * asks the provider with `idempotencyKey` (once: a retry gets the provider's first answer), then
   * books the ledger row, the credit note (CN number) and REFUNDED with `payment.refunded`.
   * Fails with ReturnRefundRefused (non-retryable) when the provider refuses for good.
   */
  refundReturn(input: { returnId: string; idempotencyKey: string }): Promise<{ refund: RefundBreakdown; creditNote: string | null }>;

  /** REQUESTED -> `to` (EXPIRED by the timer, CANCELLED on request) with its event; the status afterwards. */
  closeReturn(input: { returnId: string; to: 'EXPIRED' | 'CANCELLED' }): Promise<{ status: ReturnStatus }>;
}

/** The failure type of a refund the provider refused for good (the workflow waits for an operator). */
export const RETURN_REFUND_REFUSED = 'ReturnRefundRefused';
