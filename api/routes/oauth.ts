// POST /oauth/token: OAuth2 client credentials (RFC 6749 section 4.4), form-encoded or JSON, with
// the client authenticated in the body or by HTTP Basic. Errors follow section 5.2 of the RFC
// ({error, error_description}), the one exception to the API's JSON:API error documents.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type TokenIssuer, oauthError } from '../auth';
import type { AppEnv } from '../deps';
import { type ApiError, ErrorDocument, toApiError } from '../errors';
import { JSON_API } from '../json-api';
import { OAuthError, TokenRequest, TokenResponse, UNSUPPORTED_GRANT } from '../schemas/oauth';

const oauthErrorContent = { 'application/json': { schema: OAuthError } } as const;

const token = createRoute({
  method: 'post',
  path: '/token',
  tags: ['oauth'],
  summary: 'Get an access token (client credentials)',
  request: {
    // Not `required` here: zod-openapi would then run the form and the JSON validator on every
    // request. Each one runs when its media type is sent; anything else is 415, no body at all is
    // invalid_request. The document says `required` (see oauthRoutes).
    body: {
      content: {
        'application/x-www-form-urlencoded': { schema: TokenRequest },
        'application/json': { schema: TokenRequest },
      },
    },
  },
  responses: {
    200: { description: 'a bearer token', content: { 'application/json': { schema: TokenResponse } } },
    400: { description: 'invalid_request, unsupported_grant_type or invalid_scope', content: oauthErrorContent },
    401: { description: 'invalid_client', content: oauthErrorContent },
    413: { description: 'body too large (answered before the endpoint, as JSON:API)', content: { [JSON_API]: { schema: ErrorDocument } } },
    415: { description: 'neither form-encoded nor JSON', content: oauthErrorContent },
    429: { description: 'rate limited (answered before the endpoint, as JSON:API)', content: { [JSON_API]: { schema: ErrorDocument } } },
  },
});

function basicCredentials(c: Context): { id: string; secret: string } | undefined {
  const header = c.req.header('authorization');
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 section 2.3.1: both parts are form-urlencoded before Basic encoding.
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

export function oauthErrorResponse(c: Context, err: ApiError): Response {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  c.header('Cache-Control', 'no-store');
  return c.json({ error: err.code, error_description: err.detail }, err.status);
}

export function oauthRoutes(issuer: TokenIssuer) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        // RFC 6749 section 5.2 has codes of its own for these two parameters.
        if (issue.path[0] === 'grant_type' && issue.message === UNSUPPORTED_GRANT) {
          return oauthErrorResponse(c, oauthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.'));
        }
        if (issue.path[0] === 'scope') return oauthErrorResponse(c, oauthError(400, 'invalid_scope', `scope: ${issue.message}`));
        return oauthErrorResponse(c, oauthError(400, 'invalid_request', `${issue.path.join('.') || 'body'}: ${issue.message}`));
      }
    },
  });
  // The document shows the body as the endpoint needs it: required, in either media type.
  app.openAPIRegistry.registerPath({ ...token, request: { body: { ...token.request.body, required: true } } });
  app.onError((err, c) => {
    const known = toApiError(err);
    if (!known) throw err;
    // Malformed bodies (bad JSON or form) are the RFC's invalid_request.
    return oauthErrorResponse(c, known.code === 'bad_request' ? oauthError(400, 'invalid_request', known.detail) : known);
  });

  app.openapi({ ...token, hide: true }, async (c) => {
    const body: Partial<{ grant_type: string; client_id: string; client_secret: string; scope: string }> = c.req
      .header('content-type')
      ?.toLowerCase()
      .startsWith('application/json')
      ? c.req.valid('json')
      : c.req.valid('form');
    if (body.grant_type === undefined) throw oauthError(400, 'invalid_request', 'grant_type is required.');
    const basic = basicCredentials(c);
    const clientId = basic?.id ?? body.client_id;
    const clientSecret = basic?.secret ?? body.client_secret;
    if (!clientId || !clientSecret) throw oauthError(401, 'invalid_client', 'Client authentication is required (client_id and client_secret, or HTTP Basic).');
    const grant = await issuer.issue(clientId, clientSecret, body.scope);
    return c.json(
      { access_token: grant.accessToken, token_type: 'Bearer' as const, expires_in: grant.expiresIn, scope: grant.scope },
      200,
      { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    );
  });
  return app;
}
