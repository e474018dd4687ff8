import type { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES = `('PENDING', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'REJECTED', 'CANCELLED', 'NEEDS_ATTENTION')`;

/** The order projection, its lines, its event trail and its inventory reservations. */
export class CreateOrders1795651200002 implements MigrationInterface {
  name = 'CreateOrders1795651200002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orders (
        id               uuid PRIMARY KEY,
        status           varchar(20) NOT NULL CONSTRAINT orders_status_check CHECK (status IN ${STATUSES}),
        status_reason    text,
        parked_from      varchar(20) CONSTRAINT orders_parked_from_check CHECK (parked_from IN ${STATUSES}),
        customer_id      uuid REFERENCES customers (id),
        customer_tier    char(1) CONSTRAINT orders_customer_tier_check CHECK (customer_tier IN ('G', 'S', 'B')),
        currency         char(3) NOT NULL DEFAULT 'USD',
        shipping_address jsonb,
        subtotal         bigint,
        discount         bigint,
        shipping         bigint,
        tax              bigint,
        total            bigint,
        tracking_number  varchar(100),
        legacy_order_no  integer CONSTRAINT orders_legacy_order_no_key UNIQUE,
        invoice_revision integer NOT NULL DEFAULT 0,
        event_seq        integer NOT NULL DEFAULT 0 CONSTRAINT orders_event_seq_check CHECK (event_seq >= 0),
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    // The API's list filters, each ending in (created_at, id) for keyset (cursor) pagination.
    await q.query(`CREATE INDEX orders_created_at_id_idx ON orders (created_at, id)`);
    await q.query(`CREATE INDEX orders_status_created_at_id_idx ON orders (status, created_at, id)`);
    await q.query(`CREATE INDEX orders_customer_id_created_at_id_idx ON orders (customer_id, created_at, id)`);

    await q.query(`
      CREATE TABLE order_lines (
        order_id           uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        line_no            integer NOT NULL CONSTRAINT order_lines_line_no_check CHECK (line_no >= 1),
        sku                varchar(20) NOT NULL REFERENCES products (sku),
        quantity           integer NOT NULL CONSTRAINT order_lines_quantity_check CHECK (quantity > 0),
        unit_price         bigint NOT NULL,
        unit_price_decimal numeric(12,4) NOT NULL,
        discount_pct       numeric(5,2) NOT NULL DEFAULT 0,
        amount             bigint NOT NULL,
        PRIMARY KEY (order_id, line_no)
      )`);

    await q.query(`
      CREATE TABLE order_events (
        order_id    uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        seq         integer NOT NULL CONSTRAINT order_events_seq_check CHECK (seq >= 1),
        type        varchar(40) NOT NULL,
        dedupe_key  varchar(200) NOT NULL,
        data        jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (order_id, seq),
        CONSTRAINT order_events_dedupe_key UNIQUE (order_id, dedupe_key)
      )`);

    await q.query(`
      CREATE TABLE inventory_reservations (
        order_id   uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        sku        varchar(20) NOT NULL REFERENCES products (sku),
        quantity   integer NOT NULL CONSTRAINT inventory_reservations_quantity_check CHECK (quantity > 0),
        status     varchar(10) NOT NULL CONSTRAINT inventory_reservations_status_check CHECK (status IN ('HELD', 'RELEASED', 'SHIPPED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT inventory_reservations_pkey PRIMARY KEY (order_id, sku)
      )`);
    await q.query(`CREATE INDEX inventory_reservations_held_sku_idx ON inventory_reservations (sku) WHERE status = 'HELD'`);

    await q.query(`ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_order_id_fkey`);
    await q.query(`DROP TABLE inventory_reservations`);
    await q.query(`DROP TABLE order_events`);
    await q.query(`DROP TABLE order_lines`);
    await q.query(`DROP TABLE orders`);
  }
}
