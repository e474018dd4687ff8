import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Cents } from '../domain/money';
import type { ShippingAddress } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import type { Tier } from '../domain/pricing';
import { centsColumn } from './column-types';

/**
 * The order projection: what the API reads. Only activities write it, each together with the
 * order event that explains the change (see activities/order.ts). `eventSeq` is the last
 * sequence number appended to order_events; incrementing it under the row lock is what keeps
 * the per-order sequence gapless.
 */
@Entity({ name: 'orders' })
export class Order {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'status', type: 'varchar', length: 20 })
  status: OrderStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  /** The status a NEEDS_ATTENTION order was parked from (where `retry` resumes), else null. */
  @Column({ name: 'parked_from', type: 'varchar', length: 20, nullable: true })
  parkedFrom: OrderStatus | null;

  /** The storefront of the client that placed it; never changes (domain/storefronts.ts). */
  @Column({ name: 'storefront', type: 'varchar', length: 64 })
  storefront: string;

  /** Null only for an order rejected because its customer id was not a customer at all. */
  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId: string | null;

  /** The customer's tier when the order was placed: later invoice revisions price with it. */
  @Column({ name: 'customer_tier', type: 'char', length: 1, nullable: true })
  customerTier: Tier | null;

  @Column({ name: 'currency', type: 'char', length: 3, default: 'USD' })
  currency: string;

  @Column({ name: 'shipping_address', type: 'jsonb', nullable: true })
  shippingAddress: ShippingAddress | null;

  // Totals follow the live invoice; null until the order is priced (rejected at placement).
  @Column(centsColumn('subtotal', true))
  subtotal: Cents | null;

  @Column(centsColumn('discount', true))
  discount: Cents | null;

  @Column(centsColumn('shipping', true))
  shipping: Cents | null;

  @Column(centsColumn('tax', true))
  tax: Cents | null;

  @Column(centsColumn('total', true))
  total: Cents | null;

  @Column({ name: 'tracking_number', type: 'varchar', length: 100, nullable: true })
  trackingNumber: string | null;

  /** The legacy order_no of a migrated order, else null. */
  @Column({ name: 'legacy_order_no', type: 'integer', nullable: true, unique: true })
  legacyOrderNo: number | null;

  /** Revision of the live (or last) invoice; 0 before the first. */
  @Column({ name: 'invoice_revision', type: 'integer', default: 0 })
  invoiceRevision: number;

  @Column({ name: 'event_seq', type: 'integer', default: 0 })
  eventSeq: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @OneToMany(() => OrderLineRow, (line) => line.order)
  lines?: OrderLineRow[];
}

/** One priced line of an order, in line_no order. */
@Entity({ name: 'order_lines' })
export class OrderLineRow {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @PrimaryColumn({ name: 'line_no', type: 'integer' })
  lineNo: number;

  @Column({ name: 'sku', type: 'varchar', length: 20 })
  sku: string;

  @Column({ name: 'quantity', type: 'integer' })
  quantity: number;

  @Column(centsColumn('unit_price'))
  unitPrice: Cents;

  @Column({ name: 'unit_price_decimal', type: 'numeric', precision: 12, scale: 4 })
  unitPriceDecimal: string;

  @Column({ name: 'discount_pct', type: 'numeric', precision: 5, scale: 2, default: '0' })
  discountPct: string;

  @Column(centsColumn('amount'))
  amount: Cents;

  @ManyToOne(() => Order, (order) => order.lines, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order?: Order;
}
