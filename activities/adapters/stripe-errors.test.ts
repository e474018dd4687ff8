import Stripe from 'stripe';
import { fromStripeError, unexpectedStateCode } from './stripe-errors';
import { PaymentDeclinedError, ProviderRefusedError, ProviderUnavailableError } from './types';

/** An error as the SDK builds it from Stripe's answer (stripe-mock never declines or refuses). */
const stripeError = (statusCode: number, raw: Record<string, unknown>) =>
  Stripe.errors.StripeError.generate({ statusCode, message: 'from Stripe', ...raw } as Parameters<typeof Stripe.errors.StripeError.generate>[0]);

describe('Stripe errors as payment adapter errors', () => {
  it('makes a card error a decline with the issuer decline code', () => {
    const declined = fromStripeError('authorize', stripeError(402, { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds' }));
    expect(declined).toBeInstanceOf(PaymentDeclinedError);
    expect(declined).toMatchObject({ declineCode: 'insufficient_funds' });
    expect(fromStripeError('increment', stripeError(402, { type: 'card_error', code: 'expired_card' }))).toMatchObject({ declineCode: 'expired_card' });
  });

  it('names a PaymentIntent in the wrong state the way the simulator does', () => {
    const unexpected = (operation: Parameters<typeof fromStripeError>[0], status: string) =>
      fromStripeError(operation, stripeError(400, { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', payment_intent: { status } }));
    expect(unexpected('capture', 'canceled')).toMatchObject({ name: 'ProviderRefusedError', code: 'authorization_voided' });
    expect(unexpected('capture', 'succeeded')).toMatchObject({ code: 'already_captured' });
    expect(unexpected('void', 'succeeded')).toMatchObject({ code: 'already_captured' });
    expect(unexpected('void', 'canceled')).toMatchObject({ code: 'already_voided' });
    expect(unexpected('increment', 'succeeded')).toMatchObject({ code: 'authorization_not_open' });
    expect(unexpected('refund', 'requires_capture')).toMatchObject({ code: 'not_captured' });
    expect(unexpectedStateCode('increment', undefined)).toBe('authorization_not_open');
  });

  it('refuses a key reused with other parameters, and passes other invalid requests on by code', () => {
    expect(fromStripeError('capture', stripeError(400, { type: 'idempotency_error' }))).toMatchObject({ name: 'ProviderRefusedError', code: 'idempotency_key_reused' });
    const missing = fromStripeError('capture', stripeError(404, { type: 'invalid_request_error', code: 'resource_missing' }));
    expect(missing).toBeInstanceOf(ProviderRefusedError);
    expect(missing).toMatchObject({ code: 'resource_missing' });
  });

  it('retries what may pass later: outages, rate limits, a key in use, a key Stripe refuses', () => {
    for (const [status, raw] of [
      [500, { type: 'api_error' }],
      [429, { type: 'invalid_request_error', code: 'rate_limit' }],
      [409, { type: 'invalid_request_error', code: 'idempotency_key_in_use' }],
      [401, { type: 'invalid_request_error' }],
    ] as const) {
      expect(fromStripeError('authorize', stripeError(status, raw))).toBeInstanceOf(ProviderUnavailableError);
    }
    expect(fromStripeError('authorize', new Stripe.errors.StripeConnectionError({ message: 'ECONNREFUSED' }))).toBeInstanceOf(ProviderUnavailableError);
  });

  it('leaves errors that are not Stripe errors alone', () => {
    const bug = new TypeError('not Stripe');
    expect(fromStripeError('refund', bug)).toBe(bug);
  });
});
