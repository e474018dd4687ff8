// One HTTP POST of a signed delivery: the address connected to is checked (runtime/webhook-address),
// a redirect is an answer like any other (never followed), and the whole exchange has 15 s.
import http from 'node:http';
import https from 'node:https';
import { WEBHOOK_TIMEOUT_MS } from '../../domain/webhook-retries';
import { guardedLookup, literalHostForbidden } from '../../runtime/webhook-address';

export interface PostOutcome {
  /** The receiver's status; undefined when no answer came. */
  status?: number;
  retryAfter?: string;
  error?: string;
  latencyMs: number;
}

// Connections are kept for the next delivery to the same receiver; the address was checked when
// the connection was made.
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) };

export function postWebhook(rawUrl: string, headers: Record<string, string>, body: string, opts: { allowPrivate: boolean; timeoutMs?: number }): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.resolve({ error: 'the endpoint URL is not a URL', latencyMs: 0 });
  }
  if (url.protocol !== 'https:' && !(opts.allowPrivate && url.protocol === 'http:')) return Promise.resolve({ error: 'the endpoint URL is not https', latencyMs: 0 });
  if (literalHostForbidden(url, opts.allowPrivate)) return Promise.resolve({ error: `refused: ${url.hostname} is a forbidden address`, latencyMs: 0 });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<PostOutcome, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, latencyMs: elapsed() });
    };
    const req = client.request(url, {
      method: 'POST',
      agent: agents[url.protocol as 'http:' | 'https:'],
      lookup: guardedLookup(opts.allowPrivate) as unknown as typeof import('node:dns').lookup,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'ordersaga-webhooks/1', ...headers },
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ error: `no complete answer within ${(opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS) / 1000} s` });
    }, opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS);
    req.on('response', (res) => {
      // The body is read to the end (so the connection can be reused) but not kept.
      res.on('data', () => undefined);
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        finish({ status: res.statusCode, ...(retryAfter ? { retryAfter } : {}) });
      });
      res.on('error', (err) => finish({ status: res.statusCode, error: err.message }));
    });
    req.on('error', (err) => finish({ error: err.message.slice(0, 400) }));
    req.end(body);
  });
}
