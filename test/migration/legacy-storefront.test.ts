// Migrated legacy customers and orders belong to LEGACY_STOREFRONT: a client of that storefront
// sees them through the API, a client of another does not, the operator does.
import { hashSecret } from '../../api/auth';
import { type ApiHarness, type Json, startApi } from '../support/api';
import { MigrationTestBed } from './migration-bed';

jest.setTimeout(120_000);

const STOREFRONT = 'old-shop';
const bed = new MigrationTestBed('legacy-storefront');
let api: ApiHarness;
const clients = { legacy: { id: 'old-shop-client', secret: 'legacy-secret' }, shop: { id: 'new-shop-client', secret: 'shop-secret' }, ops: { id: 'ops-client', secret: 'ops-secret' } };

beforeAll(async () => {
  await bed.start({ orders: 80, seed: 5 });
  await bed.startWorker({ storefront: STOREFRONT });
  const entries = [
    { id: clients.legacy.id, secretHash: await hashSecret(clients.legacy.secret), scopes: ['orders:read'], storefront: STOREFRONT },
    { id: clients.shop.id, secretHash: await hashSecret(clients.shop.secret), scopes: ['orders:read'], storefront: 'new-shop' },
    { id: clients.ops.id, secretHash: await hashSecret(clients.ops.secret), scopes: ['orders:read', 'ops'], storefront: 'back-office' },
  ];
  // The API on the migration's target schema.
  api = await startApi({ worker: false, dataSource: bed.dataSource, temporalEnv: bed.env, env: { API_CLIENTS: JSON.stringify(entries) } });
});
afterAll(async () => {
  await api?.close();
  await bed.stop();
});

it('puts migrated customers and orders in the legacy storefront, seen by its clients and ops only', async () => {
  await bed.migrate();
  const storefronts: { table: string; storefront: string; n: number }[] = await bed.dataSource.query(
    `SELECT 'customers' AS table, storefront, count(*)::int AS n FROM customers GROUP BY storefront
     UNION ALL SELECT 'orders', storefront, count(*)::int FROM orders GROUP BY storefront`,
  );
  expect(storefronts.map(({ table, storefront }) => `${table}:${storefront}`).sort()).toEqual([`customers:${STOREFRONT}`, `orders:${STOREFRONT}`]);

  const list = async (client: keyof typeof clients, path: string) => {
    const res = await api.call('GET', path, { token: await api.token(client === 'ops' ? 'orders:read ops' : 'orders:read', clients[client]) });
    expect(res.status).toBe(200);
    return res.body.data as Json[];
  };
  const legacyOrders = await list('legacy', '/v1/orders?page[size]=10');
  expect(legacyOrders).toHaveLength(10);
  expect(legacyOrders.every((o) => o.attributes.storefront === STOREFRONT && o.attributes.legacyOrderNo !== null)).toBe(true);
  expect(await list('shop', '/v1/orders')).toEqual([]);
  expect(await list('shop', '/v1/customers')).toEqual([]);
  expect(await list('ops', '/v1/orders?page[size]=10')).toHaveLength(10);

  const one = legacyOrders[0].id as string;
  expect((await api.call('GET', `/v1/orders/${one}`, { token: await api.token('orders:read', clients.shop) })).status).toBe(404);
  expect((await api.call('GET', `/v1/orders/${one}`, { token: await api.token('orders:read', clients.legacy) })).status).toBe(200);
});
