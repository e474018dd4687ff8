// The token endpoint's documents (RFC 6749 section 4.4 and 5): not JSON:API, by the RFC.
import { z } from '@hono/zod-openapi';
import { SCOPES } from '../auth';
import { text } from './common';

const SCOPE = `(${SCOPES.join('|')})`;
/** The message of a grant_type that is there but not ours: RFC 6749's unsupported_grant_type. */
export const UNSUPPORTED_GRANT = 'only client_credentials is supported';

// Not strict: RFC 6749 says unknown request parameters are ignored.
export const TokenRequest = z
  .object({
    grant_type: z
      .enum(['client_credentials'], { error: (issue) => (issue.input === undefined ? 'is required' : UNSUPPORTED_GRANT) })
      .openapi({ description: 'the one grant this server supports (others: unsupported_grant_type)' }),
    client_id: text(100).optional().openapi({ description: 'or HTTP Basic authentication', example: 'dev-client' }),
    client_secret: text(200).optional().openapi({ example: 'dev-secret' }),
    scope: z
      .string()
      .regex(new RegExp(`^${SCOPE}( ${SCOPE})*$`), `must be scopes separated by single spaces, each one of ${SCOPES.join(', ')}`)
      .max(200)
      .optional()
      .openapi({ description: "space-separated; all of the client's scopes when absent; one the client lacks is invalid_scope", example: 'orders:read orders:write' }),
  })
  .openapi('TokenRequest');

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    scope: z.string(),
  })
  .openapi('TokenResponse');

export const OAuthError = z
  .object({ error: z.string(), error_description: z.string() })
  .openapi('OAuthError');
