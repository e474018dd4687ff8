import {
  IllegalTransitionError,
  ORDER_STATUSES,
  type OrderStatus,
  TERMINAL_STATUSES,
  TRANSITIONS,
  assertTransition,
  canTransition,
  isCancellable,
  isOrderStatus,
  isTerminal,
  transitionRefusal,
} from './order-status';

// The design's diagram, written out again independently of TRANSITIONS.
const LEGAL = new Set([
  'PENDING -> PROCESSING',
  'PROCESSING -> SHIPPED',
  'SHIPPED -> DELIVERED',
  'PENDING -> CANCELLED',
  'PROCESSING -> CANCELLED',
  'PENDING -> REJECTED',
  'PENDING -> NEEDS_ATTENTION',
  'PROCESSING -> NEEDS_ATTENTION',
  'SHIPPED -> NEEDS_ATTENTION',
  'NEEDS_ATTENTION -> PENDING',
  'NEEDS_ATTENTION -> PROCESSING',
  'NEEDS_ATTENTION -> SHIPPED',
  'NEEDS_ATTENTION -> CANCELLED',
]);

const ALL_PAIRS = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const));

/** For moves out of NEEDS_ATTENTION, the parked-from status that makes a resume legal. */
function parkedFromFor(from: OrderStatus, to: OrderStatus): OrderStatus | null {
  if (from !== 'NEEDS_ATTENTION') return null;
  return to === 'PENDING' || to === 'PROCESSING' || to === 'SHIPPED' ? to : 'PENDING';
}

describe('the transition table', () => {
  it('covers all 49 pairs of the 7 statuses', () => {
    expect(ALL_PAIRS).toHaveLength(49);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it.each(ALL_PAIRS.map(([from, to]) => [from, to, LEGAL.has(`${from} -> ${to}`) ? 'allowed' : 'refused'] as const))(
    '%s -> %s is %s',
    (from, to, verdict) => {
      const parkedFrom = parkedFromFor(from, to);
      expect(canTransition(from, to, parkedFrom)).toBe(verdict === 'allowed');
      if (verdict === 'allowed') {
        expect(() => assertTransition(from, to, parkedFrom)).not.toThrow();
      } else {
        expect(() => assertTransition(from, to, parkedFrom)).toThrow(IllegalTransitionError);
      }
    },
  );

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(TRANSITIONS.PENDING)).toBe(true);
  });
});

describe('IllegalTransitionError', () => {
  it('carries the code illegal_transition and names both statuses', () => {
    let error: unknown;
    try {
      assertTransition('DELIVERED', 'CANCELLED');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toBeInstanceOf(Error);
    const illegal = error as IllegalTransitionError;
    expect(illegal.code).toBe('illegal_transition');
    expect(illegal.name).toBe('IllegalTransitionError');
    expect(illegal.from).toBe('DELIVERED');
    expect(illegal.to).toBe('CANCELLED');
    expect(illegal.message).toBe('illegal order transition DELIVERED -> CANCELLED: not an allowed move');
  });

  it.each([
    ['SHIPPED', 'PENDING'],
    ['PROCESSING', 'REJECTED'],
    ['PENDING', 'PENDING'],
    ['PENDING', 'DELIVERED'],
    ['CANCELLED', 'PENDING'],
  ] as const)('is thrown for %s -> %s', (from, to) => {
    expect(() => assertTransition(from, to)).toThrow(`illegal order transition ${from} -> ${to}`);
  });
});

describe('NEEDS_ATTENTION guards', () => {
  const parkable = ['PENDING', 'PROCESSING', 'SHIPPED'] as const;

  it.each(parkable.flatMap((parkedFrom) => parkable.map((to) => [parkedFrom, to, parkedFrom === to] as const)))(
    'parked from %s, resuming to %s is allowed: %p',
    (parkedFrom, to, allowed) => {
      expect(canTransition('NEEDS_ATTENTION', to, parkedFrom)).toBe(allowed);
    },
  );

  it('explains a refused resume with where the order was parked', () => {
    expect(() => assertTransition('NEEDS_ATTENTION', 'SHIPPED', 'PENDING')).toThrow(
      'illegal order transition NEEDS_ATTENTION -> SHIPPED: a parked order resumes only where it was parked (PENDING)',
    );
  });

  it('refuses every resume when it is not known where the order was parked', () => {
    for (const to of parkable) {
      expect(canTransition('NEEDS_ATTENTION', to)).toBe(false);
      expect(canTransition('NEEDS_ATTENTION', to, null)).toBe(false);
    }
  });

  it('allows cancelling an order parked from PENDING or PROCESSING', () => {
    expect(canTransition('NEEDS_ATTENTION', 'CANCELLED', 'PENDING')).toBe(true);
    expect(canTransition('NEEDS_ATTENTION', 'CANCELLED', 'PROCESSING')).toBe(true);
  });

  it('refuses cancelling an order parked from SHIPPED', () => {
    expect(canTransition('NEEDS_ATTENTION', 'CANCELLED', 'SHIPPED')).toBe(false);
    expect(transitionRefusal('NEEDS_ATTENTION', 'CANCELLED', 'SHIPPED')).toBe(
      'an order parked after shipping cannot be cancelled',
    );
  });

  it('allows cancelling a parked order of unknown origin (a legacy order imported parked)', () => {
    expect(canTransition('NEEDS_ATTENTION', 'CANCELLED')).toBe(true);
  });

  it('ignores parkedFrom for orders that are not parked', () => {
    expect(canTransition('PENDING', 'PROCESSING', 'SHIPPED')).toBe(true);
    expect(canTransition('SHIPPED', 'CANCELLED', 'PENDING')).toBe(false);
  });

  it('never moves a parked order to REJECTED, DELIVERED or back to NEEDS_ATTENTION', () => {
    for (const parkedFrom of parkable) {
      expect(canTransition('NEEDS_ATTENTION', 'REJECTED', parkedFrom)).toBe(false);
      expect(canTransition('NEEDS_ATTENTION', 'DELIVERED', parkedFrom)).toBe(false);
      expect(canTransition('NEEDS_ATTENTION', 'NEEDS_ATTENTION', parkedFrom)).toBe(false);
    }
  });
});

describe('terminal statuses', () => {
  it('are DELIVERED, REJECTED and CANCELLED', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['CANCELLED', 'DELIVERED', 'REJECTED']);
  });

  it.each(ORDER_STATUSES.map((s) => [s, ['DELIVERED', 'REJECTED', 'CANCELLED'].includes(s)] as const))(
    'isTerminal(%s) is %p',
    (status, terminal) => {
      expect(isTerminal(status)).toBe(terminal);
    },
  );
});

describe('isCancellable', () => {
  it.each([
    ['PENDING', undefined, true],
    ['PROCESSING', undefined, true],
    ['SHIPPED', undefined, false],
    ['DELIVERED', undefined, false],
    ['REJECTED', undefined, false],
    ['CANCELLED', undefined, false],
    ['NEEDS_ATTENTION', 'PENDING', true],
    ['NEEDS_ATTENTION', 'PROCESSING', true],
    ['NEEDS_ATTENTION', 'SHIPPED', false],
    ['NEEDS_ATTENTION', null, true],
  ] as const)('%s (parked from %p) is cancellable: %p', (status, parkedFrom, cancellable) => {
    expect(isCancellable(status, parkedFrom)).toBe(cancellable);
  });
});

describe('isOrderStatus', () => {
  it('accepts the seven statuses and nothing else', () => {
    for (const status of ORDER_STATUSES) expect(isOrderStatus(status)).toBe(true);
    for (const value of ['pending', 'NEW', '', null, 3, 'constructor']) expect(isOrderStatus(value)).toBe(false);
  });

  it('refuses moves from or to an unknown status instead of crashing', () => {
    expect(canTransition('NEW' as OrderStatus, 'PENDING')).toBe(false);
    expect(transitionRefusal('PENDING', 'constructor' as OrderStatus)).toBe('unknown order status');
  });
});
