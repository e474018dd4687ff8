import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ShippingAddress } from '../domain/order';

export type ShipmentStatus = 'CREATED' | 'SHIPPED' | 'DELIVERED' | 'CANCELED';

/**
 * A shipment booked with a carrier. A partial unique index allows one live (non-CANCELED)
 * shipment per order; `id` is what `/v1/shipments/{id}` and the carrier webhook use.
 */
@Entity({ name: 'shipments' })
export class Shipment {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'carrier', type: 'varchar', length: 40 })
  carrier: string;

  /** The carrier's own id for the shipment. */
  @Column({ name: 'carrier_shipment_id', type: 'varchar', length: 100 })
  carrierShipmentId: string;

  @Column({ name: 'tracking_number', type: 'varchar', length: 100 })
  trackingNumber: string;

  @Column({ name: 'status', type: 'varchar', length: 12 })
  status: ShipmentStatus;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, unique: true })
  idempotencyKey: string;

  @Column({ name: 'address', type: 'jsonb' })
  address: ShippingAddress;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'shipped_at', type: 'timestamptz', nullable: true })
  shippedAt: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'canceled_at', type: 'timestamptz', nullable: true })
  canceledAt: Date | null;
}
