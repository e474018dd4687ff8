// Invoices with revisions. The partial unique index "one live revision per order" backs the rule
// that a new revision needs the previous one voided; the order's totals follow the live invoice.
import { ApplicationFailure } from '@temporalio/activity';
import type { OrderLine } from '../domain/order';
import { type Totals, priceOrder } from '../domain/pricing';
import type { OrderActivities } from './contract';
import { takeDocumentNumber } from './document-numbers';
import { heartbeat, throwIfCancelled } from './heartbeat';
import { type ActivityContext, placeholders, recordId, withLockedOrder } from './order-events';

interface InvoiceRow {
  id: string;
  status: 'ISSUED' | 'PAID' | 'VOID';
  subtotal: string;
  discount: string;
  shipping: string;
  tax: string;
  total: string;
}

const totalsOf = (row: InvoiceRow): Totals => ({
  subtotal: Number(row.subtotal),
  discount: Number(row.discount),
  shipping: Number(row.shipping),
  tax: Number(row.tax),
  total: Number(row.total),
});

export function invoiceActivities(ctx: ActivityContext): Pick<OrderActivities, 'createInvoice' | 'voidInvoice'> {
  return {
    async createInvoice({ orderId, revision, lines, tier, country }) {
      heartbeat({ step: 'createInvoice' });
      throwIfCancelled();
      return withLockedOrder(ctx, orderId, async (tx) => {
        const revisions: (InvoiceRow & { revision: number })[] = await tx.manager.query(
          `SELECT id, revision, status, subtotal, discount, shipping, tax, total FROM invoices
            WHERE order_id = $1 AND (revision = $2 OR status <> 'VOID')`,
          [orderId, revision],
        );
        const existing = revisions.find((r) => r.revision === revision);
        if (existing) return { invoiceId: existing.id, totals: totalsOf(existing) };
        const live = revisions[0];
        if (live) {
          throw ApplicationFailure.nonRetryable(
            `order ${orderId}: invoice revision ${live.revision} is still ${live.status}; void it before issuing revision ${revision}`,
            'InvoiceRevisionConflict',
          );
        }

        const { lineAmounts, totals } = priceOrder({ lines, tier, country });
        const invoiceLines: OrderLine[] = lines.map((line, i) => ({
          sku: line.sku,
          quantity: line.quantity,
          unitPrice: line.unitPrice,
          unitPriceDecimal: line.unitPriceDecimal,
          discountPct: line.discountPct ?? '0.00',
          amount: lineAmounts[i],
        }));
        const invoiceId = recordId(`invoice:${orderId}:${revision}`);
        // The number late: its counter row is locked from here to commit (activities/document-numbers.ts).
        const number = await takeDocumentNumber(tx.manager, 'INV');
        // The invoice row and the projection's lines in one statement.
        await tx.replaceLines(invoiceLines, {
          sql: (p) => `INSERT INTO invoices (id, order_id, revision, number, status, customer_tier, ship_country, lines, subtotal, discount, shipping, tax, total)
                       VALUES (${placeholders(p, 4)}, 'ISSUED', ${placeholders(p + 4, 8)})`,
          params: [invoiceId, orderId, revision, number, tier, country, JSON.stringify(invoiceLines), totals.subtotal, totals.discount, totals.shipping, totals.tax, totals.total],
        });
        await tx.append('invoice.created', `invoice.created:${revision}`, { invoiceId, revision, number, totals }, { ...totals, invoiceRevision: revision });
        return { invoiceId, totals };
      });
    },

    async voidInvoice({ orderId, revision }) {
      heartbeat({ step: 'voidInvoice' });
      await withLockedOrder(
        ctx,
        orderId,
        async (tx) => {
          const [invoice]: InvoiceRow[] = await tx.manager.query(
            'SELECT id, status FROM invoices WHERE order_id = $1 AND revision = $2',
            [orderId, revision],
          );
          // Never issued (the step was cancelled before it ran) or already void: nothing to undo.
          if (!invoice || invoice.status === 'VOID') return;
          if (invoice.status === 'PAID') {
            throw ApplicationFailure.nonRetryable(`order ${orderId}: invoice revision ${revision} is paid and cannot be voided`, 'InvoicePaid');
          }
          await tx.manager.query(`UPDATE invoices SET status = 'VOID', voided_at = now(), updated_at = now() WHERE id = $1`, [invoice.id]);
          await tx.append('invoice.voided', `invoice.voided:${revision}`, { invoiceId: invoice.id, revision });
        },
        () => undefined,
      );
    },
  };
}
