// The worker's side of the request cause (workflows/request-cause.ts): an activity, local or not,
// runs in the request context its header names, so the events it appends record the client and
// request as their actor (activities/order-events.ts) and its log lines carry the request id
// (runtime/logger.ts for pino, the SDK's activity logger through getLogAttributes). Without the
// header it runs as the system, with no request context.
import path from 'node:path';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { withRequestContext } from '../runtime/logger';
import { requestCauseOf } from '../workflows/request-cause';

/** The workflow interceptor module: bundled with the workflows (webpack resolves .ts or .js). */
export const REQUEST_CAUSE_WORKFLOW_INTERCEPTORS = path.resolve(__dirname, '../workflows/request-cause-interceptors');

export const requestCauseActivityInterceptors: ActivityInterceptorsFactory = () => {
  let cause: ReturnType<typeof requestCauseOf> = null;
  return {
    inbound: {
      execute(input, next) {
        cause = requestCauseOf(input.headers);
        return cause === null ? next(input) : withRequestContext(cause, () => next(input));
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next(cause === null ? input : { ...input, requestId: cause.requestId, clientId: cause.clientId });
      },
    },
  };
};
