import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Returns and credit notes (each return is a workflow `return-<id>`; these are its projection).
 * - returns: one row per return, RMA number unique (gapless per year, document_numbers), the
 *   storefront of its order (lists filter by it), the refund breakdown once refunded.
 * - return_lines: what was asked back, what arrived and its disposition (restock | damaged).
 * - credit_notes: one per refunded return, CN number unique; amounts stored negative, as printed.
 */
export class ReturnsAndCreditNotes1795651200400 implements MigrationInterface {
  name = 'ReturnsAndCreditNotes1795651200400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE returns (
        id              uuid PRIMARY KEY,
        order_id        uuid NOT NULL REFERENCES orders (id),
        storefront      varchar(64) NOT NULL,
        rma             varchar(20) NOT NULL CONSTRAINT returns_rma_key UNIQUE,
        status          varchar(12) NOT NULL
                        CONSTRAINT returns_status_check CHECK (status IN ('REQUESTED', 'RECEIVED', 'REFUNDED', 'EXPIRED', 'CANCELLED')),
        status_reason   text,
        refund_subtotal bigint,
        refund_discount bigint,
        refund_shipping bigint,
        refund_tax      bigint,
        refund_total    bigint CONSTRAINT returns_refund_total_check CHECK (refund_total >= 0),
        expires_at      timestamptz NOT NULL,
        received_at     timestamptz,
        refunded_at     timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX returns_order_id_idx ON returns (order_id, created_at, id)`);
    await q.query(`CREATE INDEX returns_storefront_created_at_id_idx ON returns (storefront, created_at, id)`);
    await q.query(`CREATE INDEX returns_created_at_id_idx ON returns (created_at, id)`);
    await q.query(`
      CREATE TABLE return_lines (
        return_id         uuid NOT NULL REFERENCES returns (id),
        line_no           integer NOT NULL,
        sku               varchar(40) NOT NULL,
        quantity          integer NOT NULL CONSTRAINT return_lines_quantity_check CHECK (quantity >= 1),
        reason            text,
        received_quantity integer CONSTRAINT return_lines_received_quantity_check CHECK (received_quantity BETWEEN 0 AND quantity),
        disposition       varchar(12) CONSTRAINT return_lines_disposition_check CHECK (disposition IN ('restock', 'damaged')),
        PRIMARY KEY (return_id, line_no),
        CONSTRAINT return_lines_return_id_sku_key UNIQUE (return_id, sku)
      )`);
    await q.query(`
      CREATE TABLE credit_notes (
        id         uuid PRIMARY KEY,
        number     varchar(20) NOT NULL CONSTRAINT credit_notes_number_key UNIQUE,
        return_id  uuid NOT NULL REFERENCES returns (id) CONSTRAINT credit_notes_return_id_key UNIQUE,
        order_id   uuid NOT NULL REFERENCES orders (id),
        subtotal   bigint NOT NULL CONSTRAINT credit_notes_subtotal_check CHECK (subtotal <= 0),
        discount   bigint NOT NULL CONSTRAINT credit_notes_discount_check CHECK (discount >= 0),
        shipping   bigint NOT NULL CONSTRAINT credit_notes_shipping_check CHECK (shipping <= 0),
        tax        bigint NOT NULL,
        total      bigint NOT NULL CONSTRAINT credit_notes_total_check CHECK (total <= 0),
        currency   char(3) NOT NULL DEFAULT 'USD',
        issued_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX credit_notes_order_id_idx ON credit_notes (order_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE credit_notes`);
    await q.query(`DROP TABLE return_lines`);
    await q.query(`DROP TABLE returns`);
  }
}
