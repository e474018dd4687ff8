import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The provider simulators' own state: they remember idempotency keys across worker restarts,
 * as real providers do, and read their "down" switches here so any process can flip them.
 */
export class CreateSimulators1795651200005 implements MigrationInterface {
  name = 'CreateSimulators1795651200005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sim_switches (
        name       varchar(20) PRIMARY KEY CONSTRAINT sim_switches_name_check CHECK (name IN ('payment', 'carrier')),
        failing    boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO sim_switches (name) VALUES ('payment'), ('carrier')`);

    await q.query(`
      CREATE TABLE sim_payment_operations (
        idempotency_key     varchar(200) PRIMARY KEY,
        operation           varchar(10) NOT NULL CONSTRAINT sim_payment_operations_operation_check CHECK (operation IN ('authorize', 'capture', 'void')),
        request             jsonb NOT NULL,
        outcome             varchar(10) NOT NULL DEFAULT 'pending'
                            CONSTRAINT sim_payment_operations_outcome_check CHECK (outcome IN ('pending', 'succeeded', 'declined', 'refused')),
        response            jsonb,
        transient_failures  integer NOT NULL DEFAULT 0,
        authorization_id    varchar(100),
        authorization_state varchar(10)
                            CONSTRAINT sim_payment_operations_state_check CHECK (authorization_state IN ('authorized', 'captured', 'voided')),
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE UNIQUE INDEX sim_payment_operations_authorization_key
        ON sim_payment_operations (authorization_id) WHERE operation = 'authorize'`);

    await q.query(`
      CREATE TABLE sim_carrier_shipments (
        shipment_id            varchar(100) PRIMARY KEY,
        idempotency_key        varchar(200) NOT NULL CONSTRAINT sim_carrier_shipments_idempotency_key UNIQUE,
        cancel_idempotency_key varchar(200),
        order_id               uuid NOT NULL,
        tracking_number        varchar(100) NOT NULL CONSTRAINT sim_carrier_shipments_tracking_number_key UNIQUE,
        address                jsonb NOT NULL,
        status                 varchar(12) NOT NULL
                               CONSTRAINT sim_carrier_shipments_status_check CHECK (status IN ('BOOKED', 'SHIPPED', 'DELIVERED', 'CANCELED')),
        -- null delays: "manual" mode, the shipment waits for webhook events.
        ship_after_ms          integer,
        deliver_after_ms       integer,
        ship_due_at            timestamptz,
        deliver_due_at         timestamptz,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now(),
        shipped_at             timestamptz,
        delivered_at           timestamptz,
        canceled_at            timestamptz
      )`);
    await q.query(`
      CREATE INDEX sim_carrier_shipments_ship_due_idx
        ON sim_carrier_shipments (ship_due_at) WHERE status = 'BOOKED' AND ship_due_at IS NOT NULL`);
    await q.query(`
      CREATE INDEX sim_carrier_shipments_deliver_due_idx
        ON sim_carrier_shipments (deliver_due_at) WHERE status = 'SHIPPED' AND deliver_due_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sim_carrier_shipments`);
    await q.query(`DROP TABLE sim_payment_operations`);
    await q.query(`DROP TABLE sim_switches`);
  }
}
