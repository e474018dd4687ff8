// The Stripe adapter on the stripe-mock that `./dev test` starts (STRIPE_API_BASE), and a record
// of the requests it sent as seen in stripe-mock's answers (it echoes the Idempotency-Key header).
import type Stripe from 'stripe';
import { StripePayments } from '../../activities/adapters/payment-stripe';
import { STRIPE_TEST_KEY } from '../../runtime/config';

export interface SentRequest {
  method: string;
  path: string;
  status: number;
  /** The Idempotency-Key stripe-mock echoed back: what went over the wire. */
  idempotencyKey: string | undefined;
}

export function stripeOnMock(): { stripe: StripePayments; sent: SentRequest[] } {
  const apiBase = process.env.STRIPE_API_BASE;
  if (!apiBase) throw new Error('STRIPE_API_BASE is not set: run the Stripe tests through ./dev test, which starts stripe-mock');
  const stripe = new StripePayments({ apiKey: STRIPE_TEST_KEY, apiBase });
  const sent: SentRequest[] = [];
  stripe.stripe.on('response', (event: Stripe.ResponseEvent) => {
    sent.push({ method: event.method, path: event.path, status: event.status, idempotencyKey: event.idempotency_key });
  });
  return { stripe, sent };
}
