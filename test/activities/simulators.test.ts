// The provider simulators behave like real providers. This file has a schema of its own because
// it flips the persistent "provider down" switches, which every simulator in a database reads.
import { randomUUID } from 'node:crypto';
import { CarrierSimulator, parseCarrierDelay } from '../../activities/adapters/carrier-simulator';
import { PaymentSimulator } from '../../activities/adapters/payment-simulator';
import { isSimulatorFailing, setSimulatorFailing } from '../../activities/adapters/sim-switches';
import { schemaForFile } from '../support/db';
import { address } from './fixtures';

const db = schemaForFile('simulators');

const key = (step: string) => `order-${randomUUID()}:${step}`;
const orderId = randomUUID();
const authorizeWith = (sim: PaymentSimulator, token: string, idempotencyKey = key('authorize'), amount = 1000) =>
  sim.authorize({ idempotencyKey, token, amount, currency: 'USD', orderId });

describe('the payment simulator', () => {
  it('authorizes tok_ok and answers the same key with the same authorization, also after a restart', async () => {
    const idempotencyKey = key('authorize');
    const request = { idempotencyKey, token: 'tok_ok', amount: 1000, currency: 'USD', orderId: randomUUID() };

    const first = await new PaymentSimulator({ dataSource: db.dataSource }).authorize(request);
    const again = await new PaymentSimulator({ dataSource: db.dataSource }).authorize(request);

    expect(first.authorizationId).toMatch(/^auth_/);
    expect(again).toEqual(first);
  });

  it('declines tok_decline, and declines the same key again without a new attempt', async () => {
    const sim = new PaymentSimulator({ dataSource: db.dataSource });
    const idempotencyKey = key('authorize');

    await expect(authorizeWith(sim, 'tok_decline', idempotencyKey)).rejects.toMatchObject({ name: 'PaymentDeclinedError', declineCode: 'card_declined' });
    await expect(authorizeWith(sim, 'tok_decline', idempotencyKey)).rejects.toMatchObject({ name: 'PaymentDeclinedError' });
  });

  it('fails tok_flaky_<n> transiently n times per idempotency key, then authorizes', async () => {
    const sim = new PaymentSimulator({ dataSource: db.dataSource });
    const [k1, k2] = [key('authorize'), key('authorize')];
    const unavailable = { name: 'ProviderUnavailableError' };

    await expect(authorizeWith(sim, 'tok_flaky_2', k1)).rejects.toMatchObject(unavailable);
    await expect(authorizeWith(sim, 'tok_flaky_2', k2)).rejects.toMatchObject(unavailable); // counted per key
    await expect(authorizeWith(sim, 'tok_flaky_2', k1)).rejects.toMatchObject(unavailable);
    await expect(authorizeWith(sim, 'tok_flaky_2', k1)).resolves.toEqual({ authorizationId: expect.stringMatching(/^auth_/) });
  });

  it('is always unavailable for tok_down, and declines tokens it does not know', async () => {
    const sim = new PaymentSimulator({ dataSource: db.dataSource });
    const idempotencyKey = key('authorize');

    for (let i = 0; i < 3; i++) await expect(authorizeWith(sim, 'tok_down', idempotencyKey)).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
    await expect(authorizeWith(sim, 'tok_visa')).rejects.toMatchObject({ name: 'PaymentDeclinedError', declineCode: 'invalid_token' });
  });

  it('refuses an idempotency key reused for a different request', async () => {
    const sim = new PaymentSimulator({ dataSource: db.dataSource });
    const idempotencyKey = key('authorize');
    await authorizeWith(sim, 'tok_ok', idempotencyKey, 1000);

    await expect(authorizeWith(sim, 'tok_ok', idempotencyKey, 2000)).rejects.toMatchObject({ name: 'ProviderRefusedError', code: 'idempotency_key_reused' });
  });

  it('captures once per key, and refuses to capture a voided authorization, more than authorized, or twice', async () => {
    const sim = new PaymentSimulator({ dataSource: db.dataSource });
    const { authorizationId } = await authorizeWith(sim, 'tok_ok', key('authorize'), 1000);
    const voided = await authorizeWith(sim, 'tok_ok', key('authorize'), 1000);
    await sim.void({ idempotencyKey: key('void'), authorizationId: voided.authorizationId });
    const captureKey = key('capture');

    await expect(sim.capture({ idempotencyKey: key('capture'), authorizationId, amount: 1001 })).rejects.toMatchObject({ code: 'amount_too_large' });
    const first = await sim.capture({ idempotencyKey: captureKey, authorizationId, amount: 1000 });
    expect(await sim.capture({ idempotencyKey: captureKey, authorizationId, amount: 1000 })).toEqual(first);
    await expect(sim.capture({ idempotencyKey: key('capture'), authorizationId, amount: 1000 })).rejects.toMatchObject({ code: 'already_captured' });
    await expect(sim.capture({ idempotencyKey: key('capture'), authorizationId: voided.authorizationId, amount: 1000 })).rejects.toMatchObject({
      name: 'ProviderRefusedError',
      code: 'authorization_voided',
    });
    await expect(sim.void({ idempotencyKey: key('void'), authorizationId })).rejects.toMatchObject({ code: 'already_captured' });
  });

  it('takes the configured latency', async () => {
    const sim = new PaymentSimulator({ dataSource: db.dataSource, latencyMs: 150 });
    const started = Date.now();

    await authorizeWith(sim, 'tok_ok');

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('fails every call while switched to failing: per instance with setFailing, everywhere with the persistent switch', async () => {
    const one = new PaymentSimulator({ dataSource: db.dataSource });
    const other = new PaymentSimulator({ dataSource: db.dataSource });
    const unavailable = { name: 'ProviderUnavailableError' };

    one.setFailing(true);
    await expect(authorizeWith(one, 'tok_ok')).rejects.toMatchObject(unavailable);
    await expect(authorizeWith(other, 'tok_ok')).resolves.toBeDefined();
    one.setFailing(false);

    await setSimulatorFailing(db.dataSource, 'payment', true);
    expect(await isSimulatorFailing(db.dataSource, 'payment')).toBe(true);
    await expect(authorizeWith(one, 'tok_ok')).rejects.toMatchObject(unavailable);
    await expect(authorizeWith(other, 'tok_ok')).rejects.toMatchObject(unavailable);
    await setSimulatorFailing(db.dataSource, 'payment', false);
    await expect(authorizeWith(other, 'tok_ok')).resolves.toBeDefined();
  });
});

describe('the carrier simulator', () => {
  const book = (sim: CarrierSimulator, idempotencyKey = key('ship')) => sim.createShipment({ idempotencyKey, orderId: randomUUID(), address: address() });

  it('answers the same key with the same booking, also after a restart', async () => {
    const idempotencyKey = key('ship');

    const first = await book(new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: null }), idempotencyKey);
    const again = await book(new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: null }), idempotencyKey);

    expect(again).toEqual(first);
    expect(first).toEqual({ carrier: 'SIMCARRIER', carrierShipmentId: expect.stringMatching(/^shp_/), trackingNumber: expect.stringMatching(/^1ZSIM/) });
  });

  it('cancels a booked shipment (again without complaint), but refuses once the parcel has left or for an unknown shipment', async () => {
    const sim = new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: null });
    const booked = await book(sim);
    const left = await book(sim);
    await db.dataSource.query(`UPDATE sim_carrier_shipments SET status = 'SHIPPED' WHERE shipment_id = $1`, [left.carrierShipmentId]);

    await expect(sim.cancelShipment({ idempotencyKey: key('cancel'), carrierShipmentId: booked.carrierShipmentId })).resolves.toEqual({ canceled: true });
    await expect(sim.cancelShipment({ idempotencyKey: key('cancel'), carrierShipmentId: booked.carrierShipmentId })).resolves.toEqual({ canceled: true });
    await expect(sim.cancelShipment({ idempotencyKey: key('cancel'), carrierShipmentId: left.carrierShipmentId })).rejects.toMatchObject({ code: 'already_shipped' });
    await expect(sim.cancelShipment({ idempotencyKey: key('cancel'), carrierShipmentId: 'shp_nope' })).rejects.toMatchObject({ code: 'no_such_shipment' });
  });

  it('is unavailable while switched to failing, per instance or through the persistent switch', async () => {
    const sim = new CarrierSimulator({ dataSource: db.dataSource, shipAfterMs: null });
    const unavailable = { name: 'ProviderUnavailableError' };

    sim.setFailing(true);
    await expect(book(sim)).rejects.toMatchObject(unavailable);
    sim.setFailing(false);
    await setSimulatorFailing(db.dataSource, 'carrier', true);
    await expect(book(sim)).rejects.toMatchObject(unavailable);
    await setSimulatorFailing(db.dataSource, 'carrier', false);
    await expect(book(sim)).resolves.toBeDefined();
  });

  it('reads its delays as milliseconds or "manual"', () => {
    expect(parseCarrierDelay('250', 2000)).toBe(250);
    expect(parseCarrierDelay('manual', 2000)).toBeNull();
    expect(parseCarrierDelay(undefined, 2000)).toBe(2000);
    expect(() => parseCarrierDelay('soon', 2000)).toThrow(/milliseconds/);
  });
});
