// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for creating POSTs. Records live in
// Redis per client and key: an in-flight marker (60 s) while the first request runs, then the
// response for IDEMPOTENCY_TTL_SECONDS (24 h). Same key and body replays the stored response;
// same key with another body is 422; a second request while the first runs is 409. A 5xx is
// never stored, so a retry can succeed. With Redis away the request proceeds: POST /v1/orders
// still cannot create two orders, because the order id is derived from the client and the key.
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { ApiDeps, AppEnv } from './deps';
import { ApiError } from './errors';
import { tryRedis } from './redis-best-effort';
import { IDEMPOTENCY_KEY_PATTERN } from './schemas/common';

const IN_FLIGHT_MS = 60_000;
/** Response headers worth replaying; the rest (request id, rate limits) belong to the new request. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'];

type IdempotencyRecord =
  | { state: 'in_flight'; fingerprint: string }
  | { state: 'done'; fingerprint: string; status: number; headers: Record<string, string>; body: string };

/**
 * The key as sent: an RFC 8941 string ("...") as the draft says, or a bare token, which many
 * clients send. The whole value is 1 to 255 printable ASCII characters (IDEMPOTENCY_KEY_PATTERN,
 * the OpenAPI document's rule); a quoted one stands for what it quotes.
 */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (!IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Invalid header', 'Idempotency-Key must be 1 to 255 printable ASCII characters, quoted or bare.', { header: 'Idempotency-Key' });
  }
  const quoted = /^"(.+)"$/.exec(value);
  return quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : value;
}

export function idempotency(deps: Pick<ApiDeps, 'redis' | 'logger' | 'config'>, options: { required: boolean }): MiddlewareHandler<AppEnv> {
  const ttlMs = deps.config.IDEMPOTENCY_TTL_SECONDS * 1000;
  return async (c, next) => {
    const key = parseIdempotencyKey(c.req.header('idempotency-key'));
    if (key === undefined) {
      if (options.required) {
        throw new ApiError(400, 'idempotency_key_required', 'Missing header', 'This request needs an Idempotency-Key header (a UUID is a good choice).', { header: 'Idempotency-Key' });
      }
      return next();
    }
    c.set('idempotencyKey', key);
    const clientId = c.get('principal')?.clientId ?? 'anonymous';
    const recordKey = `idempotency:${clientId}:${createHash('sha256').update(key).digest('hex')}`;
    const fingerprint = fingerprintOf(c.req.method, c.req.path, await c.req.text());

    const marker: IdempotencyRecord = { state: 'in_flight', fingerprint };
    const claimed = await tryRedis(deps.redis, deps.logger, 'idempotency claim', (r) =>
      r.set(recordKey, JSON.stringify(marker), 'PX', IN_FLIGHT_MS, 'NX'),
    );
    if (!claimed.ok) return next(); // Redis away: the derived order id still dedupes.

    if (claimed.value !== 'OK') {
      const existing = await tryRedis(deps.redis, deps.logger, 'idempotency read', (r) => r.get(recordKey));
      if (!existing.ok) return next();
      if (existing.value !== null) return answerFromRecord(c, JSON.parse(existing.value) as IdempotencyRecord, fingerprint);
      // The record expired between SET NX and GET: treat this request as the first.
      await tryRedis(deps.redis, deps.logger, 'idempotency claim', (r) => r.set(recordKey, JSON.stringify(marker), 'PX', IN_FLIGHT_MS, 'NX'));
    }

    let stored = false;
    try {
      await next();
      if (c.res.status < 500) {
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const value = c.res.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        const record: IdempotencyRecord = { state: 'done', fingerprint, status: c.res.status, headers, body: await c.res.clone().text() };
        const saved = await tryRedis(deps.redis, deps.logger, 'idempotency store', (r) => r.set(recordKey, JSON.stringify(record), 'PX', ttlMs));
        stored = saved.ok;
      }
    } finally {
      // A fault (5xx, or a throw past the error handler) is never stored: release the key.
      if (!stored) await tryRedis(deps.redis, deps.logger, 'idempotency release', (r) => r.del(recordKey));
    }
  };
}

function answerFromRecord(c: Context<AppEnv>, record: IdempotencyRecord, fingerprint: string): Response {
  if (record.fingerprint !== fingerprint) {
    throw new ApiError(422, 'idempotency_key_reused', 'Unprocessable entity', 'This Idempotency-Key was already used with a different request body.', { header: 'Idempotency-Key' });
  }
  if (record.state === 'in_flight') {
    throw new ApiError(409, 'request_in_flight', 'Conflict', 'A request with this Idempotency-Key is still being processed; retry shortly.', { header: 'Idempotency-Key' }, { 'Retry-After': '1' });
  }
  const headers = new Headers(record.headers);
  headers.set('Idempotent-Replayed', 'true');
  for (const [name, value] of c.res.headers) if (!headers.has(name)) headers.set(name, value);
  return new Response(record.body, { status: record.status, headers });
}

/** Method, path and body; a JSON body is canonicalised so whitespace and key order do not count. */
function fingerprintOf(method: string, path: string, body: string): string {
  let canonical = body;
  try {
    canonical = JSON.stringify(sortKeys(JSON.parse(body)));
  } catch {
    // not JSON (a form): the bytes themselves
  }
  return createHash('sha256').update(`${method} ${path}\n${canonical}`).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
