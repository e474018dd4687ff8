// The one way activities change an order: lock it, apply the effect and the projection change,
// append the event that explains it, commit, then publish. Taking the lock first serialises every
// activity of one order (so checks for "already done" are exact) and keeps order_events' sequence
// gapless: seq = event_seq + 1 under the lock.
import { ApplicationFailure } from '@temporalio/activity';
import { v5 as uuidv5, validate as isUuid } from 'uuid';
import type { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Logger } from 'pino';
import type { OrderEventType } from '../domain/events';
import type { OrderLine } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import { type RowOf, batchColumns } from '../entities/batch-columns';
import { Order } from '../entities/order';
import { currentRequestContext } from '../runtime/logger';
import type { CarrierAdapter, PaymentAdapter } from './adapters/types';
import type { AppendedEvent, EventPublisher } from './events-publisher';

/** What every activity module is built from (see createOrderActivities). */
export interface ActivityContext {
  dataSource: DataSource;
  publisher: EventPublisher;
  payment: PaymentAdapter;
  carrier: CarrierAdapter;
  logger: Logger;
}

const ORDERSAGA_NAMESPACE = '4f1d2c9e-7b3a-5e8d-9c61-2a0b7e4d3f15';

/** Ids of rows an activity creates derive from its idempotency key: a retry makes the same id. */
export function recordId(name: string): string {
  return uuidv5(name, ORDERSAGA_NAMESPACE);
}

/** The columns of order_lines, for writing an order's lines in one statement. */
export const ORDER_LINE_COLUMNS = batchColumns({
  order_id: 'uuid',
  line_no: 'int',
  sku: 'varchar',
  quantity: 'int',
  unit_price: 'bigint',
  unit_price_decimal: 'numeric',
  discount_pct: 'numeric',
  amount: 'bigint',
});

/** An order's lines as order_lines rows, numbered from 1. */
export function orderLineRows(orderId: string, lines: readonly OrderLine[]): RowOf<typeof ORDER_LINE_COLUMNS>[] {
  return lines.map((l, i) => ({
    order_id: orderId,
    line_no: i + 1,
    sku: l.sku,
    quantity: l.quantity,
    unit_price: l.unitPrice,
    unit_price_decimal: l.unitPriceDecimal,
    discount_pct: l.discountPct ?? '0',
    amount: l.amount,
  }));
}

/** Replaces an order's lines; `alongside`, when given, is one more write in the same statement (a CTE). */
const replaceLinesSql = (alongside?: string) => `
  WITH ${alongside ? `alongside AS (${alongside}), ` : ''}dropped AS (DELETE FROM order_lines WHERE order_id = $1 AND line_no > $2)
  INSERT INTO order_lines (${ORDER_LINE_COLUMNS.names}) SELECT * FROM ${ORDER_LINE_COLUMNS.unnest('l', 3)}
  ON CONFLICT (order_id, line_no) DO UPDATE SET
    sku = EXCLUDED.sku, quantity = EXCLUDED.quantity, unit_price = EXCLUDED.unit_price,
    unit_price_decimal = EXCLUDED.unit_price_decimal, discount_pct = EXCLUDED.discount_pct, amount = EXCLUDED.amount`;

/** `$from, $from+1, ...`: `count` numbered parameters. */
export function placeholders(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');
}

/** What the activities need to know of the order they locked. */
export interface LockedOrder {
  id: string;
  status: OrderStatus;
  eventSeq: number;
}

// Round trips to PostgreSQL are most of an activity's cost, so each write here is one statement.
// `UPDATE ... RETURNING` is wrapped in a CTE throughout this code because TypeORM's query()
// answers a bare UPDATE with [rows, rowCount] instead of the rows.
export class OrderTransaction {
  readonly appended: AppendedEvent[] = [];

  constructor(
    readonly manager: EntityManager,
    readonly order: LockedOrder,
  ) {}

  /**
   * The seq of the event already appended under `dedupeKey`, or null. A statement of its own,
   * after the lock: folded into the locking SELECT it would read the snapshot taken before the
   * lock wait and miss the event of a concurrent attempt that just committed.
   */
  async seqOf(dedupeKey: string): Promise<number | null> {
    const rows: { seq: number }[] = await this.manager.query(
      'SELECT seq FROM order_events WHERE order_id = $1 AND dedupe_key = $2',
      [this.order.id, dedupeKey],
    );
    return rows[0]?.seq ?? null;
  }

  /** The sequence number the next appended event will get (for keys of state-checked events). */
  get nextSeq(): number {
    return this.order.eventSeq + 1;
  }

  /**
   * Makes the projection's lines exactly `lines`, numbered from 1 in the given order, in one
   * statement; `alongside` adds a write of its own to that statement (a CTE named `alongside`, its
   * parameters numbered after the lines'), so a step that writes a row and the lines pays one round
   * trip.
   */
  async replaceLines(lines: OrderLine[], alongside?: { sql: (firstParam: number) => string; params: unknown[] }): Promise<void> {
    const params: unknown[] = [this.order.id, lines.length, ...ORDER_LINE_COLUMNS.arrays(orderLineRows(this.order.id, lines))];
    await this.manager.query(replaceLinesSql(alongside?.sql(params.length + 1)), [...params, ...(alongside?.params ?? [])]);
  }

  /**
   * Appends an event and makes the projection change it explains (`changes` to the orders row),
   * in one statement: the row's event_seq goes up by one and the event takes that seq. The event
   * records its actor: the API client and request this activity runs for (the request context the
   * worker's activity interceptor sets from the Temporal header), or none for the system.
   */
  async append(
    type: OrderEventType,
    dedupeKey: string,
    data: Record<string, unknown> = {},
    changes: QueryDeepPartialEntity<Order> = {},
  ): Promise<AppendedEvent> {
    const [bump, bumpParams] = this.manager
      .createQueryBuilder()
      .update(Order)
      .set({ ...changes, eventSeq: () => 'event_seq + 1' })
      .where('id = :id', { id: this.order.id })
      .returning('event_seq')
      .getQueryAndParameters();
    const p = bumpParams.length;
    const cause = currentRequestContext();
    const actor = cause?.clientId ?? null;
    const [{ seq, occurred_at: occurredAt }]: { seq: number; occurred_at: Date }[] = await this.manager.query(
      `WITH bumped AS (${bump})
       INSERT INTO order_events (order_id, seq, type, dedupe_key, data, actor_client_id, request_id)
       SELECT $${p + 1}, event_seq, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6} FROM bumped
       RETURNING seq, occurred_at`,
      [...bumpParams, this.order.id, type, dedupeKey, data, actor, actor === null ? null : cause!.requestId],
    );
    this.order.eventSeq = seq;
    if (typeof changes.status === 'string') this.order.status = changes.status as OrderStatus;
    const event = { orderId: this.order.id, seq, type, data, occurredAt: occurredAt.toISOString() };
    this.appended.push(event);
    return event;
  }
}

export function orderNotFound(orderId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`order ${orderId} has no projection (placeOrder must run first)`, 'OrderNotFound');
}

/**
 * Orders' advisory locks: the first of the two keys, the second a hash of the order id (two orders
 * that hash alike only take turns).
 */
const ORDER_LOCK_CLASS = 7_233_501;

/**
 * The order's advisory lock, then its row lock, in one statement (the first of the transaction).
 * The row lock alone would serialise the appends but not keep the feed in seq order: PostgreSQL
 * may give a transaction waiting for a row lock its xid while it waits, so the next event of the
 * order could get a smaller xid than the one it waited for, and the feed (ordered by xid) would
 * hand out seq n+1 before n. Waiting for an advisory lock takes no xid: the transaction gets one
 * only once it holds the order, after every earlier append has committed. The row lock still
 * serialises against writers of the row that do not append. (A stale snapshot is no risk: the row
 * lock reads the row's latest version.)
 */
const LOCK_ORDER_SQL = `
  WITH order_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(${ORDER_LOCK_CLASS}, hashtext($2::text)))
  SELECT o.id, o.status, o.event_seq AS "eventSeq" FROM order_lock, orders o WHERE o.id = $1 FOR NO KEY UPDATE OF o`;

/**
 * Runs `work` in one transaction holding the order's lock, then publishes what it appended.
 * A missing order fails with OrderNotFound unless `ifMissing` says what to return instead.
 */
export async function withLockedOrder<T>(
  ctx: ActivityContext,
  orderId: string,
  work: (tx: OrderTransaction) => Promise<T>,
  ifMissing?: () => T,
): Promise<T> {
  if (!isUuid(orderId)) {
    if (ifMissing) return ifMissing();
    throw orderNotFound(orderId);
  }
  let appended: AppendedEvent[] = [];
  const result = await ctx.dataSource.transaction(async (manager) => {
    const rows: LockedOrder[] = await manager.query(LOCK_ORDER_SQL, [orderId, orderId]); // $1 a uuid, $2 the same as text
    if (rows.length === 0) {
      if (ifMissing) return ifMissing();
      throw orderNotFound(orderId);
    }
    const tx = new OrderTransaction(manager, rows[0]);
    const value = await work(tx);
    appended = tx.appended;
    return value;
  });
  await ctx.publisher.publish(appended);
  return result;
}

/** Runs `work` in a transaction and publishes the events of `tx` after commit (placeOrder). */
export async function publishAfterCommit<T>(ctx: ActivityContext, work: (manager: EntityManager) => Promise<{ value: T; appended: AppendedEvent[] }>): Promise<T> {
  const { value, appended } = await ctx.dataSource.transaction(work);
  await ctx.publisher.publish(appended);
  return value;
}
