// The token endpoint's documents (RFC 6749 section 4.4 and 5): not JSON:API, by the RFC.
import { z } from '@hono/zod-openapi';

// Not strict: RFC 6749 says unknown request parameters are ignored.
export const TokenRequest = z
  .object({
    grant_type: z.string().openapi({ example: 'client_credentials' }),
    client_id: z.string().max(100).optional().openapi({ description: 'or HTTP Basic authentication', example: 'dev-client' }),
    client_secret: z.string().max(200).optional().openapi({ example: 'dev-secret' }),
    scope: z.string().max(200).optional().openapi({ description: 'space-separated; all of the client\'s scopes when absent', example: 'orders:read orders:write' }),
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
