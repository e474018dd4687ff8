// The one error mapper: every failure the API answers is a JSON:API error document
// {"errors":[{status, code, title, detail, source:{pointer}}]}.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';

export interface ErrorObject {
  status: string;
  code: string;
  title: string;
  detail: string;
  source?: { pointer?: string; parameter?: string; header?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly source?: ErrorObject['source'],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toObject(): ErrorObject {
    return { status: String(this.status), code: this.code, title: this.title, detail: this.detail, ...(this.source ? { source: this.source } : {}) };
  }
}

export const errors = {
  badRequest: (detail: string, source?: ErrorObject['source']) => new ApiError(400, 'bad_request', 'Bad request', detail, source),
  unauthorized: (detail = 'A valid bearer token is required.') =>
    new ApiError(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer' }),
  forbidden: (scope: string) => new ApiError(403, 'forbidden', 'Forbidden', `This route needs the scope '${scope}'.`),
  notFound: (what: string) => new ApiError(404, 'not_found', 'Not found', `${what} was not found.`),
  conflict: (code: string, detail: string, source?: ErrorObject['source']) => new ApiError(409, code, 'Conflict', detail, source),
  paymentDeclined: (detail: string) => new ApiError(402, 'payment_declined', 'Payment required', detail),
  staleVersion: (detail: string) => new ApiError(412, 'version_mismatch', 'Precondition failed', detail, { header: 'If-Match' }),
  unprocessable: (code: string, detail: string, pointer?: string) =>
    new ApiError(422, code, 'Unprocessable entity', detail, pointer !== undefined ? { pointer } : undefined),
  unavailable: (detail: string, retryAfterSeconds = 5) =>
    new ApiError(503, 'service_unavailable', 'Service unavailable', detail, undefined, { 'Retry-After': String(retryAfterSeconds) }),
};

/** A zod issue path as a JSON pointer into the request document, e.g. /data/attributes/lines/0/sku. */
export function pointerOf(path: readonly PropertyKey[], prefix = ''): string {
  return prefix + path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Turns a request-validation failure into 400 (query/params/headers) or 422 (body). */
export function validationError(error: z.ZodError, target: string): ApiError {
  const issue = error.issues[0];
  const path = issue.path;
  if (target === 'json' || target === 'form') {
    const isUnknownField = issue.code === 'unrecognized_keys';
    const keys = isUnknownField ? (issue as { keys: string[] }).keys : [];
    const pointer = pointerOf(isUnknownField ? [...path, keys[0]] : path);
    const detail = isUnknownField ? `Unknown field '${keys.join("', '")}'.` : `${describe(path)}: ${issue.message}`;
    return new ApiError(422, isUnknownField ? 'unknown_field' : 'invalid_field', 'Invalid request body', detail, { pointer: pointer || '/' });
  }
  const name = String(path[0] ?? target);
  if (target === 'header') return new ApiError(400, 'invalid_header', 'Invalid header', `${name}: ${issue.message}`, { header: name });
  const parameter = target === 'query' ? queryParameterName(path) : name;
  return new ApiError(400, 'invalid_parameter', 'Invalid parameter', `${parameter}: ${issue.message}`, { parameter });
}

function describe(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'body' : path.map(String).join('.');
}

function queryParameterName(path: readonly PropertyKey[]): string {
  const [first, ...rest] = path.map(String);
  return first + rest.map((p) => `[${p}]`).join('');
}

export function errorResponse(c: Context, err: ApiError): Response {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json({ errors: [err.toObject()] }, err.status, { 'Content-Type': 'application/vnd.api+json' });
}

/** Maps anything thrown while serving a request to a JSON:API error; only real faults are 5xx. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : status === 400 ? 'bad_request' : 'http_error';
    const detail = err.message || (status === 413 ? 'The request body is too large.' : 'The request could not be processed.');
    return new ApiError(status, code, statusTitle(status), detail);
  }
  if (isDatabaseUnavailable(err)) return errors.unavailable('The order database is not answering; try again shortly.', 5);
  return null;
}

/** PostgreSQL away (refused, dropped, shutting down, pool exhausted): a 503, not a 500. */
function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown; message?: unknown }; message?: unknown; name?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = String(e.driverError?.code ?? e.code ?? '');
  if (/^(08|57P0)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  if (e.name === 'CannotExecuteNotConnectedError' || e.name === 'ConnectionIsNotSetError') return true;
  const message = String(e.driverError?.message ?? e.message ?? '');
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Driver not Connected/i.test(message);
}

function statusTitle(status: number): string {
  return ({ 400: 'Bad request', 404: 'Not found', 405: 'Method not allowed', 406: 'Not acceptable', 413: 'Payload too large', 415: 'Unsupported media type' } as Record<number, string>)[status] ?? 'Error';
}

/** The OpenAPI schema of an error document, shared by every route. */
export const ErrorDocument = z
  .object({
    errors: z.array(
      z.object({
        status: z.string(),
        code: z.string(),
        title: z.string(),
        detail: z.string(),
        source: z.object({ pointer: z.string().optional(), parameter: z.string().optional(), header: z.string().optional() }).optional(),
      }),
    ),
  })
  .openapi('ErrorDocument');
