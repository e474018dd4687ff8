// The load: a catalogue, then orders through the HTTP API (an Idempotency-Key per order;
// tok_ok / tok_decline / tok_flaky_1 / tok_no_increment; some cancelled with DELETE, some POSTed
// twice; some changed after payment and returned after delivery: after-payment.ts).
import { randomUUID } from 'node:crypto';
import { type AfterPaymentPlan, type AfterPaymentRecord, afterPayment, emptyRecord, planAfterPayment } from './after-payment';
import type { DrillClient } from './http';
import { pick, rand, sleep } from './tools';

export interface Catalogue {
  customers: string[];
  products: { sku: string; onHand: number }[];
}

export async function createCatalogue(client: DrillClient, orderCount: number): Promise<Catalogue> {
  const customers: string[] = [];
  const tiers = ['G', 'S', 'B', null];
  for (let i = 0; i < 12; i++) {
    const r = await client.call('POST', 'POST /v1/customers', '/v1/customers', {
      data: { type: 'customers', attributes: { name: `Drill Customer ${i}`, email: `drill-${i}-${randomUUID()}@example.com`, tier: tiers[i % tiers.length], country: 'US' } },
    });
    if (r.status !== 201) throw new Error(`creating a customer answered ${r.status}: ${JSON.stringify(r.body)}`);
    customers.push(r.body.data.id);
  }
  // Plenty of most things; DRILL-SCARCE runs out, so some orders are rejected for stock and
  // cancellations give units back to later orders.
  const specs = [
    { sku: 'DRILL-A', price: '19.9950', onHand: 5000 },
    { sku: 'DRILL-B', price: '4.2500', onHand: 5000 },
    { sku: 'DRILL-C', price: '129.0000', onHand: 5000 },
    { sku: 'DRILL-D', price: '0.9900', onHand: 5000 },
    { sku: 'DRILL-SCARCE', price: '49.5000', onHand: Math.max(10, Math.round(orderCount / 5)) },
  ];
  const products: Catalogue['products'] = [];
  for (const spec of specs) {
    const r = await client.call('POST', 'POST /v1/products', '/v1/products', {
      data: { type: 'products', attributes: { sku: spec.sku, name: `Drill ${spec.sku}`, unitPriceDecimal: spec.price, onHand: spec.onHand } },
    });
    if (r.status !== 201) throw new Error(`creating product ${spec.sku} answered ${r.status}: ${JSON.stringify(r.body)}`);
    products.push({ sku: spec.sku, onHand: r.body.data.attributes.onHand });
  }
  return { customers, products };
}

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
