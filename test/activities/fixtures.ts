// Shared set-up for the activity tests: real PostgreSQL (and Redis where a test says so), the
// simulators as providers, activities called directly as plain functions (no worker needed).
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { orderWorkflowId, stepIdempotencyKey } from '../../domain/ids';
import type { CreateOrderInput, OrderLineInput, ShippingAddress } from '../../domain/order';
import type { Tier } from '../../domain/pricing';
import { CarrierSimulator } from '../../activities/adapters/carrier-simulator';
import { PaymentSimulator } from '../../activities/adapters/payment-simulator';
import type { OrderActivities } from '../../activities/contract';
import { createOrderActivities } from '../../activities';
import { createCustomer, createProduct, openTestDataSource } from '../support/db';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16380';

/** A connected client set up as the worker's: no offline queue, so an outage fails fast. */
export async function openRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  return redis;
}

export const silentLogger: Logger = pino({ level: 'silent' });

export interface Kit {
  dataSource: DataSource;
  activities: OrderActivities;
  payment: PaymentSimulator;
  carrier: CarrierSimulator;
  /** Calls that reached each provider, by method: a retry answered from PostgreSQL adds none. */
  providerCalls: Record<string, number>;
}

/** Counts the calls of every method of `target` into `calls`. */
function counted<T extends object>(target: T, calls: Record<string, number>): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

export function buildKit(
  dataSource: DataSource,
  opts: { redis?: Redis | null; logger?: Logger; shipAfterMs?: number | null; deliverAfterMs?: number | null } = {},
): Kit {
  const payment = new PaymentSimulator({ dataSource });
  // Manual carrier by default: shipments of this file are never due for a dispatcher elsewhere.
  const carrier = new CarrierSimulator({ dataSource, shipAfterMs: opts.shipAfterMs ?? null, deliverAfterMs: opts.deliverAfterMs ?? null });
  const providerCalls: Record<string, number> = {};
  const activities = createOrderActivities({
    dataSource,
    redis: opts.redis ?? null,
    payment: counted(payment, providerCalls),
    carrier: counted(carrier, providerCalls),
    logger: opts.logger ?? silentLogger,
  });
  return { dataSource, activities, payment, carrier, providerCalls };
}

/**
 * The kit's activities, except that `method` of the payment or carrier adapter dies right after
 * the provider answered: the provider did the work, the activity never records it (as when the
 * worker is killed between the provider call and the record).
 */
export function dyingAfterProvider(kit: Kit, provider: 'payment' | 'carrier', method: string): OrderActivities {
  const dying = <T extends object>(adapter: T): T =>
    new Proxy(adapter, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== method || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw new Error(`the worker died after ${provider}.${method} answered`);
        };
      },
    });
  return createOrderActivities({
    dataSource: kit.dataSource,
    redis: null,
    payment: provider === 'payment' ? dying(kit.payment) : kit.payment,
    carrier: provider === 'carrier' ? dying(kit.carrier) : kit.carrier,
    logger: silentLogger,
  });
}

export async function openKit(opts: Parameters<typeof buildKit>[1] & { schema?: string } = {}): Promise<Kit> {
  return buildKit(await openTestDataSource({ schema: opts.schema }), opts);
}

export const address = (country = 'US'): ShippingAddress => ({
  name: 'Ada Lovelace',
  line1: '1 Main St',
  city: 'Austin',
  postalCode: '78701',
  country,
});

export function orderInput(customerId: string, lines: OrderLineInput[], overrides: Partial<CreateOrderInput> = {}): CreateOrderInput {
  return {
    orderId: randomUUID(),
    customerId,
    lines,
    shippingAddress: address(),
    payment: { token: 'tok_ok' },
    ...overrides,
  };
}

export const PLACED_AT = '2026-11-26T10:00:00.000Z';

/** A customer, products with stock, and an accepted order of `quantities` (one SKU each). */
export async function placedOrder(
  kit: Kit,
  opts: { quantities?: number[]; onHand?: number; tier?: Tier | null; country?: string; unitPriceDecimal?: string } = {},
) {
  const customerId = await createCustomer(kit.dataSource, { tier: opts.tier ?? null });
  const quantities = opts.quantities ?? [2];
  const skus: string[] = [];
  for (let i = 0; i < quantities.length; i++) {
    skus.push(await createProduct(kit.dataSource, { onHand: opts.onHand ?? 100, unitPriceDecimal: opts.unitPriceDecimal ?? '10.0000' }));
  }
  const lines = skus.map((sku, i) => ({ sku, quantity: quantities[i] }));
  const order = orderInput(customerId, lines, { shippingAddress: address(opts.country ?? 'US') });
  const placement = await kit.activities.placeOrder({ order, placedAt: PLACED_AT });
  if (!placement.accepted) throw new Error(`fixture order rejected: ${placement.reason}`);
  return { orderId: order.orderId, order, customerId, skus, lines, placement };
}

export const keyFor = (orderId: string, step: string) => stepIdempotencyKey(orderWorkflowId(orderId), step);

export async function eventsOf(dataSource: DataSource, orderId: string): Promise<{ seq: number; type: string; dedupeKey: string; data: Record<string, unknown> }[]> {
  return dataSource.query(
    'SELECT seq, type, dedupe_key AS "dedupeKey", data FROM order_events WHERE order_id = $1 ORDER BY seq',
    [orderId],
  );
}

export async function orderRow(dataSource: DataSource, orderId: string) {
  const [row]: Record<string, unknown>[] = await dataSource.query('SELECT * FROM orders WHERE id = $1', [orderId]);
  return row;
}

/**
 * Everything an order's activities can touch, timestamps included: comparing two snapshots
 * proves a repeated call changed nothing at all (not even updated_at).
 */
export async function orderSnapshot(dataSource: DataSource, orderId: string, skus: string[]) {
  const q = (sql: string, params: unknown[] = [orderId]) => dataSource.query(sql, params);
  return {
    order: await q('SELECT * FROM orders WHERE id = $1'),
    lines: await q('SELECT * FROM order_lines WHERE order_id = $1 ORDER BY line_no'),
    events: await q('SELECT * FROM order_events WHERE order_id = $1 ORDER BY seq'),
    reservations: await q('SELECT * FROM inventory_reservations WHERE order_id = $1 ORDER BY sku'),
    invoices: await q('SELECT * FROM invoices WHERE order_id = $1 ORDER BY revision'),
    payments: await q('SELECT * FROM payments WHERE order_id = $1'),
    shipments: await q('SELECT * FROM shipments WHERE order_id = $1 ORDER BY created_at'),
    products: await q('SELECT * FROM products WHERE sku = ANY($1::varchar[]) ORDER BY sku', [skus]),
    movements: await q('SELECT * FROM stock_movements WHERE sku = ANY($1::varchar[]) ORDER BY id', [skus]),
    providerPayments: await q('SELECT * FROM sim_payment_operations WHERE idempotency_key LIKE $1 ORDER BY idempotency_key', [
      `${orderWorkflowId(orderId)}:%`,
    ]),
    providerShipments: await q('SELECT * FROM sim_carrier_shipments WHERE order_id = $1 ORDER BY created_at'),
  };
}

/** The ApplicationFailure an activity threw (type, nonRetryable, details), for assertions. */
export async function failureOf(promise: Promise<unknown>): Promise<{ type?: string; nonRetryable?: boolean; details?: unknown[]; message: string; name: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { type?: string; nonRetryable?: boolean; details?: unknown[]; message: string; name: string };
  }
  throw new Error('expected the activity to fail');
}
