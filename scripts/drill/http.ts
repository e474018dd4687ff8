// The drill's HTTP client: the OAuth dev client, and every answer recorded (status, route, when,
// which API) for the invariant on 5xx answers. With several APIs (the cluster) it spreads the
// requests over them and, like a load balancer, leaves out for a while one that did not answer.
import { rand, sleep } from './tools';

export interface Answer {
  method: string;
  route: string;
  /** The API process's address */
  api: string;
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

/** How long an API that gave no answer is left out of the rotation. */
const LEFT_OUT_MS = 3000;

export class DrillClient {
  readonly answers: Answer[] = [];
  private token = '';
  private turn = 0;
  private readonly leftOutUntil = new Map<string, number>();

  constructor(private readonly apiUrls: string[]) {}

  /** The next API in turn that has not just failed to answer (all have: the next in turn). */
  private pickApi(): string {
    const now = Date.now();
    for (let i = 0; i < this.apiUrls.length; i++) {
      const url = this.apiUrls[this.turn++ % this.apiUrls.length];
      if ((this.leftOutUntil.get(url) ?? 0) <= now) return url;
    }
    return this.apiUrls[this.turn++ % this.apiUrls.length];
  }

  async fetchToken(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`${this.pickApi()}/oauth/token`, {
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
    const api = this.pickApi();
    try {
      const res = await fetch(`${api}${url}`, {
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
      const answer: Answer = { method, route, api, status: res.status, startedAt, endedAt: Date.now() };
      if (res.status >= 500) answer.detail = `request ${res.headers.get('x-request-id') ?? '?'}: ${text.slice(0, 300)}`;
      this.answers.push(answer);
      const retryAfter = res.headers.get('retry-after');
      return { status: res.status, body: parsed, retryAfter: retryAfter === null ? null : Number(retryAfter) };
    } catch (err) {
      this.answers.push({ method, route, api, status: 0, startedAt, endedAt: Date.now(), detail: String(err) });
      this.leftOutUntil.set(api, Date.now() + LEFT_OUT_MS);
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
