// The load: a catalogue, then orders through the HTTP API (an Idempotency-Key per order;
// tok_ok / tok_decline / tok_flaky_1 / tok_no_increment; some cancelled with DELETE, some POSTed
// twice; some changed after payment and returned after delivery: after-payment.ts).
import { randomUUID } from 'node:crypto';
import { type AfterPaymentPlan, type AfterPaymentRecord, afterPayment, emptyRecord, planAfterPayment } from './after-payment';
import type { Catalogue } from './catalogue';
import type { DrillClient } from './http';
import { pick, rand, sleep } from './tools';

type Token = 'tok_ok' | 'tok_decline' | 'tok_flaky_1' | 'tok_no_increment';

export interface DrillOrder {
  key: string;
  token: Token;
  cancel: boolean;
  repeat: boolean;
  body: unknown;
  /** The order id of the 202, or null when none came. */
  orderId: string | null;
  createStatus: number | null;
  repeatStatus: number | null;
  repeatOrderId: string | null;
  cancelStatus: number | null;
  /** The order's status in the cancel's 200 answer. */
  cancelAnswer: string | null;
  /** A change once paid and a return once delivered (neither for orders meant to be declined or cancelled). */
  afterPayment: AfterPaymentPlan;
  after: AfterPaymentRecord;
}

export function newOrder(catalogue: Catalogue): DrillOrder {
  const roll = Math.random();
  const token: Token = roll < 0.1 ? 'tok_decline' : roll < 0.22 ? 'tok_flaky_1' : roll < 0.3 ? 'tok_no_increment' : 'tok_ok';
  const cancel = Math.random() < 0.12;
  const noPlan = { change: null, return: null };
  const skus = new Set<string>();
  const lineCount = 1 + Math.floor(Math.random() * 3);
  while (skus.size < lineCount) skus.add(Math.random() < 0.08 ? 'DRILL-SCARCE' : pick(catalogue.products.map((p) => p.sku)));
  const lines = [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 3) }));
  return {
    key: randomUUID(),
    token,
    cancel,
    repeat: Math.random() < 0.1,
    body: {
      data: {
        type: 'orders',
        attributes: {
          customerId: pick(catalogue.customers),
          lines,
          shippingAddress: { name: 'Grace Hopper', line1: '1 Drill Way', city: 'Austin', postalCode: '78701', country: 'US' },
          payment: { token },
        },
      },
    },
    orderId: null,
    createStatus: null,
    repeatStatus: null,
    repeatOrderId: null,
    cancelStatus: null,
    cancelAnswer: null,
    afterPayment: cancel || token === 'tok_decline' ? noPlan : planAfterPayment(),
    after: emptyRecord(),
  };
}

/** POSTs the order, then (as the order says) cancels it, repeats the POST, changes and returns it; records every answer on it. */
export async function placeOrder(client: DrillClient, order: DrillOrder, catalogue: Catalogue): Promise<void> {
  const created = await client.call('POST', 'POST /v1/orders', '/v1/orders', order.body, { 'Idempotency-Key': order.key });
  order.createStatus = created.status;
  if (created.status !== 202) return;
  const orderId: string = created.body.data.id;
  order.orderId = orderId;
  const followUps: Promise<void>[] = [];
  if (order.cancel) {
    followUps.push(
      (async () => {
        await sleep(rand(0, 600));
        const r = await client.call('DELETE', 'DELETE /v1/orders/{id}', `/v1/orders/${order.orderId}`);
        order.cancelStatus = r.status;
        order.cancelAnswer = r.body?.data?.attributes?.status ?? null;
      })(),
    );
  }
  if (order.repeat) {
    followUps.push(
      (async () => {
        await sleep(rand(200, 4000));
        const r = await client.call('POST', 'POST /v1/orders', '/v1/orders', order.body, { 'Idempotency-Key': order.key });
        order.repeatStatus = r.status;
        order.repeatOrderId = r.body?.data?.id ?? null;
      })(),
    );
  }
  followUps.push(afterPayment(client, orderId, order.afterPayment, catalogue, order.after));
  await Promise.all(followUps);
}
