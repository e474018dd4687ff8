import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The payment ledger, gapless document numbers, and what the simulator needs for increments,
 * partial captures and refunds.
 * - payment_movements: one row per money movement (authorization, increment, capture, void,
 *   refund) with the provider's reference and the idempotency key the call carried (unique: a
 *   retried step cannot book a movement twice). Backfilled from `payments`, which stays the
 *   order's first authorization and its fate.
 * - document_numbers: one counter row per (kind, year). A document takes its number with
 *   `INSERT .. ON CONFLICT DO UPDATE .. RETURNING` in its own transaction: the row lock serialises
 *   writers and a rollback gives the number back, so numbers have no gap and no repeat.
 * - invoices.number: `INV-<year>-<6 digits>`, backfilled in issue order per (UTC) year.
 * - sim_payment_operations: operations increment and refund; authorized_amount (what an
 *   authorization holds after increments) and captured_amount / refunded_amount.
 */
export class PaymentLedgerAndDocumentNumbers1795651200300 implements MigrationInterface {
  name = 'PaymentLedgerAndDocumentNumbers1795651200300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_movements (
        id                 uuid PRIMARY KEY,
        order_id           uuid NOT NULL REFERENCES orders (id),
        return_id          uuid,
        kind               varchar(16) NOT NULL
                           CONSTRAINT payment_movements_kind_check CHECK (kind IN ('authorization', 'increment', 'capture', 'void', 'refund')),
        status             varchar(12) NOT NULL DEFAULT 'succeeded'
                           CONSTRAINT payment_movements_status_check CHECK (status IN ('pending', 'succeeded', 'failed')),
        amount             bigint NOT NULL CONSTRAINT payment_movements_amount_check CHECK (amount >= 0),
        currency           char(3) NOT NULL DEFAULT 'USD',
        provider           varchar(40) NOT NULL,
        authorization_id   varchar(100) NOT NULL,
        provider_reference varchar(100),
        idempotency_key    varchar(200) NOT NULL CONSTRAINT payment_movements_idempotency_key UNIQUE,
        created_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX payment_movements_order_created_at_id_idx ON payment_movements (order_id, created_at, id)`);
    await q.query(`CREATE INDEX payment_movements_return_id_idx ON payment_movements (return_id) WHERE return_id IS NOT NULL`);
    // The movements `payments` already records, with the keys their calls carried.
    await q.query(`
      INSERT INTO payment_movements (id, order_id, kind, amount, currency, provider, authorization_id, provider_reference, idempotency_key, created_at)
      SELECT gen_random_uuid(), order_id, 'authorization', amount, currency, provider, authorization_id, authorization_id, authorize_idempotency_key, authorized_at
        FROM payments
      UNION ALL
      SELECT gen_random_uuid(), order_id, 'capture', captured_amount, currency, provider, authorization_id, capture_id,
             COALESCE(capture_idempotency_key, 'backfill:capture:' || id), COALESCE(captured_at, updated_at)
        FROM payments WHERE capture_id IS NOT NULL
      UNION ALL
      SELECT gen_random_uuid(), order_id, 'void', amount, currency, provider, authorization_id, NULL,
             COALESCE(void_idempotency_key, 'backfill:void:' || id), voided_at
        FROM payments WHERE status = 'VOIDED'`);

    await q.query(`
      CREATE TABLE document_numbers (
        kind        varchar(8) NOT NULL CONSTRAINT document_numbers_kind_check CHECK (kind IN ('INV', 'RMA', 'CN')),
        year        integer NOT NULL CONSTRAINT document_numbers_year_check CHECK (year BETWEEN 2000 AND 9999),
        last_number integer NOT NULL CONSTRAINT document_numbers_last_number_check CHECK (last_number BETWEEN 1 AND 999999),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, year)
      )`);
    await q.query(`ALTER TABLE invoices ADD COLUMN number varchar(20)`);
    await q.query(`
      WITH numbered AS (
        SELECT id, extract(year FROM issued_at AT TIME ZONE 'UTC')::int AS year,
               row_number() OVER (PARTITION BY extract(year FROM issued_at AT TIME ZONE 'UTC') ORDER BY issued_at, id) AS n
          FROM invoices)
      UPDATE invoices i SET number = 'INV-' || n.year || '-' || lpad(n.n::text, 6, '0') FROM numbered n WHERE n.id = i.id`);
    await q.query(`
      INSERT INTO document_numbers (kind, year, last_number)
      SELECT 'INV', split_part(number, '-', 2)::int, max(split_part(number, '-', 3)::int) FROM invoices GROUP BY 2`);
    await q.query(`CREATE UNIQUE INDEX invoices_number_key ON invoices (number)`);

    await q.query(`ALTER TABLE sim_payment_operations DROP CONSTRAINT sim_payment_operations_operation_check`);
    await q.query(`
      ALTER TABLE sim_payment_operations ADD CONSTRAINT sim_payment_operations_operation_check
        CHECK (operation IN ('authorize', 'increment', 'capture', 'void', 'refund'))`);
    await q.query(`
      ALTER TABLE sim_payment_operations
        ADD COLUMN authorized_amount bigint, ADD COLUMN captured_amount bigint, ADD COLUMN refunded_amount bigint NOT NULL DEFAULT 0`);
    await q.query(`UPDATE sim_payment_operations SET authorized_amount = (request->>'amount')::bigint WHERE operation = 'authorize' AND authorization_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM sim_payment_operations WHERE operation IN ('increment', 'refund')`);
    await q.query(`ALTER TABLE sim_payment_operations DROP COLUMN authorized_amount, DROP COLUMN captured_amount, DROP COLUMN refunded_amount`);
    await q.query(`ALTER TABLE sim_payment_operations DROP CONSTRAINT sim_payment_operations_operation_check`);
    await q.query(`ALTER TABLE sim_payment_operations ADD CONSTRAINT sim_payment_operations_operation_check CHECK (operation IN ('authorize', 'capture', 'void'))`);
    await q.query(`DROP INDEX invoices_number_key`);
    await q.query(`ALTER TABLE invoices DROP COLUMN number`);
    await q.query(`DROP TABLE document_numbers`);
    await q.query(`DROP TABLE payment_movements`);
  }
}
