// The codec endpoint (Temporal's codec server protocol) for the Temporal UI and CLI:
// POST /codec/decode and /codec/encode take and answer {"payloads":[...]} in proto3 JSON (base64
// metadata values and data). Payloads hold addresses and payment tokens, so only an operator
// (scope `ops`) may call it, and only the UI's origins may call it from a browser, with
// credentials.
//
// How the caller proves it is an operator:
// - a bearer token (the CLI: `--codec-auth "Bearer <token>"`; scripts; tests);
// - a session cookie, for the Temporal UI: the UI sends an Authorization header only over HTTPS
//   and only with its own OIDC login's token, which the dev UI does not have, but it does send
//   cookies when "Include cross-origin credentials" is on. An operator signs in once at
//   GET /codec/session (client id and secret of a client with `ops`); the cookie holds an `ops`
//   access token and lives as long as that token.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Payload } from '@temporalio/common';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { cors } from 'hono/cors';
import { createPayloadCodec } from '../../runtime/data-converter';
import { type AesGcmPayloadCodec, UndecryptablePayloadError, UnknownEncryptionKeyError } from '../../runtime/payload-codec';
import { secured, type TokenIssuer, type TokenVerifier } from '../auth';
import type { ApiDeps, AppEnv } from '../deps';
import { ApiError, errorResponse, errors, toApiError } from '../errors';
import { errorResponses } from '../json-api';

export const CODEC_SESSION_COOKIE = 'ordersaga_codec';

// proto3 JSON writes bytes as standard or URL-safe base64.
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

const CodecPayload = z
  .object({
    metadata: z.record(z.string(), Base64).optional().openapi({ description: 'metadata values, base64' }),
    data: Base64.optional().openapi({ description: 'the payload bytes, base64' }),
  })
  .openapi('CodecPayload');

const CodecPayloads = z
  .object({ payloads: z.array(CodecPayload) })
  .openapi('CodecPayloads', { description: 'Temporal Payloads as proto3 JSON (temporal.api.common.v1.Payloads)' });

/** The namespace this codec holds the keys of: the one value X-Namespace may have. */
function codecHeaders(namespace: string) {
  return z.object({
    'x-namespace': z
      .enum([namespace], { error: `this codec holds the keys of namespace '${namespace}' only` })
      .optional()
      .openapi({ description: 'the Temporal namespace the payloads belong to (sent by the UI and CLI)' }),
  });
}

function codecRoute(path: '/encode' | '/decode', summary: string, namespace: string) {
  return createRoute({
    method: 'post',
    path,
    tags: ['codec'],
    summary,
    ...secured('ops'),
    request: { headers: codecHeaders(namespace), body: { required: true, content: { 'application/json': { schema: CodecPayloads } } } },
    responses: {
      200: { description: 'the payloads, in the same order', content: { 'application/json': { schema: CodecPayloads } } },
      ...errorResponses(413, 415, 422),
    },
  });
}

function fromJson(payload: z.infer<typeof CodecPayload>): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(payload.data ?? '', 'base64')),
  };
}

function toJson(payload: Payload): z.infer<typeof CodecPayload> {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

/** A bearer token when the request has an Authorization header, else the UI session cookie. */
function authenticateOperator(verifier: TokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    let token: string | undefined;
    if (header) {
      const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
      if (!match) throw errors.unauthorized('The Authorization header must be "Bearer <token>".');
      token = match[1];
    } else {
      token = getCookie(c, CODEC_SESSION_COOKIE) || undefined;
    }
    if (!token) throw errors.unauthorized('A bearer token with scope ops, or the session cookie from GET /codec/session, is required.');
    c.set('principal', await verifier.verify(token));
    await next();
  };
}

/** A payload this codec cannot read is the caller's 422, naming the key; anything else stays a fault. */
function codecFailure(err: unknown, index: number): unknown {
  const pointer = `/payloads/${index}`;
  if (err instanceof UnknownEncryptionKeyError) return new ApiError(422, 'unknown_encryption_key', 'Unprocessable entity', err.message, { pointer });
  if (err instanceof UndecryptablePayloadError) return new ApiError(422, 'undecryptable_payload', 'Unprocessable entity', err.message, { pointer });
  return err;
}

export function codecRoutes(options: { deps: ApiDeps; verifier: TokenVerifier; issuer: TokenIssuer }) {
  const { deps, verifier, issuer } = options;
  const { config } = deps;
  const codec: AesGcmPayloadCodec = createPayloadCodec(config);
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        if (result.target === 'header') {
          return errorResponse(c, new ApiError(400, 'unknown_namespace', 'Bad request', `X-Namespace: ${issue.message}.`, { header: 'X-Namespace' }));
        }
        const pointer = '/' + issue.path.map(String).join('/');
        return errorResponse(c, new ApiError(422, 'invalid_field', 'Invalid request body', `${pointer}: ${issue.message}`, { pointer }));
      }
    },
  });

  // The Temporal UI calls from its own origin with credentials: a credentialed response must name
  // the origin (never '*'), and the preflight is answered before authentication.
  app.use(
    '*',
    cors({
      origin: config.CODEC_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
      credentials: true,
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-Namespace', 'X-Request-Id'],
      maxAge: 600,
    }),
  );
  app.use('/encode', authenticateOperator(verifier));
  app.use('/decode', authenticateOperator(verifier));

  app.openapi(codecRoute('/decode', 'Decrypt payloads for display (Temporal codec server protocol)', config.TEMPORAL_NAMESPACE), async (c) => {
    c.header('Cache-Control', 'no-store');
    const { payloads } = c.req.valid('json');
    const decoded: Payload[] = [];
    for (const [index, payload] of payloads.entries()) {
      try {
        decoded.push(...(await codec.decode([fromJson(payload)])));
      } catch (err) {
        throw codecFailure(err, index);
      }
    }
    return c.json({ payloads: decoded.map(toJson) }, 200);
  });

  app.openapi(codecRoute('/encode', 'Encrypt payloads, e.g. the input of a signal sent from the UI', config.TEMPORAL_NAMESPACE), async (c) => {
    c.header('Cache-Control', 'no-store');
    const { payloads } = c.req.valid('json');
    const encoded = await codec.encode(payloads.map(fromJson));
    return c.json({ payloads: encoded.map(toJson) }, 200);
  });

  // The UI's sign-in: a plain HTML form, not part of the JSON API.
  app.get('/session', (c) => c.html(sessionPage({})));
  app.post('/session', async (c) => {
    const form = await c.req.parseBody();
    const clientId = typeof form.client_id === 'string' ? form.client_id : '';
    const clientSecret = typeof form.client_secret === 'string' ? form.client_secret : '';
    try {
      const grant = await issuer.issue(clientId, clientSecret, 'ops');
      setCookie(c, CODEC_SESSION_COOKIE, grant.accessToken, {
        path: '/codec',
        httpOnly: true,
        // Same-site (the UI on 127.0.0.1:8233, the API on 127.0.0.1:3000): sent with the UI's fetch.
        sameSite: 'Strict',
        secure: new URL(c.req.url).protocol === 'https:',
        maxAge: grant.expiresIn,
      });
      c.header('Cache-Control', 'no-store');
      const until = new Date(Date.now() + grant.expiresIn * 1000).toISOString();
      return c.html(sessionPage({ signedInUntil: until }));
    } catch (err) {
      const known = toApiError(err);
      if (!known) throw err;
      const status = known.status === 400 ? 403 : 401;
      return c.html(sessionPage({ error: known.code === 'invalid_scope' ? 'This client has no ops scope.' : known.detail }), status);
    }
  });

  return app;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function sessionPage(state: { signedInUntil?: string; error?: string }): string {
  const message = state.signedInUntil
    ? `<p role="status">Signed in until ${escapeHtml(state.signedInUntil)}. In the Temporal UI, set the codec endpoint to this server's <code>/codec</code> with "Include cross-origin credentials" on.</p>`
    : state.error
      ? `<p role="alert">${escapeHtml(state.error)}</p>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ordersaga codec sign-in</title></head>
<body>
<h1>Decode payloads in the Temporal UI</h1>
${message}
<form method="post" action="/codec/session">
<label>Client id <input name="client_id" autocomplete="username" required></label>
<label>Client secret <input name="client_secret" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
</body></html>`;
}
