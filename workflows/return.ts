// The return workflow (`return-<id>`): request -> (receive -> refund) | expire | cancel. Its timer,
// its refund and its retries live here, not in the order's history. Handlers only flag what was
// asked; run() does the work in order, so an expiry and a receive can never both happen.
import {
  ApplicationFailure,
  ActivityFailure,
  condition,
  proxyActivities,
  setHandler,
  allHandlersFinished,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReturnActivities } from '../activities/return-contract';
import { stepIdempotencyKey } from '../domain/ids';
import type { ReceivedReturnLine } from '../domain/returns';
import {
  cancelReturnUpdate,
  receiveReturnUpdate,
  requestReturnUpdate,
  retryRefundSignal,
  type ReturnState,
  ReturnUpdateFailure,
  type ReturnWorkflowInput,
  returnStateQuery,
} from './return-definitions';
import { receiveProblems } from './return-guards';

const UNTIL_DONE = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;
/** Our own database: retried until PostgreSQL answers. */
const db = proxyActivities<ReturnActivities>({ startToCloseTimeout: '30s', retry: { ...UNTIL_DONE, nonRetryableErrorTypes: ['ReturnNotFound'] } });
/** The provider's refund: heartbeats, retried with capped backoff until it succeeds or is refused for good. */
const refunds = proxyActivities<ReturnActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { ...UNTIL_DONE, maximumInterval: '5m', nonRetryableErrorTypes: ['ReturnRefundRefused', 'ReturnNotReceived'] },
});

const DAY_MS = 24 * 60 * 60 * 1000;

export async function returnWorkflow(input: ReturnWorkflowInput): Promise<ReturnState> {
  const state: ReturnState = { returnId: input.returnId, orderId: input.orderId, status: 'PENDING', rma: null, problems: [], statusReason: null };
  let receive: ReceivedReturnLine[] | null = null;
  let cancelRequested = false;
  let closing = false; // the timer fired or a cancel/receive was taken: no other ending may start
  let refundRetries = 0;

  const snapshot = (): ReturnState => ({ ...state, problems: [...state.problems] });
  const mayChange = () => {
    if (state.status !== 'REQUESTED' || closing) {
      throw ApplicationFailure.create({ type: ReturnUpdateFailure.NotAllowed, message: `return ${input.returnId} is ${state.status}${closing ? ' (closing)' : ''}`, nonRetryable: true });
    }
  };

  setHandler(returnStateQuery, snapshot);
  setHandler(requestReturnUpdate, async () => {
    await condition(() => state.status !== 'PENDING');
    if (state.status === 'REJECTED') {
      throw ApplicationFailure.create({ type: ReturnUpdateFailure.Rejected, message: state.problems[0]?.detail ?? 'return refused', details: [state.problems], nonRetryable: true });
    }
    return snapshot();
  });
  setHandler(
    receiveReturnUpdate,
    async ({ lines }) => {
      receive = lines;
      closing = true;
      await condition(() => state.status === 'REFUNDED' || state.statusReason !== null);
      return snapshot();
    },
    {
      validator: ({ lines }) => {
        mayChange();
        const problems = receiveProblems(input.lines, lines);
        if (problems.length > 0) {
          throw ApplicationFailure.create({ type: ReturnUpdateFailure.InvalidReceive, message: problems[0].detail, details: [problems], nonRetryable: true });
        }
      },
    },
  );
  setHandler(
    cancelReturnUpdate,
    async () => {
      cancelRequested = true;
      closing = true;
      await condition(() => state.status !== 'REQUESTED');
      return snapshot();
    },
    { validator: mayChange },
  );
  setHandler(retryRefundSignal, () => void refundRetries++);

  const requested = await db.requestReturn({
    returnId: input.returnId,
    orderId: input.orderId,
    lines: input.lines,
    requestedAt: input.requestedAt,
    windowDays: input.windowDays,
    receiptDays: input.receiptDays,
  });
  if (!requested.accepted) {
    state.status = 'REJECTED';
    state.problems = requested.problems;
  } else {
    state.rma = requested.rma;
    state.status = 'REQUESTED';
    // A durable timer: it survives worker restarts and fires even if no worker ran meanwhile.
    const acted = await condition(() => receive !== null || cancelRequested, input.receiptDays * DAY_MS);
    closing = true;
    if (!acted) {
      state.status = (await db.closeReturn({ returnId: input.returnId, to: 'EXPIRED' })).status;
    } else if (cancelRequested) {
      state.status = (await db.closeReturn({ returnId: input.returnId, to: 'CANCELLED' })).status;
    } else {
      state.status = (await db.receiveReturn({ returnId: input.returnId, lines: receive! })).status;
      await refund();
    }
  }
  await condition(allHandlersFinished);
  return snapshot();

  /** Refunds; a refusal for good waits for the operator's retryRefund signal, then tries again. */
  async function refund(): Promise<void> {
    const idempotencyKey = stepIdempotencyKey(workflowInfo().workflowId, 'refund');
    for (;;) {
      try {
        await refunds.refundReturn({ returnId: input.returnId, idempotencyKey });
        state.status = 'REFUNDED';
        state.statusReason = null;
        return;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        state.statusReason = err.cause?.message ?? err.message;
        const seen = refundRetries;
        await condition(() => refundRetries > seen);
      }
    }
  }
}
