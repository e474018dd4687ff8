// Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
// `<webhook-id>.<webhook-timestamp>.<body>`, signed with HMAC-SHA256 under the secret's bytes
// (`whsec_` + base64); `webhook-signature` is a space-separated list of `v1,<base64>`, one per
// secret in use (two while a rotated secret's old one still signs). Deliveries sign with it and
// POST /v1/carrier-events verifies with it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** The `v1,<base64>` signature of one message under one secret. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  return 'v1,' + createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}

/** The three headers of a delivery signed by every secret in `secrets`. */
export function webhookHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signWebhook(s, id, timestampSeconds, body)).join(' '),
  };
}

export type WebhookVerdict = { ok: true } | { ok: false; header: 'webhook-id' | 'webhook-timestamp' | 'webhook-signature'; reason: string };

/** How far a timestamp may be from now (the specification's replay protection). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** Checks a signed request as a receiver does: the headers there, the timestamp recent, one signature matching. */
export function verifyWebhook(
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): WebhookVerdict {
  if (!headers.id) return { ok: false, header: 'webhook-id', reason: 'is missing' };
  if (!headers.timestamp || !/^[0-9]{1,12}$/.test(headers.timestamp)) return { ok: false, header: 'webhook-timestamp', reason: 'is missing or not seconds since 1970' };
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > WEBHOOK_TOLERANCE_SECONDS) return { ok: false, header: 'webhook-timestamp', reason: `is more than ${WEBHOOK_TOLERANCE_SECONDS} s from now` };
  if (!headers.signature) return { ok: false, header: 'webhook-signature', reason: 'is missing' };
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body));
  for (const candidate of headers.signature.split(' ')) {
    const given = Buffer.from(candidate);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, header: 'webhook-signature', reason: 'matches no v1 signature of this message' };
}
