// A carrier that behaves like a real one: bookings are remembered by idempotency key in
// sim_carrier_shipments (so a restarted worker gets the same shipment back), a parcel that has
// left cannot be cancelled, and the carrier dispatcher (carrier-dispatcher.ts) later reports it
// shipped and delivered after the configured delays; null delays mean "manual": the shipment
// then moves only through the carrier webhook.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ShippingAddress } from '../../domain/order';
import type { CarrierDueSignal } from './carrier-dispatcher';
import { isSimulatorFailing, simulatedLatency } from './sim-switches';
import { type CarrierAdapter, type CarrierBooking, type FoundShipment, ProviderRefusedError, ProviderUnavailableError } from './types';

export const SIMULATED_CARRIER = 'SIMCARRIER';

export interface CarrierSimulatorOptions {
  dataSource: DataSource;
  latencyMs?: number;
  /** Booking to "shipped"; null waits for the webhook. Default 2000. */
  shipAfterMs?: number | null;
  /** Shipped to "delivered"; null waits for the webhook. Default 3000. */
  deliverAfterMs?: number | null;
  /** Told of every booking's ship delay, so this process's dispatcher wakes for it. */
  dueSignal?: CarrierDueSignal;
}

/** CARRIER_SHIP_AFTER_MS / CARRIER_DELIVER_AFTER_MS values: milliseconds, or "manual" (null). */
export function parseCarrierDelay(value: string | undefined, fallback: number | null): number | null {
  if (value === undefined || value.trim() === '') return fallback;
  if (value.trim().toLowerCase() === 'manual') return null;
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`expected milliseconds >= 0 or "manual", got ${JSON.stringify(value)}`);
  return ms;
}

export class CarrierSimulator implements CarrierAdapter {
  readonly carrier = SIMULATED_CARRIER;
  private failing = false;

  constructor(private readonly options: CarrierSimulatorOptions) {}

  setFailing(failing: boolean): void {
    this.failing = failing;
  }

  async createShipment(request: { idempotencyKey: string; orderId: string; address: ShippingAddress }): Promise<CarrierBooking> {
    await this.reachCarrier();
    const shipAfter = this.options.shipAfterMs === undefined ? 2000 : this.options.shipAfterMs;
    const deliverAfter = this.options.deliverAfterMs === undefined ? 3000 : this.options.deliverAfterMs;
    const ds = this.options.dataSource;
    // A repeated key answers the first booking (DO UPDATE returns the row it finds).
    const [booking]: { shipment_id: string; tracking_number: string }[] = await ds.query(
      `INSERT INTO sim_carrier_shipments
         (shipment_id, idempotency_key, order_id, tracking_number, address, status, ship_after_ms, deliver_after_ms, ship_due_at)
       VALUES ($1, $2, $3, $4, $5, 'BOOKED', $6::integer, $7::integer, now() + $6::integer * interval '1 millisecond')
       ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
       RETURNING shipment_id, tracking_number`,
      [
        `shp_${randomBytes(10).toString('hex')}`,
        request.idempotencyKey,
        request.orderId,
        `1ZSIM${randomBytes(6).toString('hex').toUpperCase()}`,
        request.address,
        shipAfter,
        deliverAfter,
      ],
    );
    if (shipAfter !== null) this.options.dueSignal?.due(shipAfter);
    return { carrier: this.carrier, carrierShipmentId: booking.shipment_id, trackingNumber: booking.tracking_number };
  }

  async cancelShipment(request: { idempotencyKey: string; carrierShipmentId: string }): Promise<{ canceled: true }> {
    await this.reachCarrier();
    const ds = this.options.dataSource;
    // Waits for a dispatcher holding the row, so "shipped" and "canceled" cannot both win.
    const canceled: unknown[] = await ds.query(
      `WITH canceled AS (
         UPDATE sim_carrier_shipments SET status = 'CANCELED', canceled_at = now(), updated_at = now(), cancel_idempotency_key = $2
          WHERE shipment_id = $1 AND status = 'BOOKED' RETURNING 1)
       SELECT * FROM canceled`,
      [request.carrierShipmentId, request.idempotencyKey],
    );
    if (canceled.length > 0) return { canceled: true };
    const [row]: { status: string }[] = await ds.query('SELECT status FROM sim_carrier_shipments WHERE shipment_id = $1', [
      request.carrierShipmentId,
    ]);
    if (!row) throw new ProviderRefusedError('no_such_shipment', `no shipment ${request.carrierShipmentId}`);
    if (row.status === 'CANCELED') return { canceled: true };
    throw new ProviderRefusedError('already_shipped', `shipment ${request.carrierShipmentId} has left (${row.status}) and cannot be cancelled`);
  }

  async findShipment(request: { idempotencyKey: string }): Promise<FoundShipment | null> {
    await this.reachCarrier();
    const rows: { shipment_id: string; tracking_number: string; status: string; address: ShippingAddress }[] = await this.options.dataSource.query(
      'SELECT shipment_id, tracking_number, status, address FROM sim_carrier_shipments WHERE idempotency_key = $1',
      [request.idempotencyKey],
    );
    const [row] = rows;
    if (!row) return null;
    const status = row.status.toLowerCase() as FoundShipment['status'];
    return { carrier: this.carrier, carrierShipmentId: row.shipment_id, trackingNumber: row.tracking_number, status, address: row.address };
  }

  private async reachCarrier(): Promise<void> {
    await simulatedLatency(this.options.latencyMs ?? 0);
    if (this.failing || (await isSimulatorFailing(this.options.dataSource, 'carrier'))) {
      throw new ProviderUnavailableError('carrier unavailable (simulator switched to failing)');
    }
  }
}
