// The drill's HTTP client: the OAuth dev client, and every answer recorded (status, route, when)
// for the invariant on 5xx answers.
import { rand, sleep } from './tools';

export interface Answer {
  method: string;
  route: string;
  status: number; // 0: no HTTP answer (network error)
  startedAt: number;
  endedAt: number;
  detail?: string;
}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  retryAfter: number | null;
}

export class DrillClient {
  readonly answers: Answer[] = [];
  private token = '';

  constructor(private readonly apiUrl: string) {}

  async fetchToken(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`${this.apiUrl}/oauth/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'dev-client', client_secret: 'dev-secret' }),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) {
          this.token = ((await res.json()) as { access_token: string }).access_token;
          return;
        }
      } catch {
        // retried below
      }
      if (attempt >= 30) throw new Error('no access token from the API');
      await sleep(1000);
    }
  }

  /** One request, its answer recorded. */
  async once(method: string, route: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const startedAt = Date.now();
    try {
      const res = await fetch(`${this.apiUrl}${url}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: 'application/vnd.api+json',
          ...(body !== undefined ? { 'Content-Type': 'application/vnd.api+json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      const answer: Answer = { method, route, status: res.status, startedAt, endedAt: Date.now() };
      if (res.status >= 500) answer.detail = `request ${res.headers.get('x-request-id') ?? '?'}: ${text.slice(0, 300)}`;
      this.answers.push(answer);
      const retryAfter = res.headers.get('retry-after');
      return { status: res.status, body: parsed, retryAfter: retryAfter === null ? null : Number(retryAfter) };
    } catch (err) {
      this.answers.push({ method, route, status: 0, startedAt, endedAt: Date.now(), detail: String(err) });
      return { status: 0, body: null, retryAfter: null };
    }
  }

  /** A careful client: retries what may succeed later (5xx, 429, in flight, no answer) until `deadlineMs`. */
  async call(method: string, route: string, url: string, body?: unknown, headers: Record<string, string> = {}, deadlineMs = 300_000): Promise<Reply> {
    const giveUpAt = Date.now() + deadlineMs;
    let faults = 0;
    for (;;) {
      const reply = await this.once(method, route, url, body, headers);
      // A 503 says "later"; another 5xx is a fault, worth a few tries but not minutes of them.
      if (reply.status >= 500 && reply.status !== 503 && ++faults > 5) return reply;
      if (reply.status === 401) {
        await this.fetchToken();
        continue;
      }
      const inFlight = reply.status === 409 && reply.body?.errors?.[0]?.code === 'request_in_flight';
      const retryable = reply.status === 0 || reply.status >= 500 || reply.status === 429 || inFlight;
      if (!retryable || Date.now() > giveUpAt) return reply;
      await sleep(Math.min(3000, Math.max(250, (reply.retryAfter ?? 1) * 1000 * rand(0.5, 1))));
    }
  }
}
