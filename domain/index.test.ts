import * as domain from './index';

describe('the domain index', () => {
  it('re-exports the names the other parts code against', () => {
    const names = [
      'CURRENCY', 'parseDecimal', 'formatDecimal', 'roundHalfAwayFromZero', 'centsToDecimal', 'unitPriceFromDecimal', 'assertCents',
      'lineAmount', 'priceOrder', 'TIER_DISCOUNT_PCT', 'TAX_RATE_PCT', 'FREE_SHIPPING_THRESHOLD', 'SHIPPING_US', 'SHIPPING_INTERNATIONAL',
      'ORDER_STATUSES', 'TRANSITIONS', 'canTransition', 'assertTransition', 'IllegalTransitionError', 'TERMINAL_STATUSES', 'isTerminal', 'isCancellable',
      'MAX_LINES', 'MAX_QUANTITY', 'SKU_PATTERN', 'validateLines', 'validateAddress',
      'ORDERS_TASK_QUEUE', 'MIGRATION_TASK_QUEUE', 'orderWorkflowId', 'orderIdFromWorkflowId', 'stepIdempotencyKey',
      'ORDER_EVENT_TYPES', 'BusinessFailure',
    ];
    expect(names.filter((name) => !(name in domain))).toEqual([]);
  });
});

describe('ORDER_EVENT_TYPES', () => {
  it('lists the 26 event types, each once, as <resource>.<verb>', () => {
    expect(domain.ORDER_EVENT_TYPES).toHaveLength(26);
    expect(new Set(domain.ORDER_EVENT_TYPES).size).toBe(26);
    for (const type of domain.ORDER_EVENT_TYPES) expect(type).toMatch(/^[a-z]+\.[a-z_]+$/);
    expect(domain.isOrderEventType('order.created')).toBe(true);
    expect(domain.isOrderEventType('order.cancelled')).toBe(false);
  });
});

describe('BusinessFailure', () => {
  it('names each failure type by itself, so the name is the ApplicationFailure type and the API code', () => {
    for (const [key, value] of Object.entries(domain.BusinessFailure)) expect(value).toBe(key);
    expect(domain.BUSINESS_FAILURE_TYPES).toEqual([
      'OutOfStock', 'PaymentDeclined', 'CustomerInactive', 'UnknownCustomer', 'UnknownSku', 'InvalidOrder',
    ]);
    expect(domain.isBusinessFailureType('PaymentDeclined')).toBe(true);
    expect(domain.isBusinessFailureType('Timeout')).toBe(false);
  });
});
