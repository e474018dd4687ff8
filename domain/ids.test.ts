import {
  MIGRATION_TASK_QUEUE,
  ORDERS_TASK_QUEUE,
  orderIdFromWorkflowId,
  orderWorkflowId,
  stepIdempotencyKey,
} from './ids';

describe('task queues', () => {
  it('are orders and migration', () => {
    expect(ORDERS_TASK_QUEUE).toBe('orders');
    expect(MIGRATION_TASK_QUEUE).toBe('migration');
  });
});

describe('order workflow ids', () => {
  const orderId = '0b5f3c1e-7d7e-5a8b-9c1d-2e3f4a5b6c7d';

  it('are order-<orderId>', () => {
    expect(orderWorkflowId(orderId)).toBe(`order-${orderId}`);
  });

  it('give back the order id', () => {
    expect(orderIdFromWorkflowId(orderWorkflowId(orderId))).toBe(orderId);
    expect(orderIdFromWorkflowId('order-order-1')).toBe('order-1');
  });

  it.each(['', 'order-', 'migration-1', 'Order-1', ' order-1'])('refuses %p as an order workflow id', (wid) => {
    expect(() => orderIdFromWorkflowId(wid)).toThrow(RangeError);
  });

  it('refuses an empty order id', () => {
    expect(() => orderWorkflowId('')).toThrow(RangeError);
  });
});

describe('stepIdempotencyKey', () => {
  it('is <workflowId>:<step>', () => {
    expect(stepIdempotencyKey('order-42', 'authorize')).toBe('order-42:authorize');
  });

  it('appends the revision for steps repeated per revision', () => {
    expect(stepIdempotencyKey('order-42', 'invoice', 2)).toBe('order-42:invoice:2');
    expect(stepIdempotencyKey('order-42', 'invoice', 0)).toBe('order-42:invoice:0');
  });

  it('gives different keys to different revisions and steps', () => {
    const keys = [
      stepIdempotencyKey('order-42', 'invoice'),
      stepIdempotencyKey('order-42', 'invoice', 1),
      stepIdempotencyKey('order-42', 'invoice', 2),
      stepIdempotencyKey('order-42', 'reserve'),
      stepIdempotencyKey('order-43', 'invoice'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(['', 'invoice:2', 'void invoice'])('refuses step %p, which could collide with another key', (step) => {
    expect(() => stepIdempotencyKey('order-42', step)).toThrow(RangeError);
  });

  it.each([-1, 1.5, NaN])('refuses revision %p', (revision) => {
    expect(() => stepIdempotencyKey('order-42', 'invoice', revision)).toThrow(RangeError);
  });
});
