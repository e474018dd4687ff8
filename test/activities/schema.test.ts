// The schema's own guarantees, independent of the code that writes it: constraints that make a
// double effect or negative stock impossible, and migrations that revert and reapply cleanly.
import { randomUUID } from 'node:crypto';
import { migrations } from '../../entities/migrations';
import { recordStockMovement } from '../../entities/product';
import { createProduct, schemaForFile, stockOf } from '../support/db';

const db = schemaForFile('schema');

describe('the schema', () => {
  it('refuses stock below zero, reservations beyond stock, and a cents price that disagrees with the decimal one', async () => {
    const sku = await createProduct(db.dataSource, { onHand: 5 });

    await expect(db.dataSource.query('UPDATE products SET on_hand = -1 WHERE sku = $1', [sku])).rejects.toThrow(/products_on_hand_check/);
    await expect(db.dataSource.query('UPDATE products SET reserved = 6 WHERE sku = $1', [sku])).rejects.toThrow(/products_reserved_within_on_hand_check/);
    await expect(db.dataSource.query('UPDATE products SET reserved = -1 WHERE sku = $1', [sku])).rejects.toThrow(/products_reserved_check/);
    await expect(db.dataSource.query(`UPDATE products SET unit_price_decimal = 1.005, unit_price = 100 WHERE sku = $1`, [sku])).rejects.toThrow(
      /products_unit_price_matches_decimal_check/,
    );
  });

  it('keeps customer emails unique per storefront whatever their case', async () => {
    await db.dataSource.query(`INSERT INTO customers (storefront, name, email) VALUES ('shop-a', 'A', 'Ada@Example.test')`);

    await expect(db.dataSource.query(`INSERT INTO customers (storefront, name, email) VALUES ('shop-a', 'B', 'ada@example.TEST')`)).rejects.toThrow(
      /customers_storefront_email_lower_key/,
    );
    // Another shop's customer may have the same address: storefronts do not see each other.
    await db.dataSource.query(`INSERT INTO customers (storefront, name, email) VALUES ('shop-b', 'B', 'ada@example.TEST')`);
    // (Reverting the storefronts migration below needs e-mails unique across storefronts again.)
    await db.dataSource.query(`DELETE FROM customers WHERE storefront = 'shop-b'`);
  });

  it('moves stock only through the ledger, never below what is reserved, and applies a movement once per dedupe key', async () => {
    const sku = await createProduct(db.dataSource, { onHand: 5 });
    await db.dataSource.query('UPDATE products SET reserved = 4 WHERE sku = $1', [sku]);

    const taken = await db.dataSource.transaction((m) => recordStockMovement(m, { sku, delta: -2, reason: 'adjust' }));
    const received = await db.dataSource.transaction((m) => recordStockMovement(m, { sku, delta: 3, reason: 'receive', dedupeKey: 'po-1' }));
    const repeated = await db.dataSource.transaction((m) => recordStockMovement(m, { sku, delta: 3, reason: 'receive', dedupeKey: 'po-1' }));

    expect(taken).toEqual({ applied: false, reason: 'below_reserved' });
    expect(received).toMatchObject({ applied: true, onHand: 8, reserved: 4 });
    expect(repeated).toEqual({ applied: false, reason: 'duplicate' });
    expect(await stockOf(db.dataSource, sku)).toEqual({ onHand: 8, reserved: 4, available: 4 });
  });

  it('gives rows written before storefronts a storefront: migrated legacy rows legacy, the others dev', async () => {
    const storefronts = migrations.findIndex((m) => m.name === 'StorefrontsAndActors1795651200102');
    for (let i = migrations.length - 1; i >= storefronts; i--) await db.dataSource.undoLastMigration({ transaction: 'each' });
    const [shop, legacy] = [randomUUID(), randomUUID()];
    await db.dataSource.query(`INSERT INTO customers (id, name) VALUES ($1, 'Shop customer')`, [shop]);
    await db.dataSource.query(`INSERT INTO customers (id, name, legacy_cust_id) VALUES ($1, 'Legacy customer', 4711)`, [legacy]);
    await db.dataSource.query(`INSERT INTO orders (id, status, customer_id) VALUES ($1, 'PENDING', $1)`, [shop]);
    await db.dataSource.query(`INSERT INTO orders (id, status, customer_id, legacy_order_no) VALUES ($1, 'DELIVERED', $1, 4711)`, [legacy]);

    await db.dataSource.runMigrations({ transaction: 'each' });

    const rows: { id: string; storefront: string }[] = await db.dataSource.query(
      'SELECT id, storefront FROM customers WHERE id = ANY ($1::uuid[]) UNION ALL SELECT id, storefront FROM orders WHERE id = ANY ($1::uuid[])',
      [[shop, legacy]],
    );
    expect(rows.map((r) => `${r.id === shop ? 'shop' : 'legacy'}:${r.storefront}`).sort()).toEqual(['legacy:legacy', 'legacy:legacy', 'shop:dev', 'shop:dev']);
    await expect(db.dataSource.query(`INSERT INTO orders (id, status) VALUES ($1, 'PENDING')`, [randomUUID()])).rejects.toThrow(/storefront/);
  });

  it('reverts every migration and applies them again', async () => {
    for (let i = 0; i < migrations.length; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'typeorm_migrations'`, [db.schema]);
    expect(n).toBe(0);

    const applied = await db.dataSource.runMigrations({ transaction: 'each' });

    expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
  });
});
