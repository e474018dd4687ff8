// A payment provider that behaves like a real one, for development, tests and benchmarks.
// Tokens: tok_ok (authorized), tok_decline (declined), tok_flaky_<n> (the first n attempts of
// each idempotency key fail transiently, then it authorizes), tok_down (always unavailable),
// tok_no_increment (authorizes, refuses incremental authorizations as many card networks do),
// tok_limit_<cents> (declines an authorization, or an increment, that would hold more than
// <cents>); any other token is declined as invalid. Every answer is stored under its idempotency
// key in sim_payment_operations and replayed, so a restarted worker gets the first result again.
// Captures may be partial (the rest is released); refunds never exceed what was captured.
import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Cents } from '../../domain/money';
import { isSimulatorFailing, simulatedLatency } from './sim-switches';
import {
  type FoundAuthorization,
  type FoundCapture,
  type FoundIncrement,
  type FoundRefund,
  type PaymentAdapter,
  PaymentDeclinedError,
  ProviderRefusedError,
  ProviderUnavailableError,
} from './types';

export interface PaymentSimulatorOptions {
  dataSource: DataSource;
  /** Added to every call, as a network round trip would be. */
  latencyMs?: number;
}

type Operation = 'authorize' | 'increment' | 'capture' | 'void' | 'refund';
type AuthorizationState = 'authorized' | 'captured' | 'voided';

interface OperationRow {
  operation: Operation;
  request: Record<string, unknown>;
  outcome: 'pending' | 'succeeded' | 'declined' | 'refused';
  response: Record<string, string> | null;
  transient_failures: number;
}

/** What one attempt decided; a transient failure is counted but never remembered as the answer. */
type Decision =
  | { outcome: 'succeeded'; response: Record<string, string>; authorizationId?: string; state?: AuthorizationState; authorizedAmount?: Cents }
  | { outcome: 'declined' | 'refused'; response: { code: string; message: string } }
  | { outcome: 'transient'; message: string };

const FLAKY_TOKEN = /^tok_flaky_(\d+)$/;
const LIMIT_TOKEN = /^tok_limit_(\d{1,12})$/;
const KNOWN_TOKENS = new Set(['tok_ok', 'tok_no_increment']);

/** The most a token's card may hold, or null for no limit. */
function limitOf(token: string): Cents | null {
  const limit = LIMIT_TOKEN.exec(token);
  return limit ? Number(limit[1]) : null;
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

const isWholeCents = (amount: Cents, min: number) => Number.isSafeInteger(amount) && amount >= min;

export class PaymentSimulator implements PaymentAdapter {
  readonly provider = 'simulator';
  private failing = false;

  constructor(private readonly options: PaymentSimulatorOptions) {}

  /** Makes every call of this instance fail as if the provider were down (see also sim_switches). */
  setFailing(failing: boolean): void {
    this.failing = failing;
  }

  async authorize(request: { idempotencyKey: string; token: string; amount: Cents; currency: string; orderId: string }) {
    await this.reachProvider();
    if (request.token === 'tok_down') throw new ProviderUnavailableError('payment provider unavailable (tok_down)');
    const { idempotencyKey, ...params } = request;
    const response = await this.once(idempotencyKey, 'authorize', params, async (_tx, attempt) => {
      if (!isWholeCents(request.amount, 0)) return refused('invalid_amount', `amount must be whole cents >= 0, got ${request.amount}`);
      const flaky = FLAKY_TOKEN.exec(request.token);
      if (flaky && attempt.transient_failures < Number(flaky[1])) {
        return { outcome: 'transient', message: `payment provider timed out (${request.token})` };
      }
      if (request.token === 'tok_decline') return declined('card_declined', 'the card was declined');
      const limit = limitOf(request.token);
      if (!KNOWN_TOKENS.has(request.token) && !flaky && limit === null) return declined('invalid_token', `unknown payment token ${request.token}`);
      if (limit !== null && request.amount > limit) return declined('insufficient_funds', `the card holds at most ${limit}`);
      const authorizationId = newId('auth');
      return { outcome: 'succeeded', response: { authorizationId }, authorizationId, state: 'authorized', authorizedAmount: request.amount };
    });
    return { authorizationId: response.authorizationId };
  }

  async incrementAuthorization(request: { idempotencyKey: string; authorizationId: string; amount: Cents }) {
    await this.reachProvider();
    const { idempotencyKey, ...params } = request;
    const response = await this.once(idempotencyKey, 'increment', params, async (tx) => {
      if (!isWholeCents(request.amount, 1)) return refused('invalid_amount', `an increment must be whole cents >= 1, got ${request.amount}`);
      const auth = await lockAuthorization(tx, request.authorizationId);
      if (!auth) return refused('no_such_authorization', `no authorization ${request.authorizationId}`);
      if (auth.state !== 'authorized') return refused('authorization_not_open', `the authorization is ${auth.state} and cannot be incremented`);
      if (auth.token === 'tok_no_increment') return refused('increment_not_supported', 'this card does not support incremental authorization');
      const authorizedAmount = auth.authorized + request.amount;
      const limit = limitOf(auth.token);
      if (limit !== null && authorizedAmount > limit) return declined('insufficient_funds', `the card holds at most ${limit}`);
      await tx.query(
        `UPDATE sim_payment_operations SET authorized_amount = $2, updated_at = now() WHERE authorization_id = $1 AND operation = 'authorize'`,
        [request.authorizationId, authorizedAmount],
      );
      return { outcome: 'succeeded', response: { authorizationId: request.authorizationId, authorizedAmount: String(authorizedAmount) } };
    });
    return { authorizationId: response.authorizationId, authorizedAmount: Number(response.authorizedAmount) };
  }

  async capture(request: { idempotencyKey: string; authorizationId: string; amount: Cents }) {
    await this.reachProvider();
    const { idempotencyKey, ...params } = request;
    const response = await this.once(idempotencyKey, 'capture', params, async (tx) => {
      if (!isWholeCents(request.amount, 0)) return refused('invalid_amount', `amount must be whole cents >= 0, got ${request.amount}`);
      const auth = await lockAuthorization(tx, request.authorizationId);
      if (!auth) return refused('no_such_authorization', `no authorization ${request.authorizationId}`);
      if (auth.state === 'voided') return refused('authorization_voided', 'the authorization was voided and cannot be captured');
      if (auth.state === 'captured') return refused('already_captured', 'the authorization was already captured');
      if (request.amount > auth.authorized) return refused('amount_too_large', `cannot capture ${request.amount}, authorized ${auth.authorized}`);
      await tx.query(
        `UPDATE sim_payment_operations SET authorization_state = 'captured', captured_amount = $2, updated_at = now()
          WHERE authorization_id = $1 AND operation = 'authorize'`,
        [request.authorizationId, request.amount],
      );
      return { outcome: 'succeeded', response: { captureId: newId('cap') } };
    });
    return { captureId: response.captureId };
  }

  async void(request: { idempotencyKey: string; authorizationId: string }) {
    await this.reachProvider();
    const { idempotencyKey, ...params } = request;
    await this.once(idempotencyKey, 'void', params, async (tx) => {
      const auth = await lockAuthorization(tx, request.authorizationId);
      if (!auth) return refused('no_such_authorization', `no authorization ${request.authorizationId}`);
      if (auth.state === 'captured') return refused('already_captured', 'a captured authorization cannot be voided');
      if (auth.state === 'voided') return refused('already_voided', 'the authorization was already voided');
      await tx.query(
        `UPDATE sim_payment_operations SET authorization_state = 'voided', updated_at = now() WHERE authorization_id = $1 AND operation = 'authorize'`,
        [request.authorizationId],
      );
      return { outcome: 'succeeded', response: { voidId: newId('void') } };
    });
    return { voided: true as const };
  }

  async refund(request: { idempotencyKey: string; authorizationId: string; amount: Cents }) {
    await this.reachProvider();
    const { idempotencyKey, ...params } = request;
    const response = await this.once(idempotencyKey, 'refund', params, async (tx) => {
      if (!isWholeCents(request.amount, 1)) return refused('invalid_amount', `a refund must be whole cents >= 1, got ${request.amount}`);
      const auth = await lockAuthorization(tx, request.authorizationId);
      if (!auth) return refused('no_such_authorization', `no authorization ${request.authorizationId}`);
      if (auth.state !== 'captured') return refused('not_captured', `the authorization is ${auth.state}: nothing was captured to refund`);
      const refundable = auth.captured - auth.refunded;
      if (request.amount > refundable) return refused('amount_too_large', `cannot refund ${request.amount}, ${refundable} left to refund`);
      await tx.query(
        `UPDATE sim_payment_operations SET refunded_amount = refunded_amount + $2, updated_at = now() WHERE authorization_id = $1 AND operation = 'authorize'`,
        [request.authorizationId, request.amount],
      );
      return { outcome: 'succeeded', response: { refundId: newId('re') } };
    });
    return { refundId: response.refundId };
  }

  async findAuthorization(request: { idempotencyKey: string }): Promise<FoundAuthorization | null> {
    const row = await this.succeeded(request.idempotencyKey, 'authorize');
    if (!row) return null;
    return { authorizationId: row.authorization_id!, amount: Number(row.authorized_amount ?? row.request.amount), state: row.authorization_state! };
  }

  async findIncrement(request: { idempotencyKey: string }): Promise<FoundIncrement | null> {
    const row = await this.succeeded(request.idempotencyKey, 'increment');
    return row ? { authorizationId: String(row.request.authorizationId), amount: Number(row.request.amount) } : null;
  }

  async findCapture(request: { idempotencyKey: string }): Promise<FoundCapture | null> {
    const row = await this.succeeded(request.idempotencyKey, 'capture');
    return row ? { authorizationId: String(row.request.authorizationId), captureId: row.response!.captureId, amount: Number(row.request.amount) } : null;
  }

  async findRefund(request: { idempotencyKey: string }): Promise<FoundRefund | null> {
    const row = await this.succeeded(request.idempotencyKey, 'refund');
    return row ? { authorizationId: String(row.request.authorizationId), refundId: row.response!.refundId, amount: Number(row.request.amount) } : null;
  }

  /** The succeeded operation of this key and kind, as the provider remembers it. */
  private async succeeded(idempotencyKey: string, operation: Operation) {
    await this.reachProvider();
    const rows: (OperationRow & { authorization_id: string | null; authorization_state: AuthorizationState | null; authorized_amount: string | null })[] =
      await this.options.dataSource.query(
        `SELECT operation, request, outcome, response, transient_failures, authorization_id, authorization_state, authorized_amount
           FROM sim_payment_operations WHERE idempotency_key = $1 AND operation = $2 AND outcome = 'succeeded'`,
        [idempotencyKey, operation],
      );
    return rows[0] ?? null;
  }

  private async reachProvider(): Promise<void> {
    await simulatedLatency(this.options.latencyMs ?? 0);
    if (this.failing || (await isSimulatorFailing(this.options.dataSource, 'payment'))) {
      throw new ProviderUnavailableError('payment provider unavailable (simulator switched to failing)');
    }
  }

  /**
   * Runs `decide` at most once per idempotency key (under a row lock) and replays its stored
   * answer afterwards, as real providers do; a key reused with other parameters is refused.
   */
  private async once(
    idempotencyKey: string,
    operation: Operation,
    params: Record<string, unknown>,
    decide: (tx: EntityManager, attempt: OperationRow) => Promise<Decision>,
  ): Promise<Record<string, string>> {
    const answer = await this.options.dataSource.transaction(async (tx): Promise<Decision> => {
      // The key's row, new or remembered, locked until commit (DO UPDATE locks the row it finds).
      const [attempt]: OperationRow[] = await tx.query(
        `INSERT INTO sim_payment_operations (idempotency_key, operation, request) VALUES ($1, $2, $3)
         ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
         RETURNING operation, request, outcome, response, transient_failures`,
        [idempotencyKey, operation, params],
      );
      if (attempt.operation !== operation || Object.entries(params).some(([k, v]) => attempt.request[k] !== v)) {
        return refused('idempotency_key_reused', `idempotency key ${idempotencyKey} was used for another request`);
      }
      if (attempt.outcome === 'succeeded') return { outcome: 'succeeded', response: attempt.response ?? {} };
      if (attempt.outcome !== 'pending') {
        return { outcome: attempt.outcome, response: attempt.response as { code: string; message: string } };
      }
      const decision = await decide(tx, attempt);
      if (decision.outcome === 'transient') {
        await tx.query(
          'UPDATE sim_payment_operations SET transient_failures = transient_failures + 1, updated_at = now() WHERE idempotency_key = $1',
          [idempotencyKey],
        );
      } else {
        const auth = decision.outcome === 'succeeded' ? decision : undefined;
        await tx.query(
          `UPDATE sim_payment_operations
              SET outcome = $2, response = $3, authorization_id = $4, authorization_state = $5, authorized_amount = $6, updated_at = now()
            WHERE idempotency_key = $1`,
          [idempotencyKey, decision.outcome, decision.response, auth?.authorizationId ?? null, auth?.state ?? null, auth?.authorizedAmount ?? null],
        );
      }
      return decision;
    });
    switch (answer.outcome) {
      case 'succeeded':
        return answer.response;
      case 'declined':
        throw new PaymentDeclinedError(answer.response.code, answer.response.message);
      case 'refused':
        throw new ProviderRefusedError(answer.response.code, answer.response.message);
      case 'transient':
        throw new ProviderUnavailableError(answer.message);
    }
  }
}

function declined(code: string, message: string): Decision {
  return { outcome: 'declined', response: { code, message } };
}

function refused(code: string, message: string): Decision {
  return { outcome: 'refused', response: { code, message } };
}

/** The authorization, locked until commit, with what it holds, took and gave back. */
async function lockAuthorization(tx: EntityManager, authorizationId: string) {
  const rows: { state: AuthorizationState; token: string; authorized: string; captured: string | null; refunded: string }[] = await tx.query(
    `SELECT authorization_state AS state, request->>'token' AS token, COALESCE(authorized_amount, (request->>'amount')::bigint) AS authorized,
            captured_amount AS captured, refunded_amount AS refunded
       FROM sim_payment_operations WHERE authorization_id = $1 AND operation = 'authorize' FOR UPDATE`,
    [authorizationId],
  );
  const [row] = rows;
  return row ? { state: row.state, token: row.token, authorized: Number(row.authorized), captured: Number(row.captured ?? 0), refunded: Number(row.refunded) } : null;
}
