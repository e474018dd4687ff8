// The load after payment: some orders are changed once authorized (a line up or down, a new SKU,
// the address; some with If-Match, a few twice at once), and once DELIVERED some are returned
// (partly or whole), the return received (some units damaged, some fewer than asked) or cancelled.
// Through the API like the rest of the load and through the faults: DrillClient.call retries
// what may succeed later; a 409 or 412 (a concurrent change, a retried receive that went
// through, the parcel already gone) is an answer, recorded, not a failure.
import { randomUUID } from 'node:crypto';
import type { DrillClient, Reply } from './http';
import type { Catalogue } from './catalogue';
import { pick, rand, sleep } from './tools';

export type ChangeKind = 'up' | 'down' | 'new-sku' | 'address' | 'race';
export type ReturnKind = 'partial' | 'full';
export type ReturnEnd = 'receive' | 'receive-damaged' | 'receive-fewer' | 'cancel' | 'leave';

export interface AfterPaymentPlan {
  change: { kind: ChangeKind; ifMatch: boolean } | null;
  return: { kind: ReturnKind; end: ReturnEnd } | null;
}

/** What happened, for the figures: the answers of each step ('missed <status>' when the order never got there). */
export interface AfterPaymentRecord {
  changeStatuses: (number | string)[];
  returnId: string | null;
  returnStatus: number | string | null;
  endStatus: number | null;
}

/** Poll the order at most this long for a status (the faults can hold an order up for a while). */
const WAIT_FOR_STATUS_MS = 90_000;
/** Shippable SKUs a change may add (the scarce one could refuse for stock, which the order-end invariant would not expect). */
const PLENTIFUL = (catalogue: Catalogue) => catalogue.products.filter((p) => p.sku !== 'DRILL-SCARCE').map((p) => p.sku);

export function planAfterPayment(): AfterPaymentPlan {
  const c = Math.random();
  const changeKind: ChangeKind | null = c < 0.1 ? 'up' : c < 0.2 ? 'down' : c < 0.26 ? 'new-sku' : c < 0.33 ? 'address' : c < 0.37 ? 'race' : null;
  const r = Math.random();
  const returnKind: ReturnKind | null = r < 0.25 ? 'partial' : r < 0.4 ? 'full' : null;
  const e = Math.random();
  const end: ReturnEnd = e < 0.45 ? 'receive' : e < 0.65 ? 'receive-damaged' : e < 0.75 ? 'receive-fewer' : e < 0.88 ? 'cancel' : 'leave';
  return {
    change: changeKind ? { kind: changeKind, ifMatch: changeKind === 'race' || Math.random() < 0.4 } : null,
    return: returnKind ? { kind: returnKind, end } : null,
  };
}

export function emptyRecord(): AfterPaymentRecord {
  return { changeStatuses: [], returnId: null, returnStatus: null, endStatus: null };
}

interface OrderView {
  status: string;
  version: number;
  lines: { sku: string; quantity: number }[];
}

async function readOrder(client: DrillClient, orderId: string): Promise<OrderView | null> {
  const r = await client.call('GET', 'GET /v1/orders/{id}', `/v1/orders/${orderId}`);
  if (r.status !== 200) return null;
  const a = r.body.data.attributes;
  return { status: a.status, version: a.version, lines: a.lines.map((l: { sku: string; quantity: number }) => ({ sku: l.sku, quantity: l.quantity })) };
}

/** Polls the order until `until` says yes (its view), it can no longer get there (`hopeless`), or time runs out ('missed <last status>'). */
async function waitForOrder(client: DrillClient, orderId: string, until: (o: OrderView) => boolean, hopeless: (o: OrderView) => boolean): Promise<OrderView | string> {
  const giveUpAt = Date.now() + WAIT_FOR_STATUS_MS;
  let last: OrderView | null = null;
  while (Date.now() < giveUpAt) {
    last = (await readOrder(client, orderId)) ?? last;
    if (last && until(last)) return last;
    if (last && hopeless(last)) break;
    await sleep(rand(200, 400));
  }
  return `missed ${last?.status ?? 'unread'}`;
}

/** A status, with the error's code when there is one (`409 out_of_stock`). */
function answered(reply: Reply): number | string {
  const code: unknown = reply.body?.errors?.[0]?.code;
  return typeof code === 'string' ? `${reply.status} ${code}` : reply.status;
}

/** The lines after the change (absolute: a retried PUT asks for the same order, which changes nothing). */
function changedLines(kind: ChangeKind, lines: OrderView['lines'], catalogue: Catalogue): OrderView['lines'] {
  const next = lines.map((l) => ({ ...l }));
  const i = Math.floor(Math.random() * next.length);
  if (kind === 'down') {
    if (next[i].quantity > 1) next[i].quantity -= 1;
    else if (next.length > 1) next.splice(i, 1);
    else next[i].quantity += 1; // one line of one unit cannot go down: up instead
  } else if (kind === 'new-sku') {
    const absent = PLENTIFUL(catalogue).filter((sku) => !next.some((l) => l.sku === sku));
    if (absent.length > 0) next.push({ sku: pick(absent), quantity: 1 + Math.floor(Math.random() * 2) });
    else next[i].quantity += 1;
  } else {
    next[i].quantity += 1 + Math.floor(Math.random() * 2);
  }
  return next;
}

const NEW_ADDRESS = { name: 'Grace Hopper', line1: '2 Moved Street', city: 'Dallas', postalCode: '75201', country: 'US' };

function putChange(client: DrillClient, orderId: string, kind: ChangeKind, order: OrderView, catalogue: Catalogue, ifMatch: boolean): Promise<Reply> {
  const headers: Record<string, string> = ifMatch ? { 'If-Match': `"${order.version}"` } : {};
  if (kind === 'address') {
    const body = { data: { type: 'orders', id: orderId, attributes: { shippingAddress: NEW_ADDRESS } } };
    return client.call('PUT', 'PUT /v1/orders/{id}/shipping', `/v1/orders/${orderId}/shipping`, body, headers);
  }
  const body = { data: { type: 'orders', id: orderId, attributes: { lines: changedLines(kind === 'race' ? pick(['up', 'down'] as const) : kind, order.lines, catalogue) } } };
  return client.call('PUT', 'PUT /v1/orders/{id}', `/v1/orders/${orderId}`, body, headers);
}

/** Once the payment is authorized (PROCESSING), the planned change; 'race': two at once against one version. */
async function change(client: DrillClient, orderId: string, plan: NonNullable<AfterPaymentPlan['change']>, catalogue: Catalogue, record: AfterPaymentRecord): Promise<void> {
  const order = await waitForOrder(client, orderId, (o) => o.status === 'PROCESSING', (o) => o.status !== 'PENDING' && o.status !== 'NEEDS_ATTENTION');
  if (typeof order === 'string') {
    record.changeStatuses.push(order);
    return;
  }
  const attempts = plan.kind === 'race' ? [0, 1] : [0];
  const replies = await Promise.all(attempts.map(() => changeSoon(() => putChange(client, orderId, plan.kind, order, catalogue, plan.ifMatch))));
  record.changeStatuses.push(...replies.map(answered));
}

/** A 409 that says "try again in a moment" (a step under way: the booking) is tried again, a few times, as a client would. */
async function changeSoon(put: () => Promise<Reply>): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    const reply = await put();
    const detail: unknown = reply.body?.errors?.[0]?.detail;
    if (reply.status !== 409 || typeof detail !== 'string' || !detail.includes('try again') || attempt >= 8) return reply;
    await sleep(rand(150, 300));
  }
}

/** Once DELIVERED, the planned return: part of one line or every unit; then received, cancelled or left REQUESTED. */
async function giveBack(client: DrillClient, orderId: string, plan: NonNullable<AfterPaymentPlan['return']>, record: AfterPaymentRecord): Promise<void> {
  const order = await waitForOrder(client, orderId, (o) => o.status === 'DELIVERED', (o) => o.status === 'CANCELLED' || o.status === 'REJECTED');
  if (typeof order === 'string') {
    record.returnStatus = order;
    return;
  }
  const lines =
    plan.kind === 'full'
      ? order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, reason: 'changed my mind' }))
      : [{ sku: order.lines[0].sku, quantity: Math.max(1, order.lines[0].quantity - 1), reason: 'too big' }];
  const requested = await client.call('POST', 'POST /v1/orders/{id}/returns', `/v1/orders/${orderId}/returns`, { data: { type: 'returns', attributes: { lines } } }, { 'Idempotency-Key': randomUUID() });
  record.returnStatus = answered(requested);
  if (requested.status !== 201) return;
  const returnId: string = requested.body.data.id;
  record.returnId = returnId;
  if (plan.end === 'leave') return;
  await sleep(rand(0, 500));
  if (plan.end === 'cancel') {
    record.endStatus = (await client.call('DELETE', 'DELETE /v1/returns/{id}', `/v1/returns/${returnId}`)).status;
    return;
  }
  const received = lines.map((l, i) => ({
    sku: l.sku,
    receivedQuantity: plan.end === 'receive-fewer' && i === 0 ? l.quantity - 1 : l.quantity,
    disposition: plan.end === 'receive-damaged' && i === 0 ? 'damaged' : 'restock',
  }));
  const body = { data: { type: 'returns', attributes: { lines: received } } };
  record.endStatus = (await client.call('POST', 'POST /v1/returns/{id}/receive', `/v1/returns/${returnId}/receive`, body)).status;
}

/** The order's life after its payment, as planned; every answer recorded. */
export async function afterPayment(client: DrillClient, orderId: string, plan: AfterPaymentPlan, catalogue: Catalogue, record: AfterPaymentRecord): Promise<void> {
  if (plan.change) await change(client, orderId, plan.change, catalogue, record);
  if (plan.return) await giveBack(client, orderId, plan.return, record);
}
