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
  /** The longest the dispatcher waits before looking again; it wakes sooner for a due time it knows of. */
  pollMs?: number;
  /** This process's bookings: the dispatcher wakes when each falls due instead of polling for it. */
  dueSignal?: CarrierDueSignal;
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

/** Tells a running dispatcher that a shipment falls due in `inMs` (the simulator booked one). */
export class CarrierDueSignal {
  private readonly listeners: ((inMs: number) => void)[] = [];

  listen(listener: (inMs: number) => void): void {
    this.listeners.push(listener);
  }

  due(inMs: number): void {
    for (const listener of this.listeners) listener(inMs);
  }
}

/** Milliseconds until the next shipment falls due (0 or less: due now), null when none waits. */
export async function msUntilNextCarrierEvent(dataSource: DataSource): Promise<number | null> {
  const [row]: { ms: number | null }[] = await dataSource.query(
    `SELECT (EXTRACT(EPOCH FROM (min(due) - now())) * 1000)::float8 AS ms
       FROM (SELECT min(ship_due_at) AS due FROM sim_carrier_shipments WHERE status = 'BOOKED'
             UNION ALL SELECT min(deliver_due_at) FROM sim_carrier_shipments WHERE status = 'SHIPPED') d`,
  );
  return row.ms;
}

/** A due shipment another dispatcher holds, or a failed pass: looked at again this soon. */
const RECHECK_MS = 250;

/**
 * Runs passes until the returned stop function is awaited: at once after a full batch, else when
 * the next shipment falls due (from the database, or `dueSignal` for bookings made since), at most
 * `pollMs` (default 200) later. An idle simulator costs a pass every `pollMs`, not every 250 ms.
 */
export function startCarrierDispatcher(options: CarrierDispatcherOptions): () => Promise<void> {
  const pollMs = options.pollMs ?? 200;
  const batchSize = options.batchSize ?? 50;
  let stopped = false;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let wakeAt = 0;
  let nudgedAt = Infinity;
  let pass: Promise<void> = Promise.resolve();

  const arm = (ms: number) => {
    clearTimeout(timer);
    wakeAt = Date.now() + ms;
    timer = setTimeout(schedule, ms);
  };
  const runPass = async () => {
    running = true;
    nudgedAt = Infinity;
    let wait = Math.min(pollMs, RECHECK_MS);
    try {
      // A full batch means more are probably due: go again at once.
      if ((await dispatchDueCarrierEvents({ ...options, batchSize })) < batchSize) {
        const next = await msUntilNextCarrierEvent(options.dataSource);
        wait = next === null ? pollMs : next <= 0 ? Math.min(pollMs, RECHECK_MS) : Math.min(Math.ceil(next), pollMs);
      } else wait = 0;
    } catch (err) {
      options.onError?.(err);
    }
    running = false;
    if (!stopped) arm(Math.max(0, Math.min(wait, nudgedAt - Date.now())));
  };
  const schedule = () => {
    pass = runPass();
  };
  options.dueSignal?.listen((inMs) => {
    const at = Date.now() + inMs;
    if (stopped) return;
    if (running) nudgedAt = Math.min(nudgedAt, at);
    else if (at < wakeAt) arm(inMs);
  });
  schedule();

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await pass;
  };
}
