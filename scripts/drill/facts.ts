// What the invariants are checked against, read once after the orders settled: the projection,
// the stock per product, the order workflows in Temporal, and what the drill itself recorded
// (its orders, every HTTP answer, the fault windows, the processes' crashes) and what the webhook
// receiver got.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { ORDER_WORKFLOW_TYPE, OrderSearchAttributes } from '../../workflows/order-definitions';
import type { FaultWindow } from './faults';
import type { Answer } from './http';
import type { Catalogue } from './catalogue';
import type { DrillOrder } from './load';
import type { OrderRow } from './settle';
import type { ReceivedDelivery } from './webhooks';

export interface StockRow {
  sku: string;
  on_hand: number;
  reserved: number;
  ledger: number;
  received: number;
  shipped_ledger: number;
  /** Returned units put back on hand ('return' movements). */
  restocked: number;
  other_moves: number;
  held: number;
  shipped_res: number;
}

export interface Execution {
  workflowId: string;
  runId: string;
  status: string;
  orderStatus: string | undefined;
}

export interface DrillRecord {
  orders: DrillOrder[];
  catalogue: Catalogue;
  answers: Answer[];
  windows: FaultWindow[];
  /** Exits of the worker and the API the drill did not cause. */
  crashes: string[];
  /** When the drill started (Date.now()). */
  startedAt: number;
  /** What the webhook receiver verified, in arrival order. */
  deliveries: ReceivedDelivery[];
}

export interface DrillFacts extends DrillRecord {
  query<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
  temporal: Client;
  /** Orders that got a 202, and their ids. */
  accepted: DrillOrder[];
  ids: string[];
  /** Every order row, by id. */
  projection: Map<string, OrderRow>;
  /** The DRILL-* products with their ledger, reservations and shipments. */
  stock: StockRow[];
  /** Every run of the order workflow type. */
  executions: Execution[];
  /** The events of the accepted orders: their webhook-ids (`<orderId>:<seq>`). */
  eventIds: string[];
}

export async function gatherFacts(db: Pool, temporal: Client, record: DrillRecord): Promise<DrillFacts> {
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows;
  const accepted = record.orders.filter((o) => o.orderId !== null);
  const projection = new Map((await query<OrderRow>('SELECT id, status, status_reason, parked_from FROM orders')).map((r) => [r.id, r]));
  const stock = await query<StockRow>(
    `SELECT p.sku, p.on_hand, p.reserved,
            COALESCE((SELECT sum(delta) FROM stock_movements m WHERE m.sku = p.sku), 0)::int AS ledger,
            COALESCE((SELECT sum(delta) FROM stock_movements m WHERE m.sku = p.sku AND m.reason = 'receive'), 0)::int AS received,
            COALESCE((SELECT -sum(delta) FROM stock_movements m WHERE m.sku = p.sku AND m.reason = 'ship'), 0)::int AS shipped_ledger,
            COALESCE((SELECT sum(delta) FROM stock_movements m WHERE m.sku = p.sku AND m.reason = 'return'), 0)::int AS restocked,
            COALESCE((SELECT count(*) FROM stock_movements m WHERE m.sku = p.sku AND m.reason NOT IN ('receive','ship','return')), 0)::int AS other_moves,
            COALESCE((SELECT sum(quantity) FROM inventory_reservations r WHERE r.sku = p.sku AND r.status = 'HELD'), 0)::int AS held,
            COALESCE((SELECT sum(quantity) FROM inventory_reservations r WHERE r.sku = p.sku AND r.status = 'SHIPPED'), 0)::int AS shipped_res
       FROM products p WHERE p.sku LIKE 'DRILL-%' ORDER BY p.sku`,
  );
  const executions: Execution[] = [];
  for await (const wf of temporal.workflow.list({ query: `WorkflowType = '${ORDER_WORKFLOW_TYPE}'` })) {
    executions.push({ workflowId: wf.workflowId, runId: wf.runId, status: wf.status.name, orderStatus: wf.typedSearchAttributes.get(OrderSearchAttributes.status) });
  }
  const ids = accepted.map((o) => o.orderId!);
  const events = await query<{ id: string }>(`SELECT order_id::text || ':' || seq AS id FROM order_events WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, seq`, [ids]);
  return { ...record, query, temporal, accepted, ids, projection, stock, executions, eventIds: events.map((e) => e.id) };
}
