// Step 4 (authorize), its compensation (void) and step 6 (capture) through the payment simulator.
import { BusinessFailure } from '../../domain/failures';
import { orderWorkflowId, stepIdempotencyKey } from '../../domain/ids';
import { type Kit, dyingAfterProvider, eventsOf, failureOf, keyFor, openKit, orderRow, orderSnapshot, placedOrder } from './fixtures';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit.dataSource.destroy();
});

/** An order with its invoice issued, ready to be authorized. */
async function invoicedOrder() {
  const placed = await placedOrder(kit);
  if (!placed.placement.accepted) throw new Error('unreachable');
  const { totals } = await kit.activities.createInvoice({ orderId: placed.orderId, revision: 1, lines: placed.placement.lines, tier: null, country: 'US' });
  return { ...placed, amount: totals.total };
}

const authorize = (orderId: string, amount: number, token = 'tok_ok') =>
  kit.activities.authorizePayment({ orderId, token, amount, idempotencyKey: keyFor(orderId, 'authorize') });
const capture = (orderId: string, amount: number) =>
  kit.activities.capturePayment({ orderId, amount, idempotencyKey: keyFor(orderId, 'capture') });
const voidIt = (orderId: string) => kit.activities.voidPayment({ orderId, idempotencyKey: keyFor(orderId, 'void-authorization') });

const paymentOf = async (orderId: string) =>
  (await kit.dataSource.query('SELECT status, amount, authorization_id, capture_id FROM payments WHERE order_id = $1', [orderId]))[0];

describe('authorizePayment', () => {
  it('records the authorization, moves the order to PROCESSING and appends payment.authorized', async () => {
    const { orderId, amount } = await invoicedOrder();

    const { authorizationId } = await authorize(orderId, amount);

    expect(await paymentOf(orderId)).toEqual({ status: 'AUTHORIZED', amount: String(amount), authorization_id: authorizationId, capture_id: null });
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ status: 'PROCESSING' });
    expect((await eventsOf(kit.dataSource, orderId)).at(-1)).toMatchObject({ type: 'payment.authorized', data: { authorizationId, amount } });
  });

  it('answers a second call from PostgreSQL: same authorization, no provider call, nothing changed', async () => {
    const { orderId, skus, amount } = await invoicedOrder();
    const first = await authorize(orderId, amount);
    const before = await orderSnapshot(kit.dataSource, orderId, skus);
    const calls = kit.providerCalls.authorize;

    expect(await authorize(orderId, amount)).toEqual(first);

    expect(kit.providerCalls.authorize).toBe(calls);
    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(before);
  });

  it('fails PaymentDeclined (non-retryable) for a declined card and records nothing', async () => {
    const { orderId, amount } = await invoicedOrder();

    const failure = await failureOf(authorize(orderId, amount, 'tok_decline'));

    expect(failure).toMatchObject({ type: BusinessFailure.PaymentDeclined, nonRetryable: true });
    expect(await paymentOf(orderId)).toBeUndefined();
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ status: 'PENDING' });
  });

  it('fails with a retryable technical error while the provider is down (tok_down)', async () => {
    const { orderId, amount } = await invoicedOrder();

    const failure = await failureOf(authorize(orderId, amount, 'tok_down'));

    expect(failure).toMatchObject({ name: 'ProviderUnavailableError' });
    expect(failure.nonRetryable).toBeUndefined();
    expect(await paymentOf(orderId)).toBeUndefined();
  });

  it('succeeds on the third attempt with tok_flaky_2 (same idempotency key)', async () => {
    const { orderId, amount } = await invoicedOrder();

    await expect(authorize(orderId, amount, 'tok_flaky_2')).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
    await expect(authorize(orderId, amount, 'tok_flaky_2')).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
    const { authorizationId } = await authorize(orderId, amount, 'tok_flaky_2');

    expect(await paymentOf(orderId)).toMatchObject({ status: 'AUTHORIZED', authorization_id: authorizationId });
  });

  it('is backed by the database: a second authorization for the order violates a unique constraint', async () => {
    const { orderId, amount } = await invoicedOrder();
    await authorize(orderId, amount);

    await expect(
      kit.dataSource.query(
        `INSERT INTO payments (id, order_id, provider, status, amount, authorization_id, authorize_idempotency_key)
         VALUES (gen_random_uuid(), $1, 'simulator', 'AUTHORIZED', 1, 'auth_other', 'other-key')`,
        [orderId],
      ),
    ).rejects.toThrow(/payments_one_authorization_per_order/);
  });
});

describe('capturePayment', () => {
  it('captures the authorization, marks the invoice PAID and appends payment.captured; a second call changes nothing', async () => {
    const { orderId, skus, amount } = await invoicedOrder();
    await authorize(orderId, amount);

    const { captureId } = await capture(orderId, amount);
    const before = await orderSnapshot(kit.dataSource, orderId, skus);
    const again = await capture(orderId, amount);

    expect(again).toEqual({ captureId });
    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(before);
    expect(await paymentOf(orderId)).toMatchObject({ status: 'CAPTURED', capture_id: captureId });
    expect(await kit.dataSource.query('SELECT status FROM invoices WHERE order_id = $1', [orderId])).toEqual([{ status: 'PAID' }]);
    expect((await eventsOf(kit.dataSource, orderId)).at(-1)).toMatchObject({ type: 'payment.captured', data: { captureId, amount } });
  });

  it('fails (non-retryable) to capture a voided authorization: the provider refuses', async () => {
    const { orderId, amount } = await invoicedOrder();
    await authorize(orderId, amount);
    await voidIt(orderId);

    const failure = await failureOf(capture(orderId, amount));

    expect(failure).toMatchObject({ type: 'PaymentRefused', nonRetryable: true, details: [{ code: 'authorization_voided' }] });
    expect(await paymentOf(orderId)).toMatchObject({ status: 'VOIDED', capture_id: null });
  });

  it('fails (non-retryable) when nothing was authorized', async () => {
    const { orderId, amount } = await invoicedOrder();

    expect(await failureOf(capture(orderId, amount))).toMatchObject({ type: 'PaymentNotAuthorized', nonRetryable: true });
  });
});

describe('voidPayment', () => {
  it('voids the authorization once and appends payment.voided; a second call changes nothing', async () => {
    const { orderId, skus, amount } = await invoicedOrder();
    await authorize(orderId, amount);

    await voidIt(orderId);
    const before = await orderSnapshot(kit.dataSource, orderId, skus);
    await voidIt(orderId);

    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(before);
    expect(await paymentOf(orderId)).toMatchObject({ status: 'VOIDED' });
    expect((await eventsOf(kit.dataSource, orderId)).at(-1)).toMatchObject({ type: 'payment.voided' });
  });

  it('is a no-op without an authorization and after a capture', async () => {
    const bare = await invoicedOrder();
    const captured = await invoicedOrder();
    await authorize(captured.orderId, captured.amount);
    await capture(captured.orderId, captured.amount);
    const before = await orderSnapshot(kit.dataSource, captured.orderId, captured.skus);

    await voidIt(bare.orderId);
    await voidIt(captured.orderId);

    expect(await paymentOf(bare.orderId)).toBeUndefined();
    expect(await orderSnapshot(kit.dataSource, captured.orderId, captured.skus)).toEqual(before);
  });
});

const ledgerOf = async (orderId: string) =>
  (await kit.dataSource.query('SELECT kind, amount::int AS amount, provider_reference, idempotency_key FROM payment_movements WHERE order_id = $1 ORDER BY created_at, kind', [orderId])) as {
    kind: string;
    amount: number;
    provider_reference: string | null;
    idempotency_key: string;
  }[];

describe('the payment ledger', () => {
  it('books the authorization and the capture once each, under the keys the provider calls carried', async () => {
    const { orderId, amount } = await invoicedOrder();
    const { authorizationId } = await authorize(orderId, amount);
    const { captureId } = await capture(orderId, amount - 100);
    await authorize(orderId, amount);
    await capture(orderId, amount - 100);

    expect(await ledgerOf(orderId)).toEqual([
      { kind: 'authorization', amount, provider_reference: authorizationId, idempotency_key: keyFor(orderId, 'authorize') },
      { kind: 'capture', amount: amount - 100, provider_reference: captureId, idempotency_key: keyFor(orderId, 'capture') },
    ]);
  });

  it('books a void of what the authorization held, once', async () => {
    const { orderId, amount } = await invoicedOrder();
    await authorize(orderId, amount);
    await voidIt(orderId);
    await voidIt(orderId);

    expect((await ledgerOf(orderId)).map((m) => [m.kind, m.amount])).toEqual([
      ['authorization', amount],
      ['void', amount],
    ]);
  });

  it('refuses a second movement under one idempotency key (unique in the database)', async () => {
    const { orderId, amount } = await invoicedOrder();
    await authorize(orderId, amount);
    await expect(
      kit.dataSource.query(
        `INSERT INTO payment_movements (id, order_id, kind, amount, provider, authorization_id, idempotency_key) VALUES (gen_random_uuid(), $1, 'increment', 1, 'simulator', 'x', $2)`,
        [orderId, keyFor(orderId, 'authorize')],
      ),
    ).rejects.toThrow(/payment_movements_idempotency_key/);
  });
});

describe('voidPayment after an authorization that was never recorded', () => {
  /** authorizePayment as the saga runs it (the key names the invoice revision), dying after the provider answered. */
  const authorizeAndDie = async (orderId: string, amount: number, revision: number) => {
    const idempotencyKey = stepIdempotencyKey(orderWorkflowId(orderId), 'authorize', revision);
    await expect(dyingAfterProvider(kit, 'payment', 'authorize').authorizePayment({ orderId, token: 'tok_ok', amount, idempotencyKey })).rejects.toThrow(
      'the worker died',
    );
    const [row]: { authorization_id: string; authorization_state: string }[] = await kit.dataSource.query(
      'SELECT authorization_id, authorization_state FROM sim_payment_operations WHERE idempotency_key = $1',
      [idempotencyKey],
    );
    expect(row).toMatchObject({ authorization_state: 'authorized' }); // open at the provider
    return row.authorization_id;
  };
  const providerState = async (authorizationId: string) =>
    (
      await kit.dataSource.query(`SELECT authorization_state FROM sim_payment_operations WHERE authorization_id = $1 AND operation = 'authorize'`, [
        authorizationId,
      ])
    )[0]?.authorization_state;

  it("finds it at the provider by the step's key, voids it there and records the void, once", async () => {
    const { orderId, skus, amount } = await invoicedOrder();
    const authorizationId = await authorizeAndDie(orderId, amount, 1);
    expect(await paymentOf(orderId)).toBeUndefined(); // PostgreSQL never heard of it

    await voidIt(orderId);
    const after = await orderSnapshot(kit.dataSource, orderId, skus);
    await voidIt(orderId);

    expect(await providerState(authorizationId)).toBe('voided');
    expect(await paymentOf(orderId)).toMatchObject({ status: 'VOIDED', authorization_id: authorizationId, amount: String(amount) });
    expect((await eventsOf(kit.dataSource, orderId)).at(-1)).toMatchObject({
      type: 'payment.voided',
      data: { authorizationId, amount, unrecordedAuthorization: true },
    });
    expect(await orderSnapshot(kit.dataSource, orderId, skus)).toEqual(after); // the second call changed nothing
    expect(await orderRow(kit.dataSource, orderId)).toMatchObject({ status: 'PENDING' }); // the undo moves no status
  });

  it('finds whichever invoice revision was authorized', async () => {
    const { orderId, amount, placement } = await invoicedOrder();
    if (!placement.accepted) throw new Error('unreachable');
    await kit.activities.voidInvoice({ orderId, revision: 1 });
    const { totals } = await kit.activities.createInvoice({ orderId, revision: 2, lines: placement.lines, tier: null, country: 'US' });
    expect(totals.total).toBe(amount);
    const authorizationId = await authorizeAndDie(orderId, amount, 2);

    await voidIt(orderId);

    expect(await providerState(authorizationId)).toBe('voided');
  });

  it('voids an unrecorded earlier revision beside the recorded one', async () => {
    const { orderId, amount, placement } = await invoicedOrder();
    if (!placement.accepted) throw new Error('unreachable');
    const lost = await authorizeAndDie(orderId, amount, 1);
    await kit.activities.voidInvoice({ orderId, revision: 1 });
    await kit.activities.createInvoice({ orderId, revision: 2, lines: placement.lines, tier: null, country: 'US' });
    const idempotencyKey = stepIdempotencyKey(orderWorkflowId(orderId), 'authorize', 2);
    const { authorizationId: recorded } = await kit.activities.authorizePayment({ orderId, token: 'tok_ok', amount, idempotencyKey });

    await voidIt(orderId);

    expect([await providerState(lost), await providerState(recorded)]).toEqual(['voided', 'voided']);
    expect(await paymentOf(orderId)).toMatchObject({ status: 'VOIDED', authorization_id: recorded });
    const voids = (await eventsOf(kit.dataSource, orderId)).filter((e) => e.type === 'payment.voided').map((e) => e.data.authorizationId);
    expect(voids.sort()).toEqual([lost, recorded].sort());
  });
});
