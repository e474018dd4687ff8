import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Invoices (revisions) and payments (authorization, capture, void). */
export class CreateBilling1795651200003 implements MigrationInterface {
  name = 'CreateBilling1795651200003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invoices (
        id            uuid PRIMARY KEY,
        order_id      uuid NOT NULL REFERENCES orders (id),
        revision      integer NOT NULL CONSTRAINT invoices_revision_check CHECK (revision >= 1),
        status        varchar(10) NOT NULL CONSTRAINT invoices_status_check CHECK (status IN ('ISSUED', 'PAID', 'VOID')),
        currency      char(3) NOT NULL DEFAULT 'USD',
        customer_tier char(1),
        ship_country  char(2),
        lines         jsonb NOT NULL,
        subtotal      bigint NOT NULL,
        discount      bigint NOT NULL,
        shipping      bigint NOT NULL,
        tax           bigint NOT NULL,
        total         bigint NOT NULL,
        issued_at     timestamptz NOT NULL DEFAULT now(),
        paid_at       timestamptz,
        voided_at     timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT invoices_order_revision_key UNIQUE (order_id, revision),
        CONSTRAINT invoices_total_check CHECK (total = subtotal - discount + shipping + tax)
      )`);
    await q.query(`CREATE UNIQUE INDEX invoices_one_live_revision_per_order ON invoices (order_id) WHERE status <> 'VOID'`);
    await q.query(`CREATE INDEX invoices_issued_at_id_idx ON invoices (issued_at, id)`);

    await q.query(`
      CREATE TABLE payments (
        id                        uuid PRIMARY KEY,
        order_id                  uuid NOT NULL REFERENCES orders (id),
        provider                  varchar(40) NOT NULL,
        status                    varchar(12) NOT NULL CONSTRAINT payments_status_check CHECK (status IN ('AUTHORIZED', 'CAPTURED', 'VOIDED')),
        amount                    bigint NOT NULL CONSTRAINT payments_amount_check CHECK (amount >= 0),
        currency                  char(3) NOT NULL DEFAULT 'USD',
        authorization_id          varchar(100) NOT NULL,
        authorize_idempotency_key varchar(200) NOT NULL,
        capture_id                varchar(100),
        captured_amount           bigint,
        capture_idempotency_key   varchar(200),
        void_idempotency_key      varchar(200),
        authorized_at             timestamptz NOT NULL DEFAULT now(),
        captured_at               timestamptz,
        voided_at                 timestamptz,
        updated_at                timestamptz NOT NULL DEFAULT now(),
        -- One authorization per order, hence at most one capture and one void per order.
        CONSTRAINT payments_one_authorization_per_order UNIQUE (order_id),
        CONSTRAINT payments_authorization_id_key UNIQUE (provider, authorization_id),
        CONSTRAINT payments_authorize_idempotency_key UNIQUE (authorize_idempotency_key),
        CONSTRAINT payments_capture_id_key UNIQUE (provider, capture_id),
        CONSTRAINT payments_capture_idempotency_key UNIQUE (capture_idempotency_key),
        CONSTRAINT payments_captured_check CHECK ((status = 'CAPTURED') = (capture_id IS NOT NULL)),
        CONSTRAINT payments_voided_check CHECK ((status = 'VOIDED') = (voided_at IS NOT NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE payments`);
    await q.query(`DROP TABLE invoices`);
  }
}
