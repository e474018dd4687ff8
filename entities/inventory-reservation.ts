import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** HELD counts in products.reserved; SHIPPED left with the goods; RELEASED was given back. */
export type ReservationStatus = 'HELD' | 'RELEASED' | 'SHIPPED';

/** What one order holds of one SKU: the primary key (order_id, sku) allows one row per pair. */
@Entity({ name: 'inventory_reservations' })
export class InventoryReservation {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @PrimaryColumn({ name: 'sku', type: 'varchar', length: 20 })
  sku: string;

  @Column({ name: 'quantity', type: 'integer' })
  quantity: number;

  @Column({ name: 'status', type: 'varchar', length: 10 })
  status: ReservationStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
