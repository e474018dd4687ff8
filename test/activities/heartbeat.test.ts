// Step activities inside a (mock) activity context: they heartbeat through slow provider calls,
// stop before the provider when already cancelled, and once the provider acted they record it.
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { PaymentSimulator } from '../../activities/adapters/payment-simulator';
import { createOrderActivities } from '../../activities';
import { type Kit, keyFor, openKit, placedOrder, silentLogger } from './fixtures';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

async function orderToAuthorize() {
  const placed = await placedOrder(kit);
  if (!placed.placement.accepted) throw new Error('unreachable');
  return { orderId: placed.orderId, token: 'tok_ok', amount: placed.placement.totals.total, idempotencyKey: keyFor(placed.orderId, 'authorize') };
}

const paymentsOf = (orderId: string) => kit.dataSource.query('SELECT status FROM payments WHERE order_id = $1', [orderId]);

describe('step activities in an activity context', () => {
  it('heartbeat while a slow provider call runs', async () => {
    const slow = createOrderActivities({
      dataSource: kit.dataSource,
      payment: new PaymentSimulator({ dataSource: kit.dataSource, latencyMs: 2300 }),
      carrier: kit.carrier,
      logger: silentLogger,
    });
    const input = await orderToAuthorize();
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));

    await env.run(slow.authorizePayment, input);

    // One a second, the first after a second (2.3 s: two).
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(heartbeats[0]).toEqual({ step: 'authorizePayment' });
  });

  it('send no heartbeat for a call that answers within a second (each one is a write on the server)', async () => {
    const input = await orderToAuthorize();
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));

    await expect(env.run(kit.activities.authorizePayment, input)).resolves.toEqual({ authorizationId: expect.any(String) });

    expect(heartbeats).toEqual([]);
  });

  it('stop before calling the provider when the step was already cancelled', async () => {
    const input = await orderToAuthorize();
    const env = new MockActivityEnvironment();
    const calls = kit.providerCalls.authorize ?? 0;
    env.cancel();

    await expect(env.run(kit.activities.authorizePayment, input)).rejects.toBeInstanceOf(CancelledFailure);

    expect(kit.providerCalls.authorize ?? 0).toBe(calls);
    expect(await paymentsOf(input.orderId)).toEqual([]);
  });

  it('record what the provider did even when cancelled during the call, so the compensation finds it', async () => {
    const slow = createOrderActivities({
      dataSource: kit.dataSource,
      payment: new PaymentSimulator({ dataSource: kit.dataSource, latencyMs: 300 }),
      carrier: kit.carrier,
      logger: silentLogger,
    });
    const input = await orderToAuthorize();
    const env = new MockActivityEnvironment();

    const running = env.run(slow.authorizePayment, input);
    setTimeout(() => env.cancel(), 100);

    await expect(running).resolves.toEqual({ authorizationId: expect.any(String) });
    expect(await paymentsOf(input.orderId)).toEqual([{ status: 'AUTHORIZED' }]);
  });
});
