// The order state machine, as data (one table) plus named guards. Nothing else in the code
// decides whether a status change is legal; the API maps IllegalTransitionError to 409.

export const ORDER_STATUSES = [
  'PENDING',
  'PROCESSING',
  'SHIPPED',
  'DELIVERED',
  'REJECTED',
  'CANCELLED',
  'NEEDS_ATTENTION',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}

const moves = (...statuses: OrderStatus[]): readonly OrderStatus[] => Object.freeze(statuses);

/** Every move the table allows; the guards below narrow the ones out of NEEDS_ATTENTION. */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = Object.freeze({
  PENDING: moves('PROCESSING', 'CANCELLED', 'REJECTED', 'NEEDS_ATTENTION'),
  PROCESSING: moves('SHIPPED', 'CANCELLED', 'NEEDS_ATTENTION'),
  SHIPPED: moves('DELIVERED', 'NEEDS_ATTENTION'),
  DELIVERED: moves(),
  REJECTED: moves(),
  CANCELLED: moves(),
  NEEDS_ATTENTION: moves('PENDING', 'PROCESSING', 'SHIPPED', 'CANCELLED'),
});

/** Statuses with no way out, derived from the table so the two cannot disagree. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = Object.freeze(
  ORDER_STATUSES.filter((status) => TRANSITIONS[status].length === 0),
);

interface TransitionRequest {
  from: OrderStatus;
  to: OrderStatus;
  /** The status a NEEDS_ATTENTION order was parked from; ignored for other statuses. */
  parkedFrom: OrderStatus | null;
}

/** A guard returns why it refuses a move the table allows, or null when it has no objection. */
type TransitionGuard = (request: TransitionRequest) => string | null;

/** A parked order resumes (operator retry) exactly where it stopped, never further along. */
const refuseResumingElsewhereThanParked: TransitionGuard = ({ from, to, parkedFrom }) =>
  from === 'NEEDS_ATTENTION' && to !== 'CANCELLED' && to !== parkedFrom
    ? `a parked order resumes only where it was parked (${parkedFrom ?? 'unknown'})`
    : null;

/** Goods that have left cannot be cancelled, parked or not. */
const refuseCancellingParkedShippedOrder: TransitionGuard = ({ from, to, parkedFrom }) =>
  from === 'NEEDS_ATTENTION' && to === 'CANCELLED' && parkedFrom === 'SHIPPED'
    ? 'an order parked after shipping cannot be cancelled'
    : null;

const TRANSITION_GUARDS: readonly TransitionGuard[] = [
  refuseResumingElsewhereThanParked,
  refuseCancellingParkedShippedOrder,
];

/** Why from -> to is refused, or null when it is legal. */
export function transitionRefusal(from: OrderStatus, to: OrderStatus, parkedFrom?: OrderStatus | null): string | null {
  if (!isOrderStatus(from) || !isOrderStatus(to)) return 'unknown order status';
  if (!TRANSITIONS[from].includes(to)) return 'not an allowed move';
  const request: TransitionRequest = { from, to, parkedFrom: parkedFrom ?? null };
  for (const guard of TRANSITION_GUARDS) {
    const reason = guard(request);
    if (reason !== null) return reason;
  }
  return null;
}

export function canTransition(from: OrderStatus, to: OrderStatus, parkedFrom?: OrderStatus | null): boolean {
  return transitionRefusal(from, to, parkedFrom) === null;
}

export class IllegalTransitionError extends Error {
  readonly code = 'illegal_transition';
  override readonly name = 'IllegalTransitionError';

  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
    readonly reason: string,
  ) {
    super(`illegal order transition ${from} -> ${to}: ${reason}`);
  }
}

export function assertTransition(from: OrderStatus, to: OrderStatus, parkedFrom?: OrderStatus | null): void {
  const reason = transitionRefusal(from, to, parkedFrom);
  if (reason !== null) throw new IllegalTransitionError(from, to, reason);
}

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Whether cancel may be accepted now: the table's answer for a move to CANCELLED. */
export function isCancellable(status: OrderStatus, parkedFrom?: OrderStatus | null): boolean {
  return canTransition(status, 'CANCELLED', parkedFrom);
}

/**
 * Why a legacy N order (no payment taken) is NEEDS_ATTENTION: with no payment token there is
 * nothing to retry, so an operator can only cancel it (or leave it to the auto-cancel).
 */
export const LEGACY_WITHOUT_PAYMENT_REASON = 'legacy order without payment';

/** The statuses a migrated legacy order is adopted at by an order workflow (legacy P, S and N). */
export type AdoptedStatus = Extract<OrderStatus, 'PROCESSING' | 'SHIPPED' | 'NEEDS_ATTENTION'>;
