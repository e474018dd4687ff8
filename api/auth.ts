// OAuth2 client credentials (RFC 6749 section 4.4): clients come from configuration with
// scrypt-hashed secrets; access tokens are short-lived HS256 JWTs carrying the granted scopes.
import { randomBytes, scrypt as scryptCallback, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Context, MiddlewareHandler } from 'hono';
import { sign, verify } from 'hono/jwt';
import { z } from 'zod';
import { DEV_STOREFRONT, STOREFRONT_PATTERN } from '../domain/storefronts';
import { type ApiConfig, DEV_CLIENT_ID } from '../runtime/config';
import { withRequestContext } from '../runtime/logger';
import { CARRIER_PRINCIPAL } from './carrier-signature';
import type { AppEnv, Principal } from './deps';
import { ApiError, errors } from './errors';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const SCOPES = ['orders:read', 'orders:write', 'catalog:write', 'ops', 'webhooks:write'] as const;
export type Scope = (typeof SCOPES)[number];

export const DEV_CLIENT_SECRET = 'dev-secret';

const TOKEN_ISSUER = 'ordersaga';
const KEY_LENGTH = 32;

export interface OAuthClient {
  id: string;
  secretHash: string;
  scopes: Scope[];
  /** The storefront whose customers and orders the client creates and sees (api/storefronts.ts). */
  storefront: string;
}

/** "scrypt$<salt>$<hash>", both base64url; what API_CLIENTS stores instead of a secret. */
export async function hashSecret(secret: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const hash = await scrypt(secret, salt, KEY_LENGTH);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length || KEY_LENGTH);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const clientsSchema = z.array(
  z
    .object({
      id: z
        .string()
        .min(1)
        .max(100)
        .refine((id) => id !== CARRIER_PRINCIPAL.clientId, 'is reserved: it names the carrier\'s signed requests in the event trail'),
      secretHash: z.string().regex(/^scrypt\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/, 'must be scrypt$<salt>$<hash>'),
      scopes: z.array(z.enum(SCOPES)).min(1),
      storefront: z.string().regex(STOREFRONT_PATTERN, 'must be a storefront name: lower-case letters, digits, "_" or "-", at most 64'),
    })
    .strict(),
);

/**
 * The configured clients. An empty API_CLIENTS means the development client with every scope,
 * which production refuses: a well-known secret must never guard real orders.
 */
export function loadClients(config: Pick<ApiConfig, 'API_CLIENTS' | 'NODE_ENV'>): Map<string, OAuthClient> {
  if (config.API_CLIENTS.trim() === '') {
    if (config.NODE_ENV === 'production') {
      throw new Error('API_CLIENTS is empty: the development client (dev-client/dev-secret) is refused when NODE_ENV=production');
    }
    // A fixed salt keeps start-up deterministic; the secret is public anyway.
    const salt = Buffer.from('ordersaga-dev-client');
    const secretHash = `scrypt$${salt.toString('base64url')}$${scryptSync(DEV_CLIENT_SECRET, salt, KEY_LENGTH).toString('base64url')}`;
    return new Map([[DEV_CLIENT_ID, { id: DEV_CLIENT_ID, secretHash, scopes: [...SCOPES], storefront: DEV_STOREFRONT }]]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.API_CLIENTS);
  } catch {
    throw new Error('API_CLIENTS is not valid JSON');
  }
  const result = clientsSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`API_CLIENTS[${issue.path.join('.')}]: ${issue.message}`);
  }
  if (config.NODE_ENV === 'production' && result.data.some((c) => c.id === DEV_CLIENT_ID)) {
    throw new Error('API_CLIENTS contains the development client, which is refused when NODE_ENV=production');
  }
  return new Map(result.data.map((c) => [c.id, c]));
}

export interface TokenGrant {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

/** The OAuth2 error of RFC 6749 section 5.2, carried as an ApiError for the one mapper. */
export function oauthError(status: 400 | 401, error: string, description: string): ApiError {
  return new ApiError(status, error, status === 401 ? 'Unauthorized' : 'Bad request', description, undefined,
    status === 401 ? { 'WWW-Authenticate': 'Basic realm="ordersaga"' } : {});
}

export class TokenIssuer {
  constructor(
    private readonly clients: Map<string, OAuthClient>,
    private readonly config: Pick<ApiConfig, 'JWT_SECRET' | 'JWT_TTL_SECONDS'>,
  ) {}

  /** Checks the client's credentials and grants the requested scopes (all of its own when none). */
  async issue(clientId: string, clientSecret: string, requestedScope?: string): Promise<TokenGrant> {
    const client = this.clients.get(clientId);
    // Hash even for an unknown client, so timing does not tell which client ids exist.
    const ok = await verifySecret(clientSecret, client?.secretHash ?? 'scrypt$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    if (!client || !ok) throw oauthError(401, 'invalid_client', 'Unknown client or wrong secret.');
    const requested = requestedScope?.trim() ? requestedScope.trim().split(/\s+/) : client.scopes;
    const refused = requested.filter((s) => !(client.scopes as string[]).includes(s));
    if (refused.length > 0) throw oauthError(400, 'invalid_scope', `This client may not ask for: ${refused.join(' ')}.`);
    const scope = [...new Set(requested)].join(' ');
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await sign(
      { iss: TOKEN_ISSUER, sub: client.id, scope, storefront: client.storefront, iat: now, nbf: now, exp: now + this.config.JWT_TTL_SECONDS },
      this.config.JWT_SECRET,
      'HS256',
    );
    return { accessToken, expiresIn: this.config.JWT_TTL_SECONDS, scope };
  }
}

// Verified tokens are remembered (raw bearer string -> principal) until their own `exp`, never
// past it: an HMAC per request is cheap but not free, and hot read paths are dominated by it.
// Only tokens that passed the signature check are stored, so a forged token is never a hit; the
// map is bounded, dropping the least recently verified entry (insertion order) when full.
const VERIFIED_CACHE_MAX = 10_000;

export class TokenVerifier {
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();

  constructor(private readonly secret: string) {}

  /** The principal of a token verified before and not yet expired, without a promise; else undefined. */
  known(token: string): Principal | undefined {
    const cached = this.verified.get(token);
    if (!cached) return undefined;
    // `exp` is in seconds; the token is expired from that second on (as `verify` below sees it).
    if (cached.exp > Date.now() / 1000) return cached.principal;
    this.verified.delete(token);
    return undefined;
  }

  async verify(token: string): Promise<Principal> {
    const known = this.known(token);
    if (known) return known;
    let payload: Record<string, unknown>;
    try {
      payload = await verify(token, this.secret, { alg: 'HS256', iss: TOKEN_ISSUER });
    } catch {
      throw errors.unauthorized('The bearer token is invalid or expired.');
    }
    // A token without a storefront (issued before storefronts) is refused: it would see nothing or too much.
    if (typeof payload.sub !== 'string' || typeof payload.scope !== 'string' || typeof payload.exp !== 'number' || typeof payload.storefront !== 'string') {
      throw errors.unauthorized('The bearer token is invalid or expired.');
    }
    const principal: Principal = { clientId: payload.sub, scopes: new Set(payload.scope.split(' ').filter(Boolean)), storefront: payload.storefront };
    if (this.verified.size >= VERIFIED_CACHE_MAX) this.evict();
    this.verified.set(token, { principal, exp: payload.exp });
    return principal;
  }

  /** The oldest entry (Map keeps insertion order; with one TTL for all tokens, the next to expire). */
  private evict(): void {
    const oldest = this.verified.keys().next().value;
    if (oldest !== undefined) this.verified.delete(oldest);
  }
}

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined when the header is not one. */
export function bearerOf(header: string): string | undefined {
  return BEARER.exec(header)?.[1];
}

function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (header) {
    const token = bearerOf(header);
    if (!token) throw errors.unauthorized('The Authorization header must be "Bearer <token>".');
    return token;
  }
  // Browsers' EventSource cannot send headers, so the stream also takes the token in the query.
  if (c.req.path.endsWith('/stream')) return c.req.query('access_token') || undefined;
  return undefined;
}

/**
 * Every /v1 request: a valid bearer token or 401 (the scope is checked by each route). The rest of
 * the request runs with the client in its request context, so what it asks of Temporal carries
 * the cause (api/request-cause-header.ts).
 */
export function authenticate(verifier: TokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c);
    if (!token) throw errors.unauthorized();
    const principal = verifier.known(token) ?? (await verifier.verify(token));
    c.set('principal', principal);
    await withRequestContext({ requestId: c.get('requestId'), clientId: principal.clientId }, next);
  };
}

export function hasScope(c: Context<AppEnv>, scope: Scope): boolean {
  return c.get('principal')?.scopes.has(scope) ?? false;
}

/** 403 unless the token carries one of `scopes`. */
export function requireScope(...scopes: Scope[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) throw errors.unauthorized();
    if (!scopes.some((s) => principal.scopes.has(s))) throw errors.forbidden(scopes.join("' or '"));
    await next();
  };
}

/**
 * What a route declares: the scope(s) in the OpenAPI document and the check that enforces them
 * (any one of several is enough), then the route's own middleware.
 */
export function secured(scopes: Scope | Scope[], ...more: MiddlewareHandler<AppEnv>[]) {
  const anyOf = Array.isArray(scopes) ? scopes : [scopes];
  return {
    security: anyOf.map((s) => ({ bearerAuth: [s] })),
    middleware: [requireScope(...anyOf), ...more],
  };
}
