// Parking: the one way an order waits for a fix. A step that failed in a way only a person can
// fix (a provider out of retries, a carrier exception) parks the order NEEDS_ATTENTION until an
// operator retries (the step runs again) or cancels it. Nobody acting escalates it, and later
// cancels it, undoing its steps, unless the goods have left.
import { CancelledFailure, condition, log, metricMeter } from '@temporalio/workflow';
import type { RecordOrderEventInput } from '../activities/contract';
import { type OrderStatus, isCancellable } from '../domain';
import type { OrderVisibility } from './order-visibility';

type ParkableStatus = Extract<OrderStatus, 'PENDING' | 'PROCESSING' | 'SHIPPED'>;
type RetryRequest = { operator?: string; note?: string };

export interface ParkingHost {
  orderId: string;
  visible: OrderVisibility;
  escalateAfterMs: number;
  autoCancelAfterMs: number;
  record(event: Omit<RecordOrderEventInput, 'orderId'>): Promise<unknown>;
  goodsLeft(): boolean;
  /** The auto-cancel: the order is cancelled as if by request, with this reason. */
  requestAutoCancel(reason: string): void;
}

export class Parking {
  /** From parking until the step runs again. */
  private current: { onlyCancel: boolean; retry: RetryRequest | null } | null = null;
  private count = 0;
  private readonly escalations = metricMeter.createCounter('order_escalations', 'orders', 'Parked orders escalated to operators');

  constructor(private readonly host: ParkingHost) {}

  get parked(): boolean {
    return this.current !== null;
  }

  /** The operator's `retry` signal. */
  retry(request: RetryRequest): void {
    const { orderId, visible } = this.host;
    if (visible.state.status !== 'NEEDS_ATTENTION' || this.current === null) {
      log.info('retry ignored: the order is not parked', { orderId, status: visible.state.status });
    } else if (this.current.onlyCancel) {
      log.warn('retry refused: the order can only be cancelled', { orderId, reason: visible.state.statusReason });
    } else {
      this.current.retry = request;
    }
  }

  /**
   * Parks the order until an operator retries; throws CancelledFailure when the auto-cancel
   * comes first (or the saga is cancelled meanwhile).
   */
  async park(step: string, reason: string): Promise<void> {
    try {
      await this.parkOnce(step, reason, { recorded: false, onlyCancel: false, parkedFrom: this.host.visible.state.status as ParkableStatus });
    } finally {
      this.current = null;
    }
  }

  /**
   * Parks an order nobody can retry (an adopted legacy order without payment: there is no payment
   * token to authorize with) until it is cancelled. The migration recorded it NEEDS_ATTENTION.
   */
  async parkForGood(step: string, reason: string, parkedFrom: ParkableStatus): Promise<never> {
    for (;;) await this.parkOnce(step, reason, { recorded: true, onlyCancel: true, parkedFrom });
  }

  private async parkOnce(step: string, reason: string, opts: { recorded: boolean; onlyCancel: boolean; parkedFrom: ParkableStatus }): Promise<void> {
    const { orderId, visible } = this.host;
    const { parkedFrom } = opts;
    const parking = ++this.count;
    const current = { onlyCancel: opts.onlyCancel, retry: null as RetryRequest | null };
    this.current = current;
    const mayAutoCancel = isCancellable('NEEDS_ATTENTION', parkedFrom);
    visible.waitFor(
      `an operator to ${opts.onlyCancel ? 'cancel' : 'retry or cancel'} (${reason}); escalates after ${formatMs(this.host.escalateAfterMs)}` +
        (mayAutoCancel ? `, auto-cancels after ${formatMs(this.host.autoCancelAfterMs)}` : ''),
    );
    visible.moveTo('NEEDS_ATTENTION', reason, parkedFrom);
    if (!opts.recorded) {
      await this.host.record({
        type: 'order.needs_attention',
        dedupeKey: `needs_attention:${parking}`,
        status: 'NEEDS_ATTENTION',
        statusReason: reason,
        data: { step, parkedFrom },
      });
    }
    log.warn('order parked for an operator', { orderId, step, reason, parkedFrom });

    const retried = () => current.retry !== null;
    if (!(await condition(retried, this.host.escalateAfterMs))) {
      this.escalate(step, reason, parkedFrom, mayAutoCancel);
      if (mayAutoCancel && !this.host.goodsLeft()) {
        const remaining = this.host.autoCancelAfterMs - this.host.escalateAfterMs;
        if (remaining <= 0 || !(await condition(retried, remaining))) {
          const cancelReason = `auto-cancelled: needed attention for ${formatMs(this.host.autoCancelAfterMs)} (${reason})`;
          this.host.requestAutoCancel(cancelReason);
          throw new CancelledFailure(cancelReason);
        }
      } else {
        await condition(retried);
      }
    }

    const { operator, note } = current.retry ?? { operator: undefined, note: undefined };
    visible.waitFor(`${step} again, as the operator asked`);
    visible.moveTo(parkedFrom);
    await this.host.record({
      type: 'order.resumed',
      dedupeKey: `resumed:${parking}`,
      status: parkedFrom,
      statusReason: null,
      data: { step, operator: operator ?? null, note: note ?? null },
    });
  }

  private escalate(step: string, reason: string, parkedFrom: ParkableStatus, mayAutoCancel: boolean): void {
    this.escalations.add(1, { step });
    log.warn('parked order escalated: nobody acted on it', { orderId: this.host.orderId, step, reason, parkedFrom });
    this.host.visible.waitFor(
      `ESCALATED: an operator to retry or cancel (${reason}); parked for ${formatMs(this.host.escalateAfterMs)}` +
        (mayAutoCancel ? `, auto-cancels after ${formatMs(this.host.autoCancelAfterMs)} in total` : ''),
    );
  }
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
