// The API's Temporal client adds the request's cause (the authenticated client and the request id,
// workflows/request-cause.ts) as a header to everything that changes an order: update-with-start,
// the plain start that makes sure of an order whose record is late, updates and signals. The
// order workflow records it with the events those calls set off.
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { currentRequestContext } from '../runtime/logger';
import { type RequestCause, requestCauseHeaders } from '../workflows/request-cause';

/** The cause of the request being served; null outside an authenticated request. */
function currentCause(): RequestCause | null {
  const context = currentRequestContext();
  return context?.clientId ? { clientId: context.clientId, requestId: context.requestId } : null;
}

const causeInterceptor: WorkflowClientInterceptor = {
  start(input, next) {
    return next({ ...input, headers: { ...input.headers, ...requestCauseHeaders(currentCause()) } });
  },
  startUpdateWithStart(input, next) {
    const cause = requestCauseHeaders(currentCause());
    return next({ ...input, workflowStartHeaders: { ...input.workflowStartHeaders, ...cause }, updateHeaders: { ...input.updateHeaders, ...cause } });
  },
  startUpdate(input, next) {
    return next({ ...input, headers: { ...input.headers, ...requestCauseHeaders(currentCause()) } });
  },
  signal(input, next) {
    return next({ ...input, headers: { ...input.headers, ...requestCauseHeaders(currentCause()) } });
  },
};

/** A client on `client`'s connection, namespace and data converter that adds the cause header. */
export function clientAddingCause(client: Client): Client {
  return new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    dataConverter: client.options.dataConverter,
    identity: client.options.identity,
    interceptors: { workflow: [causeInterceptor] },
  });
}
