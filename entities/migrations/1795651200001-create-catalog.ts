import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Customers, products and the stock ledger. */
export class CreateCatalog1795651200001 implements MigrationInterface {
  name = 'CreateCatalog1795651200001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customers (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name           varchar(200) NOT NULL,
        email          varchar(255),
        tier           char(1) CONSTRAINT customers_tier_check CHECK (tier IN ('G', 'S', 'B')),
        country        char(2),
        active         boolean NOT NULL DEFAULT true,
        legacy_cust_id integer CONSTRAINT customers_legacy_cust_id_key UNIQUE,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    // Case-insensitive uniqueness without the citext extension (which needs a superuser).
    await q.query(`CREATE UNIQUE INDEX customers_email_lower_key ON customers (lower(email))`);
    await q.query(`CREATE INDEX customers_created_at_id_idx ON customers (created_at, id)`);

    await q.query(`
      CREATE TABLE products (
        sku                varchar(20) PRIMARY KEY,
        name               varchar(200) NOT NULL,
        unit_price_decimal numeric(12,4) NOT NULL CONSTRAINT products_unit_price_decimal_check CHECK (unit_price_decimal >= 0),
        unit_price         bigint NOT NULL,
        on_hand            integer NOT NULL DEFAULT 0,
        reserved           integer NOT NULL DEFAULT 0,
        version            integer NOT NULL DEFAULT 1,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT products_on_hand_check CHECK (on_hand >= 0),
        CONSTRAINT products_reserved_check CHECK (reserved >= 0),
        CONSTRAINT products_reserved_within_on_hand_check CHECK (reserved <= on_hand),
        -- round(numeric) is half away from zero, as the domain's unitPriceFromDecimal.
        CONSTRAINT products_unit_price_matches_decimal_check CHECK (unit_price = round(unit_price_decimal * 100))
      )`);
    await q.query(`CREATE INDEX products_created_at_sku_idx ON products (created_at, sku)`);

    await q.query(`
      CREATE TABLE stock_movements (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sku           varchar(20) NOT NULL REFERENCES products (sku),
        delta         integer NOT NULL CONSTRAINT stock_movements_delta_check CHECK (delta <> 0),
        reason        varchar(20) NOT NULL
                      CONSTRAINT stock_movements_reason_check CHECK (reason IN ('receive', 'adjust', 'ship', 'return', 'migrate')),
        on_hand_after integer NOT NULL,
        order_id      uuid,
        dedupe_key    varchar(200) CONSTRAINT stock_movements_dedupe_key UNIQUE,
        note          text,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX stock_movements_sku_id_idx ON stock_movements (sku, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stock_movements`);
    await q.query(`DROP TABLE products`);
    await q.query(`DROP TABLE customers`);
  }
}
