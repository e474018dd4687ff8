import { Column } from 'typeorm';
import type { Cents } from '../domain/money';
import { centsColumn } from './column-types';

/** The five amounts a priced document prints: an invoice revision, a credit note (negative there). */
export abstract class DocumentTotals {
  @Column(centsColumn('subtotal'))
  subtotal: Cents;

  @Column(centsColumn('discount'))
  discount: Cents;

  @Column(centsColumn('shipping'))
  shipping: Cents;

  @Column(centsColumn('tax'))
  tax: Cents;

  @Column(centsColumn('total'))
  total: Cents;
}
