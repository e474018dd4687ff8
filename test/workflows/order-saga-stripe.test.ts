// The order saga end to end with PAYMENT_PROVIDER=stripe: the real activities on the Temporal dev
// server, PostgreSQL and Redis, paying through the Stripe adapter on stripe-mock (started by
// `./dev test`). stripe-mock answers every PaymentIntent as an open manual-capture authorization
// and remembers nothing (see scripts/stripe-mock.sh and docs/decisions.md): these runs prove the
// saga drives Stripe with requests Stripe's API accepts, the step keys on each, and records what
// Stripe answers; the states Stripe keeps between calls are the simulator's to prove.
import { createPaymentAdapter } from '../../activities/adapters/payment-provider';
import { cancelUpdate } from '../../workflows/order-definitions';
import { stockOf } from '../support/db';
import { stripeOnMock } from '../support/stripe-mock';
import { HAPPY_PATH_EVENTS, SagaTestBed, eventTypes, invoicesOf, stateEventually } from '../support/temporal';

jest.setTimeout(90_000);

const { stripe, sent } = stripeOnMock();
const bed = new SagaTestBed('order-saga-stripe', { paymentAdapter: stripe });
beforeAll(() => bed.start());
afterAll(() => bed.stop());

const awaitingPickup = (s: { waitingFor: string }) => s.waitingFor.startsWith('the carrier to pick up');

async function paymentOf(orderId: string) {
  const [payment]: { provider: string; status: string; authorization_id: string; capture_id: string | null }[] = await bed.dataSource.query(
    'SELECT provider, status, authorization_id, capture_id FROM payments WHERE order_id = $1',
    [orderId],
  );
  const movements: { kind: string; amount: string; provider: string; idempotency_key: string }[] = await bed.dataSource.query(
    'SELECT kind, amount, provider, idempotency_key FROM payment_movements WHERE order_id = $1 ORDER BY created_at, kind',
    [orderId],
  );
  return { payment, movements: movements.map((m) => ({ ...m, amount: Number(m.amount) })) };
}

/**
 * The saga sent each recorded movement's key to Stripe once, on the request that made it (paths
 * given without the PaymentIntent id, as `{pi}`), and no other request carried these keys.
 */
function expectSentOnce(movements: { idempotency_key: string }[], requests: string[]): void {
  const keys = movements.map((m) => m.idempotency_key);
  const carried = sent.filter((r) => r.idempotencyKey && keys.includes(r.idempotencyKey));
  expect(carried.map((r) => `${r.method} ${r.path.replace(/pi_[A-Za-z0-9]+/, '{pi}')} ${r.idempotencyKey}`)).toEqual(
    requests.map((request, i) => `${request} ${keys[i]}`),
  );
}

describe('the order saga paying through Stripe', () => {
  it('is the worker adapter PAYMENT_PROVIDER=stripe selects', () => {
    expect(createPaymentAdapter({ PAYMENT_PROVIDER: 'stripe', STRIPE_API_BASE: process.env.STRIPE_API_BASE, PAYMENT_LATENCY_MS: 0 }, bed.dataSource).provider).toBe('stripe');
  });

  it('authorizes with a PaymentIntent, captures its charge after shipping and delivers', async () => {
    const { order } = await bed.simpleOrder({ quantity: 2, payment: { token: 'pm_card_visa' } });
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    await bed.carrierReports(order.orderId, 'shipped');
    await stateEventually(handle, (s) => s.waitingFor === 'the carrier to deliver the parcel', 'the payment capture');
    await bed.carrierReports(order.orderId, 'delivered');

    expect(await handle.result()).toMatchObject({ status: 'DELIVERED' });
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(HAPPY_PATH_EVENTS);
    expect(await invoicesOf(bed.dataSource, order.orderId)).toEqual([{ revision: 1, status: 'PAID' }]);
    const { payment, movements } = await paymentOf(order.orderId);
    expect(payment).toEqual({ provider: 'stripe', status: 'CAPTURED', authorization_id: expect.stringMatching(/^pi_/), capture_id: expect.stringMatching(/^ch_/) });
    expect(movements).toEqual([
      { kind: 'authorization', amount: 2750, provider: 'stripe', idempotency_key: expect.any(String) },
      { kind: 'capture', amount: 2750, provider: 'stripe', idempotency_key: expect.any(String) },
    ]);
    expectSentOnce(movements, ['POST /v1/payment_intents', 'POST /v1/payment_intents/{pi}/capture']);
  });

  it('voids the PaymentIntent when the order is cancelled before it ships', async () => {
    const { order, sku } = await bed.simpleOrder({ payment: { token: 'pm_card_visa' } });
    const { handle } = await bed.place(order);
    await stateEventually(handle, awaitingPickup, 'the shipment to be booked');
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });

    expect(cancelled.status).toBe('CANCELLED');
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 100, reserved: 0, available: 100 });
    const { payment, movements } = await paymentOf(order.orderId);
    expect(payment).toMatchObject({ provider: 'stripe', status: 'VOIDED' });
    expect(movements.map((m) => [m.kind, m.amount])).toEqual([
      ['authorization', 2750],
      ['void', 2750],
    ]);
    expectSentOnce(movements, ['POST /v1/payment_intents', 'POST /v1/payment_intents/{pi}/cancel']);
  });

  it('rejects an order whose token is not a Stripe PaymentMethod, releasing what it held', async () => {
    const { order, sku } = await bed.simpleOrder({ payment: { token: 'tok_ok' } });
    const { handle } = await bed.place(order);
    const final = await handle.result();

    expect(final).toMatchObject({ status: 'REJECTED', statusReason: expect.stringMatching(/PaymentMethod id \(pm_\.\.\.\)/) });
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 100, reserved: 0, available: 100 });
    expect((await paymentOf(order.orderId)).movements).toEqual([]);
  });
});
