// The simulated carrier's outbound side: a small loop that finds shipments whose "shipped" or
// "delivered" moment has come and hands each event to `deliver` (the worker signals the order
// workflow with it). An event is marked sent only after `deliver` succeeded, so a crash or a
// failed delivery means it is delivered again later: at least once, which the workflow absorbs.
import type { DataSource, EntityManager } from 'typeorm';

export interface CarrierDispatchEvent {
  orderId: string;
  carrierShipmentId: string;
  trackingNumber: string;
  kind: 'shipped' | 'delivered';
  /** ISO timestamp of the carrier's scan. */
  at: string;
}

export interface CarrierDispatcherOptions {
  dataSource: DataSource;
  deliver: (event: CarrierDispatchEvent) => Promise<void>;
  pollMs?: number;
  batchSize?: number;
  /** How long a failed delivery waits before the next attempt. */
  retryAfterMs?: number;
  onError?: (err: unknown, event?: CarrierDispatchEvent) => void;
}

interface DueShipment {
  shipment_id: string;
  order_id: string;
  tracking_number: string;
  status: 'BOOKED' | 'SHIPPED';
  deliver_after_ms: number | null;
}

/** What one pass achieved for one shipment. */
interface Progress {
  shipment: DueShipment;
  shipped: boolean;
  delivered: boolean;
  /** A delivery failed: the event is due again after retryAfterMs. */
  failed: boolean;
}

/**
 * One pass: claims up to `batchSize` due shipments (FOR UPDATE SKIP LOCKED, so several workers
 * share the work), delivers their events concurrently, then records what was delivered.
 * Returns how many shipments it handled.
 */
export async function dispatchDueCarrierEvents(options: CarrierDispatcherOptions): Promise<number> {
  const { dataSource, batchSize = 50 } = options;
  return dataSource.transaction(async (tx) => {
    const due: DueShipment[] = await tx.query(
      `SELECT shipment_id, order_id, tracking_number, status, deliver_after_ms
         FROM sim_carrier_shipments
        WHERE (status = 'BOOKED' AND ship_due_at <= now()) OR (status = 'SHIPPED' AND deliver_due_at <= now())
        ORDER BY created_at
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    const progress = await Promise.all(due.map((shipment) => deliverDue(shipment, options)));
    // One connection runs one query at a time: the updates go one after another.
    for (const step of progress) await recordProgress(tx, step, options.retryAfterMs ?? 5000);
    return due.length;
  });
}

async function deliverDue(shipment: DueShipment, options: CarrierDispatcherOptions): Promise<Progress> {
  const progress: Progress = { shipment, shipped: false, delivered: false, failed: false };
  const send = async (kind: CarrierDispatchEvent['kind']) => {
    const event: CarrierDispatchEvent = {
      orderId: shipment.order_id,
      carrierShipmentId: shipment.shipment_id,
      trackingNumber: shipment.tracking_number,
      kind,
      at: new Date().toISOString(),
    };
    try {
      await options.deliver(event);
      return true;
    } catch (err) {
      options.onError?.(err, event);
      progress.failed = true;
      return false;
    }
  };
  if (shipment.status === 'BOOKED') {
    progress.shipped = await send('shipped');
    // A zero delay (benchmarks) delivers in the same pass instead of waiting for the next poll.
    if (!progress.shipped || shipment.deliver_after_ms !== 0) return progress;
  }
  progress.delivered = await send('delivered');
  return progress;
}

async function recordProgress(tx: EntityManager, { shipment, shipped, delivered, failed }: Progress, retryAfterMs: number): Promise<void> {
  const id = shipment.shipment_id;
  if (delivered) {
    await tx.query(
      `UPDATE sim_carrier_shipments
          SET status = 'DELIVERED', shipped_at = COALESCE(shipped_at, now()), delivered_at = now(), updated_at = now()
        WHERE shipment_id = $1`,
      [id],
    );
  } else if (shipped) {
    await tx.query(
      `UPDATE sim_carrier_shipments
          SET status = 'SHIPPED', shipped_at = now(), updated_at = now(),
              deliver_due_at = clock_timestamp() + $2::integer * interval '1 millisecond'
        WHERE shipment_id = $1`,
      [id, failed ? retryAfterMs : shipment.deliver_after_ms],
    );
  } else if (failed) {
    const due = shipment.status === 'BOOKED' ? 'ship_due_at' : 'deliver_due_at';
    await tx.query(`UPDATE sim_carrier_shipments SET ${due} = clock_timestamp() + $2::integer * interval '1 millisecond' WHERE shipment_id = $1`, [
      id,
      retryAfterMs,
    ]);
  }
}

/** Polls every `pollMs` (default 200) until the returned stop function is awaited. */
export function startCarrierDispatcher(options: CarrierDispatcherOptions): () => Promise<void> {
  const pollMs = options.pollMs ?? 200;
  const batchSize = options.batchSize ?? 50;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();

  const runPass = async () => {
    let handled = 0;
    try {
      handled = await dispatchDueCarrierEvents({ ...options, batchSize });
    } catch (err) {
      options.onError?.(err);
    }
    // A full batch means more are probably due: go again at once.
    if (!stopped) timer = setTimeout(schedule, handled >= batchSize ? 0 : pollMs);
  };
  const schedule = () => {
    pass = runPass();
  };
  schedule();

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await pass;
  };
}
