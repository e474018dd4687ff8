// Order events written as the activities write them (withLockedOrder: lock, append, commit), on
// orders put straight into the projection: feed and webhook tests need events of a storefront of
// their own, many and fast, not whole sagas (and so does bench/webhooks.ts).
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { PaymentSimulator } from '../../activities/adapters/payment-simulator';
import { CarrierSimulator } from '../../activities/adapters/carrier-simulator';
import { EventPublisher } from '../../activities/events-publisher';
import { type ActivityContext, type OrderTransaction, withLockedOrder } from '../../activities/order-events';

export function activityContext(dataSource: DataSource): ActivityContext {
  const logger = pino({ level: 'silent' });
  return {
    dataSource,
    publisher: new EventPublisher(null, logger),
    payment: new PaymentSimulator({ dataSource }),
    carrier: new CarrierSimulator({ dataSource, shipAfterMs: null, deliverAfterMs: null }),
    logger,
  };
}

/** Runs `work` on the order's locked row in one transaction, as an activity does. */
export function onLockedOrder<T>(dataSource: DataSource, orderId: string, work: (tx: OrderTransaction) => Promise<T>): Promise<T> {
  return withLockedOrder(activityContext(dataSource), orderId, work);
}

/** Orders of `storefront` written straight into the projection, each with its order.created event at seq 1. */
export async function ordersOf(dataSource: DataSource, storefront: string, count: number): Promise<string[]> {
  // Not support/db's createCustomer: bench/webhooks.ts uses this file, and that one needs jest.
  const customerId = randomUUID();
  await dataSource.query('INSERT INTO customers (id, storefront, name, email, active) VALUES ($1, $2, $3, $4, true)', [customerId, storefront, 'Buyer', `${customerId}@example.test`]);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO orders (id, storefront, customer_id, status, currency, shipping_address, subtotal, discount, shipping, tax, total, event_seq)
       VALUES ($1, $2, $3, 'PENDING', 'USD', '{}', 0, 0, 0, 0, 0, 0)`,
      [id, storefront, customerId],
    );
    await onLockedOrder(dataSource, id, (tx) => tx.append('order.created', 'order.created'));
    ids.push(id);
  }
  return ids;
}
