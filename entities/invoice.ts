import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { OrderLine } from '../domain/order';
import type { Tier } from '../domain/pricing';
import { DocumentTotals } from './document-totals';

export type InvoiceStatus = 'ISSUED' | 'PAID' | 'VOID';

/**
 * One revision of an order's invoice. (order_id, revision) is unique, and a partial unique
 * index allows one non-VOID revision per order: a new revision needs the previous one voided.
 */
@Entity({ name: 'invoices' })
export class Invoice extends DocumentTotals {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'revision', type: 'integer' })
  revision: number;

  /** `INV-<year>-<6 digits>`, gapless per year, given when the revision is issued. */
  @Column({ name: 'number', type: 'varchar', length: 20, nullable: true, unique: true })
  number: string | null;

  @Column({ name: 'status', type: 'varchar', length: 10 })
  status: InvoiceStatus;

  @Column({ name: 'currency', type: 'char', length: 3, default: 'USD' })
  currency: string;

  /** The pricing inputs, kept so the invoice can be recomputed and audited. */
  @Column({ name: 'customer_tier', type: 'char', length: 1, nullable: true })
  customerTier: Tier | null;

  @Column({ name: 'ship_country', type: 'char', length: 2, nullable: true })
  shipCountry: string | null;

  @Column({ name: 'lines', type: 'jsonb' })
  lines: OrderLine[];

  @Column({ name: 'issued_at', type: 'timestamptz', default: () => 'now()' })
  issuedAt: Date;

  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt: Date | null;

  @Column({ name: 'voided_at', type: 'timestamptz', nullable: true })
  voidedAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
