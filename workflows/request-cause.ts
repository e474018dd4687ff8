// Who caused what a workflow does: the API client and request behind an update, signal or start,
// carried as a Temporal header (as Temporal's own tracing interceptors carry trace context).
// The API's client adds it (api/request-cause-header.ts); the workflow keeps the latest as its
// current cause and hands it to every activity it schedules (./request-cause-interceptors.ts); the
// worker's activity interceptor makes it the activity's request context
// (workers/request-cause-activities.ts), which the audit trail and the logs read.
//
// Headers are not passed through the payload codec (the SDK skips them), so they are readable in
// the history: this one holds a client id and a request id, never an address or a token.
import { defaultPayloadConverter, type Headers } from '@temporalio/workflow';

export const REQUEST_CAUSE_HEADER = 'ordersaga-cause';

export interface RequestCause {
  clientId: string;
  requestId: string;
}

const isShortText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** The header that carries `cause` (nothing for the system). */
export function requestCauseHeaders(cause: RequestCause | null): Headers {
  if (cause === null) return {};
  return { [REQUEST_CAUSE_HEADER]: defaultPayloadConverter.toPayload({ clientId: cause.clientId, requestId: cause.requestId }) };
}

/** The cause a call's headers carry; null (the system) when they carry none or something else. */
export function requestCauseOf(headers: Headers | undefined): RequestCause | null {
  const payload = headers?.[REQUEST_CAUSE_HEADER];
  if (payload === undefined) return null;
  try {
    const value = defaultPayloadConverter.fromPayload<Partial<RequestCause> | null>(payload);
    if (isShortText(value?.clientId, 100) && isShortText(value?.requestId, 128)) return { clientId: value.clientId, requestId: value.requestId };
  } catch {
    // not ours: the system
  }
  return null;
}
