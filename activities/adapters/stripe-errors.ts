// What a Stripe error means for a payment step, in the adapter's three kinds: a decline (the
// customer's business), a refusal (Stripe will never accept this request) and anything worth
// retrying. Pure, so every branch is tested without a Stripe that can be made to fail.
import Stripe from 'stripe';
import { PaymentDeclinedError, ProviderRefusedError, ProviderUnavailableError } from './types';

export type StripeOperation = 'authorize' | 'increment' | 'capture' | 'void' | 'refund';

/**
 * The refusal code for a PaymentIntent that is in the wrong state for `operation`
 * (`payment_intent_unexpected_state`), named like the simulator's so callers match one vocabulary.
 */
export function unexpectedStateCode(operation: StripeOperation, status: string | undefined): string {
  if (operation === 'refund') return 'not_captured'; // only a succeeded (captured) PaymentIntent refunds
  if (status === 'canceled') return { void: 'already_voided', capture: 'authorization_voided' }[operation as string] ?? 'authorization_not_open';
  if (status === 'succeeded' && (operation === 'capture' || operation === 'void')) return 'already_captured';
  return 'authorization_not_open';
}

/** The adapter error for `err` thrown by the SDK during `operation`; other errors pass unchanged. */
export function fromStripeError(operation: StripeOperation, err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err;
  if (err instanceof Stripe.errors.StripeCardError) {
    return new PaymentDeclinedError(err.decline_code || err.code || 'card_declined', err.message);
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    return new ProviderRefusedError('idempotency_key_reused', err.message);
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode !== 409) {
    if (err.code === 'payment_intent_unexpected_state') {
      return new ProviderRefusedError(unexpectedStateCode(operation, err.payment_intent?.status), err.message);
    }
    return new ProviderRefusedError(err.code ?? 'invalid_request', err.message);
  }
  // Connection failures, 5xx, rate limits, 409 (a concurrent request holds the key) and a key
  // Stripe refuses (401/403: an operator fixes the setting, the step waits): all retried.
  return new ProviderUnavailableError(`stripe ${operation}: ${err.type} ${err.statusCode ?? ''} ${err.message}`.replace(/\s+/g, ' '), { cause: err });
}
