// The payment simulator moves money the way real providers do: incremental authorization (which
// some cards refuse), partial capture, refunds up to what was captured, lookups by idempotency key.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PaymentSimulator } from '../../activities/adapters/payment-simulator';
import { openTestDataSource } from '../support/db';

let dataSource: DataSource;
let sim: PaymentSimulator;
beforeAll(async () => {
  dataSource = await openTestDataSource({ poolSize: 5 });
  sim = new PaymentSimulator({ dataSource });
});
afterAll(() => dataSource?.destroy());

const orderId = randomUUID();
const key = (step: string) => `order-${orderId}:${step}:${randomUUID()}`;
const authorize = async (token: string, amount: number) =>
  (await sim.authorize({ idempotencyKey: key('authorize'), token, amount, currency: 'USD', orderId })).authorizationId;
const lookup = { orderId, notBefore: new Date(0) };

describe('incremental authorization', () => {
  it('raises the hold by the difference, once per idempotency key', async () => {
    const authorizationId = await authorize('tok_ok', 5000);
    const idempotencyKey = key('increment');

    await expect(sim.incrementAuthorization({ idempotencyKey, authorizationId, amount: 1200 })).resolves.toEqual({ authorizationId, authorizedAmount: 6200 });
    await expect(sim.incrementAuthorization({ idempotencyKey, authorizationId, amount: 1200 })).resolves.toEqual({ authorizationId, authorizedAmount: 6200 });

    await expect(sim.findIncrement({ idempotencyKey, ...lookup })).resolves.toEqual({ authorizationId, amount: 1200 });
    // The capture may take the raised amount, not a cent more.
    await expect(sim.capture({ idempotencyKey: key('capture'), authorizationId, amount: 6201 })).rejects.toMatchObject({ code: 'amount_too_large' });
    await expect(sim.capture({ idempotencyKey: key('capture'), authorizationId, amount: 6200 })).resolves.toEqual({ captureId: expect.stringMatching(/^cap_/) });
  });

  it('is refused for tok_no_increment, whose authorization stays as it was', async () => {
    const authorizationId = await authorize('tok_no_increment', 5000);

    await expect(sim.incrementAuthorization({ idempotencyKey: key('increment'), authorizationId, amount: 100 })).rejects.toMatchObject({
      name: 'ProviderRefusedError',
      code: 'increment_not_supported',
    });
    await expect(sim.capture({ idempotencyKey: key('capture'), authorizationId, amount: 5001 })).rejects.toMatchObject({ code: 'amount_too_large' });
  });

  it('is declined above a tok_limit_<cents> card limit, and so is an authorization above it', async () => {
    const authorizationId = await authorize('tok_limit_6000', 5000);
    const declinedKey = key('increment');

    await expect(sim.incrementAuthorization({ idempotencyKey: declinedKey, authorizationId, amount: 1001 })).rejects.toMatchObject({
      name: 'PaymentDeclinedError',
      declineCode: 'insufficient_funds',
    });
    await expect(sim.findIncrement({ idempotencyKey: declinedKey, ...lookup })).resolves.toBeNull();
    await expect(sim.incrementAuthorization({ idempotencyKey: key('increment'), authorizationId, amount: 1000 })).resolves.toMatchObject({ authorizedAmount: 6000 });
    await expect(authorize('tok_limit_6000', 6001)).rejects.toMatchObject({ name: 'PaymentDeclinedError', declineCode: 'insufficient_funds' });
  });

  it('is refused once the authorization was captured or voided', async () => {
    const captured = await authorize('tok_ok', 1000);
    await sim.capture({ idempotencyKey: key('capture'), authorizationId: captured, amount: 1000 });
    const voided = await authorize('tok_ok', 1000);
    await sim.void({ idempotencyKey: key('void'), authorizationId: voided });

    for (const authorizationId of [captured, voided]) {
      await expect(sim.incrementAuthorization({ idempotencyKey: key('increment'), authorizationId, amount: 100 })).rejects.toMatchObject({ code: 'authorization_not_open' });
    }
  });

  it('reports a raised hold in findAuthorization', async () => {
    const idempotencyKey = key('authorize');
    const { authorizationId } = await sim.authorize({ idempotencyKey, token: 'tok_ok', amount: 1000, currency: 'USD', orderId });
    await sim.incrementAuthorization({ idempotencyKey: key('increment'), authorizationId, amount: 250 });
    await expect(sim.findAuthorization({ idempotencyKey })).resolves.toEqual({ authorizationId, amount: 1250, state: 'authorized' });
  });
});

describe('partial capture and refunds', () => {
  it('captures less than the hold (the rest is released) and refunds at most what was captured', async () => {
    const authorizationId = await authorize('tok_ok', 5000);
    const captureKey = key('capture');
    const { captureId } = await sim.capture({ idempotencyKey: captureKey, authorizationId, amount: 3000 });
    await expect(sim.findCapture({ idempotencyKey: captureKey, ...lookup })).resolves.toEqual({ authorizationId, captureId, amount: 3000 });

    const firstKey = key('refund');
    const first = await sim.refund({ idempotencyKey: firstKey, authorizationId, amount: 1000 });
    await expect(sim.refund({ idempotencyKey: firstKey, authorizationId, amount: 1000 })).resolves.toEqual(first); // replayed, not paid twice
    await expect(sim.refund({ idempotencyKey: key('refund'), authorizationId, amount: 2001 })).rejects.toMatchObject({ code: 'amount_too_large' });
    await expect(sim.refund({ idempotencyKey: key('refund'), authorizationId, amount: 2000 })).resolves.toEqual({ refundId: expect.stringMatching(/^re_/) });
    await expect(sim.refund({ idempotencyKey: key('refund'), authorizationId, amount: 1 })).rejects.toMatchObject({ code: 'amount_too_large' });
    await expect(sim.findRefund({ idempotencyKey: firstKey, ...lookup })).resolves.toEqual({ authorizationId, refundId: first.refundId, amount: 1000 });
  });

  it('refuses to refund an authorization that was never captured, and unknown keys find nothing', async () => {
    const authorizationId = await authorize('tok_ok', 5000);
    await expect(sim.refund({ idempotencyKey: key('refund'), authorizationId, amount: 100 })).rejects.toMatchObject({ code: 'not_captured' });
    await expect(sim.findRefund({ idempotencyKey: key('refund'), ...lookup })).resolves.toBeNull();
    await expect(sim.findCapture({ idempotencyKey: key('capture'), ...lookup })).resolves.toBeNull();
  });
});
