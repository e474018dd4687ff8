// Workflow interceptors (bundled with the workflows: workers/order-worker.ts) that keep the
// workflow's current cause (./request-cause.ts) and pass it on.
//
// The cause is the last inbound call's: the start, an accepted update or a signal. A call without
// the header (the carrier dispatcher's signals, the migration's starts, an operator's signal from
// the Temporal UI) makes the system the cause. So does an activation that brings a fired timer
// (what happens after time passed, the escalation and the auto-cancel, nobody asked for) or a
// cancellation request (the UI's Cancel button), before its jobs run. Every activity and local
// activity scheduled carries the cause of the moment it was scheduled, so the steps a POST sets
// off (reserve, invoice, authorize) carry the POST's, and the compensations a cancel sets off
// carry the cancel's. A local activity retried after a backoff timer keeps the cause of its first
// attempt. Queries and rejected updates change nothing.
//
// Deterministic: headers come from the history, and adding headers to commands changes nothing
// the server compares on replay (test/workflows/order-replay.test.ts replays the stored histories).
import type { WorkflowInterceptors } from '@temporalio/workflow';
import { type RequestCause, requestCauseHeaders, requestCauseOf } from './request-cause';

export const interceptors = (): WorkflowInterceptors => {
  let current: RequestCause | null = null;
  // A local activity's backoff retries are scheduled again with the same `args` array.
  const firstAttemptCause = new WeakMap<unknown[], RequestCause | null>();

  return {
    inbound: [
      {
        execute(input, next) {
          current = requestCauseOf(input.headers);
          return next(input);
        },
        handleUpdate(input, next) {
          current = requestCauseOf(input.headers);
          return next(input);
        },
        handleSignal(input, next) {
          current = requestCauseOf(input.headers);
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity(input, next) {
          return next({ ...input, headers: { ...input.headers, ...requestCauseHeaders(current) } });
        },
        scheduleLocalActivity(input, next) {
          const cause = input.attempt > 1 && firstAttemptCause.has(input.args) ? (firstAttemptCause.get(input.args) ?? null) : current;
          firstAttemptCause.set(input.args, cause);
          return next({ ...input, headers: { ...input.headers, ...requestCauseHeaders(cause) } });
        },
        getLogAttributes(input, next) {
          return next(current === null ? input : { ...input, requestId: current.requestId, clientId: current.clientId });
        },
      },
    ],
    internals: [
      {
        activate(input, next) {
          if (input.activation.jobs?.some((job) => job.fireTimer || job.cancelWorkflow)) current = null;
          return next(input);
        },
      },
    ],
  };
};
