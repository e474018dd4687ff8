// The return workflow's public surface (`return-<id>`): input, updates, signal, query. The API and
// the tests import these definitions; only workflows/return.ts implements them.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { ORDERS_TASK_QUEUE, returnWorkflowId } from '../domain/ids';
import type { ReceivedReturnLine, RequestedReturnLine, ReturnProblem, ReturnStatus } from '../domain/returns';

export const RETURN_WORKFLOW_TYPE = 'returnWorkflow';

export interface ReturnWorkflowInput {
  returnId: string;
  orderId: string;
  lines: RequestedReturnLine[];
  /** When the API accepted the request (the window is checked against it, retries included). */
  requestedAt: string;
  windowDays: number;
  /** Days until an unreceived return expires (a durable timer). */
  receiptDays: number;
}

/** What the query and every update answer. PENDING: not yet recorded; REJECTED: refused, nothing written. */
export interface ReturnState {
  returnId: string;
  orderId: string;
  status: ReturnStatus | 'PENDING' | 'REJECTED';
  rma: string | null;
  problems: ReturnProblem[];
  /** Why a received return is not refunded yet (a refusal by the provider), for operators. */
  statusReason: string | null;
}

/** Update-with-start's update: answers once the return is recorded (or refused: ReturnUpdateFailure.Rejected). */
export const requestReturnUpdate = defineUpdate<ReturnState>('requestReturn');
/** Records what arrived and its disposition, then refunds; answers when refunded (or stuck, with statusReason). */
export const receiveReturnUpdate = defineUpdate<ReturnState, [{ lines: ReceivedReturnLine[] }]>('receiveReturn');
/** REQUESTED -> CANCELLED. */
export const cancelReturnUpdate = defineUpdate<ReturnState>('cancelReturn');
/** The operator's "try the refund again" after the provider refused it (docs/operations.md). */
export const retryRefundSignal = defineSignal('retryRefund');
export const returnStateQuery = defineQuery<ReturnState>('state');

/** The `type` of the ApplicationFailure an update of a return fails with. */
export const ReturnUpdateFailure = {
  /** The request breaks a return rule (details[0]: ReturnProblem[]): 422, nothing written. */
  Rejected: 'ReturnRejected',
  /** Not in this status (receive or cancel after the return moved on): 409. */
  NotAllowed: 'ReturnChangeNotAllowed',
  /** The received lines are wrong (details[0]: ReturnProblem-like { pointer, detail }[]): 422. */
  InvalidReceive: 'InvalidReceive',
} as const;

export function returnWorkflowStartOptions(input: ReturnWorkflowInput, taskQueue: string = ORDERS_TASK_QUEUE) {
  const units = input.lines.reduce((sum, l) => sum + l.quantity, 0);
  return {
    workflowId: returnWorkflowId(input.returnId),
    taskQueue,
    args: [input] as [ReturnWorkflowInput],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    staticSummary: `Return ${input.returnId} of order ${input.orderId}: ${input.lines.length} line(s), ${units} unit(s)`,
  };
}
