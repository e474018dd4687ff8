// The Stripe payment adapter's contract against stripe-mock (started by `./dev test`): the
// requests it sends (validated by stripe-mock against Stripe's OpenAPI document, which refuses an
// unknown or malformed parameter with a 400), the step's idempotency key on every one of them, and
// the answers it reads back. stripe-mock is stateless: it answers from fixtures (an open
// manual-capture PaymentIntent of 1099 whose card offers incremental authorization, see
// scripts/stripe-mock.sh) and remembers nothing, so what it cannot show is listed in
// docs/decisions.md (replays returning the first object, declines, state refusals, lookups that
// find something); the refusals are mapped by stripe-errors.ts, tested beside it.
import { randomUUID } from 'node:crypto';
import { StripePayments } from '../../activities/adapters/payment-stripe';
import { PaymentDeclinedError, ProviderUnavailableError } from '../../activities/adapters/types';
import { STRIPE_TEST_KEY } from '../../runtime/config';
import { stripeOnMock } from '../support/stripe-mock';

/** stripe-mock's PaymentIntent fixture holds this much (what a retrieve answers). */
const FIXTURE_AMOUNT = 1099;

const { stripe, sent } = stripeOnMock();
beforeEach(() => sent.splice(0));

const orderId = randomUUID();
const key = (step: string) => `order-${orderId}:${step}:${randomUUID()}`;
const authorize = (idempotencyKey = key('authorize'), token = 'pm_card_visa') =>
  stripe.authorize({ idempotencyKey, token, amount: 5000, currency: 'USD', orderId });

describe('the Stripe adapter on stripe-mock', () => {
  it('authorizes with one confirmed manual-capture PaymentIntent carrying the step key', async () => {
    const idempotencyKey = key('authorize');
    const { authorizationId } = await authorize(idempotencyKey);

    expect(authorizationId).toMatch(/^pi_/);
    expect(sent).toEqual([{ method: 'POST', path: '/v1/payment_intents', status: 200, idempotencyKey }]);
  });

  it('sends a replayed step with the same Idempotency-Key, which is what Stripe answers once', async () => {
    const idempotencyKey = key('authorize');
    await authorize(idempotencyKey);
    await authorize(idempotencyKey);

    expect(sent.map((r) => r.idempotencyKey)).toEqual([idempotencyKey, idempotencyKey]);
  });

  it('declines a token that is not a PaymentMethod id without calling Stripe', async () => {
    await expect(authorize(key('authorize'), 'tok_ok')).rejects.toMatchObject({ name: 'PaymentDeclinedError', declineCode: 'invalid_token' });
    await expect(authorize(key('authorize'), 'pm_')).rejects.toBeInstanceOf(PaymentDeclinedError);
    expect(sent).toEqual([]);
  });

  it('raises the hold to the current amount plus the difference, reading the intent first', async () => {
    const idempotencyKey = key('increment');
    const raised = await stripe.incrementAuthorization({ idempotencyKey, authorizationId: 'pi_increment', amount: 700 });

    // stripe-mock echoes the total it was sent: the intent's amount (its fixture's) + 700.
    expect(raised).toEqual({ authorizationId: 'pi_increment', authorizedAmount: FIXTURE_AMOUNT + 700 });
    expect(sent).toEqual([
      { method: 'GET', path: '/v1/payment_intents/pi_increment?expand[0]=latest_charge', status: 200, idempotencyKey: undefined },
      { method: 'POST', path: '/v1/payment_intents/pi_increment/increment_authorization', status: 200, idempotencyKey },
    ]);
  });

  it('captures part of the hold, answering with the charge as the capture id', async () => {
    const idempotencyKey = key('capture');
    await expect(stripe.capture({ idempotencyKey, authorizationId: 'pi_capture', amount: 600 })).resolves.toEqual({ captureId: expect.stringMatching(/^ch_/) });
    expect(sent).toEqual([{ method: 'POST', path: '/v1/payment_intents/pi_capture/capture', status: 200, idempotencyKey }]);
  });

  it('refunds against the PaymentIntent', async () => {
    const idempotencyKey = key('refund');
    await expect(stripe.refund({ idempotencyKey, authorizationId: 'pi_refund', amount: 250 })).resolves.toEqual({ refundId: expect.stringMatching(/^re_/) });
    expect(sent).toEqual([{ method: 'POST', path: '/v1/refunds', status: 200, idempotencyKey }]);
  });

  it('voids by cancelling the PaymentIntent', async () => {
    const idempotencyKey = key('void');
    await expect(stripe.void({ idempotencyKey, authorizationId: 'pi_void' })).resolves.toEqual({ voided: true });
    expect(sent).toEqual([{ method: 'POST', path: '/v1/payment_intents/pi_void/cancel', status: 200, idempotencyKey }]);
  });

  it('looks steps up by listing objects created since the order (never by search), finding none of ours in the fixtures', async () => {
    const notBefore = new Date();
    const lookup = { idempotencyKey: key('authorize'), orderId, notBefore };
    // Five minutes earlier than the order: our clock and Stripe's may disagree.
    const since = `created[gte]=${Math.floor(notBefore.getTime() / 1000) - 300}&limit=100`;

    await expect(stripe.findAuthorization(lookup)).resolves.toBeNull();
    await expect(stripe.findIncrement(lookup)).resolves.toBeNull();
    await expect(stripe.findCapture(lookup)).resolves.toBeNull();
    await expect(stripe.findRefund(lookup)).resolves.toBeNull();
    expect(sent.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /v1/payment_intents?${since} 200`,
      `GET /v1/payment_intents?${since} 200`,
      `GET /v1/payment_intents?${since} 200`,
      `GET /v1/refunds?${since} 200`,
    ]);
  });

  it('reports an unreachable Stripe as unavailable (retried with the same key)', async () => {
    const down = new StripePayments({ apiKey: STRIPE_TEST_KEY, apiBase: 'http://127.0.0.1:1', timeoutMs: 2000 });
    await expect(down.capture({ idempotencyKey: key('capture'), authorizationId: 'pi_down', amount: 100 })).rejects.toBeInstanceOf(ProviderUnavailableError);
  });
});
