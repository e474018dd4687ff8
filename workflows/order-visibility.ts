// What clients and operators see of a running order: the state its query and updates answer, its
// status and total in the search attributes, and what it waits for in the current details.
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { type OrderStatus, LEGACY_WITHOUT_PAYMENT_REASON } from '../domain';
import { type OrderState, type OrderWorkflowInput, OrderSearchAttributes } from './order-definitions';

/** A new order is PENDING; an adopted one starts where the migration left it (its start options say the same). */
export function initialOrderState({ order, adoption }: OrderWorkflowInput): OrderState {
  const from = adoption?.from;
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: from ?? 'PENDING',
    statusReason: from === 'NEEDS_ATTENTION' ? LEGACY_WITHOUT_PAYMENT_REASON : null,
    parkedFrom: from === 'NEEDS_ATTENTION' ? 'PENDING' : null,
    lines: [],
    totals: null,
    shippingAddress: order.shippingAddress,
    invoiceRevision: 0,
    trackingNumber: null,
    waitingFor: 'recording the order',
  };
}

export class OrderVisibility {
  /** The search attribute values last written; the start options usually set the first ones. */
  private upserted = searchAttributesAtStart();

  constructor(readonly state: OrderState) {}

  /** The one place the status changes; search attributes and details follow it. */
  moveTo(status: OrderStatus, reason: string | null = null, parkedFrom: OrderStatus | null = null): void {
    this.state.status = status;
    this.state.statusReason = reason;
    this.state.parkedFrom = parkedFrom;
    this.upsertSearchAttributes();
    this.waitFor(this.state.waitingFor);
  }

  waitFor(text: string): void {
    this.state.waitingFor = text;
    setCurrentDetails(`**${this.state.status}**${this.state.statusReason ? ` (${this.state.statusReason})` : ''}: waiting for ${text}`);
  }

  /** Upserts the typed search attributes when they changed (each upsert is a history event). */
  upsertSearchAttributes(): void {
    const values = { status: this.state.status, customerId: this.state.customerId, total: this.state.totals?.total ?? null };
    const key = searchAttributesKey(values);
    if (key === this.upserted) return;
    this.upserted = key;
    upsertSearchAttributes([
      { key: OrderSearchAttributes.status, value: values.status },
      { key: OrderSearchAttributes.customerId, value: values.customerId },
      { key: OrderSearchAttributes.total, value: values.total },
    ]);
  }

  /** A copy for answers: later changes must not reach an answer already given. */
  snapshot(): OrderState {
    return JSON.parse(JSON.stringify(this.state)) as OrderState;
  }
}

function searchAttributesKey(values: { status: unknown; customerId: unknown; total: unknown }): string {
  return JSON.stringify([values.status, values.customerId, values.total]);
}

function searchAttributesAtStart(): string {
  const attributes = workflowInfo().typedSearchAttributes;
  return searchAttributesKey({
    status: attributes.get(OrderSearchAttributes.status) ?? null,
    customerId: attributes.get(OrderSearchAttributes.customerId) ?? null,
    total: attributes.get(OrderSearchAttributes.total) ?? null,
  });
}
