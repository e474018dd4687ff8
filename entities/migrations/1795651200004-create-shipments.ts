import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateShipments1795651200004 implements MigrationInterface {
  name = 'CreateShipments1795651200004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE shipments (
        id                  uuid PRIMARY KEY,
        order_id            uuid NOT NULL REFERENCES orders (id),
        carrier             varchar(40) NOT NULL,
        carrier_shipment_id varchar(100) NOT NULL,
        tracking_number     varchar(100) NOT NULL,
        status              varchar(12) NOT NULL
                            CONSTRAINT shipments_status_check CHECK (status IN ('CREATED', 'SHIPPED', 'DELIVERED', 'CANCELED')),
        idempotency_key     varchar(200) NOT NULL CONSTRAINT shipments_idempotency_key UNIQUE,
        address             jsonb NOT NULL,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        shipped_at          timestamptz,
        delivered_at        timestamptz,
        canceled_at         timestamptz,
        CONSTRAINT shipments_carrier_shipment_key UNIQUE (carrier, carrier_shipment_id)
      )`);
    await q.query(`CREATE UNIQUE INDEX shipments_one_live_per_order ON shipments (order_id) WHERE status <> 'CANCELED'`);
    await q.query(`CREATE INDEX shipments_tracking_number_idx ON shipments (tracking_number)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE shipments`);
  }
}
