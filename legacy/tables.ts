// The legacy monolith's tables, column for column as DESIGN.md ("The legacy database") gives
// them: a column DESIGN marks `null` is nullable, every other one is NOT NULL.
//
// Deliberately absent, because the old system never had them and its data shows it: foreign
// keys (orphan lines and orders of purged customers exist), CHECK constraints (quantities of
// zero or below exist), a unique e-mail (duplicates differing in case exist). The migration has
// to cope with exactly that.
//
// The (modified_dt, key) indexes are the ones a DBA would have added for the old nightly
// exports; the migration's watermark, `WHERE (modified_dt, key) > ($1, $2) ORDER BY
// modified_dt, key`, walks them without sorting.
import { quoteSchemaName } from './schema-name';

/** Idempotent DDL for the four legacy tables and their indexes in `schema`. */
export function legacyTablesSql(schema: string): string {
  const s = quoteSchemaName(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};

CREATE TABLE IF NOT EXISTS ${s}.customers (
  cust_id     int          NOT NULL,
  cust_name   varchar(100) NOT NULL,
  email       varchar(255) NULL,
  tier        char(1)      NULL,
  country     char(2)      NULL,
  is_deleted  boolean      NOT NULL DEFAULT false,
  modified_dt timestamp    NOT NULL DEFAULT localtimestamp,
  CONSTRAINT pk_customers PRIMARY KEY (cust_id)
);

CREATE TABLE IF NOT EXISTS ${s}.products (
  prod_code   varchar(20)   NOT NULL,
  descr       varchar(200)  NOT NULL,
  unit_price  numeric(12,4) NOT NULL,
  qty_on_hand int           NOT NULL DEFAULT 0,
  modified_dt timestamp     NOT NULL DEFAULT localtimestamp,
  CONSTRAINT pk_products PRIMARY KEY (prod_code)
);

CREATE TABLE IF NOT EXISTS ${s}.orders (
  order_no     int          NOT NULL,
  cust_id      int          NOT NULL,
  order_dt     timestamp    NOT NULL,
  status_cd    char(1)      NOT NULL,
  ship_country char(2)      NULL,
  ship_addr1   varchar(200) NULL,
  ship_city    varchar(100) NULL,
  ship_zip     varchar(20)  NULL,
  modified_dt  timestamp    NOT NULL DEFAULT localtimestamp,
  CONSTRAINT pk_orders PRIMARY KEY (order_no)
);

CREATE TABLE IF NOT EXISTS ${s}.order_lines (
  order_no   int           NOT NULL,
  line_no    int           NOT NULL,
  prod_code  varchar(20)   NOT NULL,
  qty        int           NOT NULL,
  unit_price numeric(12,4) NOT NULL,
  disc_pct   numeric(5,2)  NOT NULL DEFAULT 0,
  CONSTRAINT pk_order_lines PRIMARY KEY (order_no, line_no)
);

CREATE INDEX IF NOT EXISTS ix_customers_modified_dt ON ${s}.customers (modified_dt, cust_id);
CREATE INDEX IF NOT EXISTS ix_products_modified_dt ON ${s}.products (modified_dt, prod_code);
CREATE INDEX IF NOT EXISTS ix_orders_modified_dt ON ${s}.orders (modified_dt, order_no);
CREATE INDEX IF NOT EXISTS ix_orders_cust_id ON ${s}.orders (cust_id);
`;
}
