import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Cents } from '../domain/money';
import type { ReturnDisposition, ReturnStatus } from '../domain/returns';
import { centsColumn } from './column-types';
import { DocumentTotals } from './document-totals';

/** A return's projection, written by the return workflow's activities (activities/returns.ts). */
@Entity({ name: 'returns' })
export class OrderReturn {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  /** Its order's storefront (lists filter by it). */
  @Column({ name: 'storefront', type: 'varchar', length: 64 })
  storefront: string;

  /** RMA-<year>-<6 digits>, gapless per year. */
  @Column({ name: 'rma', type: 'varchar', length: 20, unique: true })
  rma: string;

  @Column({ name: 'status', type: 'varchar', length: 12 })
  status: ReturnStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  @Column(centsColumn('refund_subtotal', true))
  refundSubtotal: Cents | null;

  @Column(centsColumn('refund_discount', true))
  refundDiscount: Cents | null;

  @Column(centsColumn('refund_shipping', true))
  refundShipping: Cents | null;

  @Column(centsColumn('refund_tax', true))
  refundTax: Cents | null;

  @Column(centsColumn('refund_total', true))
  refundTotal: Cents | null;

  /** A REQUESTED return not received by then ends EXPIRED (the workflow's durable timer). */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz', nullable: true })
  receivedAt: Date | null;

  @Column({ name: 'refunded_at', type: 'timestamptz', nullable: true })
  refundedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

@Entity({ name: 'return_lines' })
export class ReturnLineRow {
  @PrimaryColumn({ name: 'return_id', type: 'uuid' })
  returnId: string;

  @PrimaryColumn({ name: 'line_no', type: 'integer' })
  lineNo: number;

  @Column({ name: 'sku', type: 'varchar', length: 40 })
  sku: string;

  @Column({ name: 'quantity', type: 'integer' })
  quantity: number;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'received_quantity', type: 'integer', nullable: true })
  receivedQuantity: number | null;

  @Column({ name: 'disposition', type: 'varchar', length: 12, nullable: true })
  disposition: ReturnDisposition | null;
}

/** The credit note a refund issues (amounts negative, as printed); CN-<year>-<6 digits>, gapless. */
@Entity({ name: 'credit_notes' })
export class CreditNote extends DocumentTotals {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'number', type: 'varchar', length: 20, unique: true })
  number: string;

  @Column({ name: 'return_id', type: 'uuid', unique: true })
  returnId: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'currency', type: 'char', length: 3, default: 'USD' })
  currency: string;

  @Column({ name: 'issued_at', type: 'timestamptz', default: () => 'now()' })
  issuedAt: Date;
}
