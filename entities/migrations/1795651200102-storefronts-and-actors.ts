import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Storefronts and the audit trail's actor.
 * - customers.storefront and orders.storefront: the storefront of the client that created the row.
 *   Rows written before this migration get one: migrated legacy rows (legacy_cust_id /
 *   legacy_order_no set) 'legacy' (LEGACY_STOREFRONT's default), every other row 'dev' (the
 *   development client's storefront: before storefronts every client saw every row, as the
 *   development client does). docs/decisions.md says how to move them. No default afterwards:
 *   every writer names the storefront.
 * - Lists filter by storefront first, so the keyset indexes lead with it. E-mails are unique per
 *   storefront: the same person may be a customer of two shops, and a 409 must not tell one
 *   storefront that an address is in use in another.
 * - order_events.actor_client_id / request_id: the API client and request that caused the event;
 *   both null for the system (carrier, timers, migration).
 */
export class StorefrontsAndActors1795651200102 implements MigrationInterface {
  name = 'StorefrontsAndActors1795651200102';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers ADD COLUMN storefront varchar(64)`);
    await q.query(`UPDATE customers SET storefront = CASE WHEN legacy_cust_id IS NULL THEN 'dev' ELSE 'legacy' END`);
    await q.query(`ALTER TABLE customers ALTER COLUMN storefront SET NOT NULL`);
    await q.query(`DROP INDEX customers_email_lower_key`);
    await q.query(`CREATE UNIQUE INDEX customers_storefront_email_lower_key ON customers (storefront, lower(email))`);
    await q.query(`CREATE INDEX customers_storefront_created_at_id_idx ON customers (storefront, created_at, id)`);

    await q.query(`ALTER TABLE orders ADD COLUMN storefront varchar(64)`);
    await q.query(`UPDATE orders SET storefront = CASE WHEN legacy_order_no IS NULL THEN 'dev' ELSE 'legacy' END`);
    await q.query(`ALTER TABLE orders ALTER COLUMN storefront SET NOT NULL`);
    await q.query(`CREATE INDEX orders_storefront_created_at_id_idx ON orders (storefront, created_at, id)`);
    await q.query(`CREATE INDEX orders_storefront_status_created_at_id_idx ON orders (storefront, status, created_at, id)`);

    await q.query(`ALTER TABLE order_events ADD COLUMN actor_client_id varchar(100), ADD COLUMN request_id varchar(128)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE order_events DROP COLUMN actor_client_id, DROP COLUMN request_id`);
    await q.query(`DROP INDEX orders_storefront_status_created_at_id_idx`);
    await q.query(`DROP INDEX orders_storefront_created_at_id_idx`);
    await q.query(`ALTER TABLE orders DROP COLUMN storefront`);
    await q.query(`DROP INDEX customers_storefront_created_at_id_idx`);
    await q.query(`DROP INDEX customers_storefront_email_lower_key`);
    await q.query(`ALTER TABLE customers DROP COLUMN storefront`);
    // Fails if two storefronts share an e-mail: merge or rename those customers first.
    await q.query(`CREATE UNIQUE INDEX customers_email_lower_key ON customers (lower(email))`);
  }
}
