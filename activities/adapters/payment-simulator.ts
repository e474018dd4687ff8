// A payment provider that behaves like a real one, for development, tests and benchmarks.
// Tokens: tok_ok (authorized), tok_decline (declined), tok_flaky_<n> (the first n attempts of
// each idempotency key fail transiently, then it authorizes), tok_down (always unavailable);
// any other token is declined as invalid. Every answer is stored under its idempotency key in
// sim_payment_operations and replayed, so a restarted worker gets the first result again.
import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Cents } from '../../domain/money';
import { isSimulatorFailing, simulatedLatency } from './sim-switches';
import { type FoundAuthorization, type PaymentAdapter, PaymentDeclinedError, ProviderRefusedError, ProviderUnavailableError } from './types';

export interface PaymentSimulatorOptions {
  dataSource: DataSource;
  /** Added to every call, as a network round trip would be. */
  latencyMs?: number;
}

type Operation = 'authorize' | 'capture' | 'void';
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
  | { outcome: 'succeeded'; response: Record<string, string>; authorizationId?: string; state?: AuthorizationState }
  | { outcome: 'declined' | 'refused'; response: { code: string; message: string } }
  | { outcome: 'transient'; message: string };

const FLAKY_TOKEN = /^tok_flaky_(\d+)$/;

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

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
      if (!Number.isSafeInteger(request.amount) || request.amount < 0) {
        return refused('invalid_amount', `amount must be whole cents >= 0, got ${request.amount}`);
      }
      const flaky = FLAKY_TOKEN.exec(request.token);
      if (flaky && attempt.transient_failures < Number(flaky[1])) {
        return { outcome: 'transient', message: `payment provider timed out (${request.token})` };
      }
      if (request.token === 'tok_decline') return declined('card_declined', 'the card was declined');
      if (request.token !== 'tok_ok' && !flaky) return declined('invalid_token', `unknown payment token ${request.token}`);
      const authorizationId = newId('auth');
      return { outcome: 'succeeded', response: { authorizationId }, authorizationId, state: 'authorized' };
    });
    return { authorizationId: response.authorizationId };
  }

  async capture(request: { idempotencyKey: string; authorizationId: string; amount: Cents }) {
    await this.reachProvider();
    const { idempotencyKey, ...params } = request;
    const response = await this.once(idempotencyKey, 'capture', params, async (tx) => {
      const auth = await lockAuthorization(tx, request.authorizationId);
      if (!auth) return refused('no_such_authorization', `no authorization ${request.authorizationId}`);
      if (auth.state === 'voided') return refused('authorization_voided', 'the authorization was voided and cannot be captured');
      if (auth.state === 'captured') return refused('already_captured', 'the authorization was already captured');
      if (request.amount > auth.amount) return refused('amount_too_large', `cannot capture ${request.amount}, authorized ${auth.amount}`);
      await setAuthorizationState(tx, request.authorizationId, 'captured');
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
      await setAuthorizationState(tx, request.authorizationId, 'voided');
      return { outcome: 'succeeded', response: { voidId: newId('void') } };
    });
    return { voided: true as const };
  }

  async findAuthorization(request: { idempotencyKey: string }): Promise<FoundAuthorization | null> {
    await this.reachProvider();
    const rows: { authorization_id: string; state: AuthorizationState; amount: string }[] = await this.options.dataSource.query(
      `SELECT authorization_id, authorization_state AS state, request->>'amount' AS amount
         FROM sim_payment_operations WHERE idempotency_key = $1 AND operation = 'authorize' AND outcome = 'succeeded'`,
      [request.idempotencyKey],
    );
    const [row] = rows;
    return row ? { authorizationId: row.authorization_id, amount: Number(row.amount), state: row.state } : null;
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
              SET outcome = $2, response = $3, authorization_id = $4, authorization_state = $5, updated_at = now()
            WHERE idempotency_key = $1`,
          [idempotencyKey, decision.outcome, decision.response, auth?.authorizationId ?? null, auth?.state ?? null],
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

async function lockAuthorization(tx: EntityManager, authorizationId: string) {
  const rows: { state: AuthorizationState; amount: number }[] = await tx.query(
    `SELECT authorization_state AS state, (request->>'amount')::bigint AS amount
       FROM sim_payment_operations WHERE authorization_id = $1 AND operation = 'authorize' FOR UPDATE`,
    [authorizationId],
  );
  return rows[0] ? { state: rows[0].state, amount: Number(rows[0].amount) } : null;
}

async function setAuthorizationState(tx: EntityManager, authorizationId: string, state: AuthorizationState): Promise<void> {
  await tx.query(
    `UPDATE sim_payment_operations SET authorization_state = $2, updated_at = now()
      WHERE authorization_id = $1 AND operation = 'authorize'`,
    [authorizationId, state],
  );
}
