// GET /v1/events on the real stack: storefronts kept apart, filters, and the property the feed is
// built for: a reader following it never misses an event, even one whose transaction commits
// after a later-numbered one. Writers below commit out of order on purpose, concurrently, while a
// reader follows the feed through the API (and a naive reader, following the sequence number
// alone, shows what that would have lost).
import { randomUUID } from 'node:crypto';
import { withLockedOrder } from '../../activities/order-events';
import { type ApiHarness, type Json, startApi, apiClients } from '../support/api';
import { activityContext, ordersOf as ordersOfStorefront } from '../support/events';

jest.setTimeout(240_000);

const run = randomUUID().slice(0, 8);
const SHOP_A = { id: `feed-a-${run}`, secret: 'secret-a', storefront: `feed-a-${run}` };
const SHOP_B = { id: `feed-b-${run}`, secret: 'secret-b', storefront: `feed-b-${run}` };
const OPS = { id: `feed-ops-${run}`, secret: 'secret-ops', storefront: `feed-ops-${run}` };

let api: ApiHarness;
const tokens = { a: '', b: '', ops: '' };

beforeAll(async () => {
  const clients = [
    { ...SHOP_A, scopes: ['orders:read', 'orders:write'] },
    { ...SHOP_B, scopes: ['orders:read', 'orders:write'] },
    { ...OPS, scopes: ['orders:read', 'ops'] },
  ];
  const entries = await apiClients(clients);
  api = await startApi({ env: { API_CLIENTS: entries }, worker: false });
  tokens.a = await api.token('orders:read orders:write', SHOP_A);
  tokens.b = await api.token('orders:read orders:write', SHOP_B);
  tokens.ops = await api.token('orders:read ops', OPS);
});

afterAll(async () => {
  await api?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ordersOf = (storefront: string, count: number) => ordersOfStorefront(api.dataSource, storefront, count);
const ctx = () => activityContext(api.dataSource);

async function feedPage(token: string, query: string): Promise<Json> {
  const res = await api.call('GET', `/v1/events${query}`, { token });
  expect(res.status).toBe(200);
  return res.body;
}

/** Everything the feed has now, following links.next from `after` until a page comes back empty. */
async function drain(token: string, filter = '', after?: string): Promise<{ events: Json[]; after: string | undefined }> {
  const events: Json[] = [];
  let cursor = after;
  for (;;) {
    const body = await feedPage(token, `?page[size]=100${filter}${cursor ? `&page[after]=${cursor}` : ''}`);
    events.push(...body.data);
    const next = new URL(body.links.next, 'http://x').searchParams.get('page[after]')!;
    if (body.data.length === 0) return { events, after: cursor };
    cursor = next;
  }
}

describe('GET /v1/events', () => {
  it("shows a storefront its own events only, oldest first, and ops every storefront's", async () => {
    const [a1, a2] = await ordersOf(SHOP_A.storefront, 2);
    const [b1] = await ordersOf(SHOP_B.storefront, 1);
    await withLockedOrder(ctx(), a1, (tx) => tx.append('order.updated', 'u1'));

    const seenByA = (await drain(tokens.a)).events;
    expect(seenByA.map((e: Json) => `${e.attributes.orderId}:${e.attributes.seq}:${e.attributes.type}`)).toEqual([
      `${a1}:1:order.created`,
      `${a2}:1:order.created`,
      `${a1}:2:order.updated`,
    ]);
    expect(seenByA.every((e: Json) => e.attributes.storefront === SHOP_A.storefront && e.id === `${e.attributes.orderId}:${e.attributes.seq}`)).toBe(true);
    expect((await drain(tokens.b)).events.map((e: Json) => e.attributes.orderId)).toEqual([b1]);

    const seenByOps = (await drain(tokens.ops)).events.map((e: Json) => e.id);
    for (const id of [`${a1}:1`, `${a2}:1`, `${a1}:2`, `${b1}:1`]) expect(seenByOps).toContain(id);
  });

  it('filters by type and by order', async () => {
    const [o1, o2] = await ordersOf(SHOP_A.storefront, 2);
    await withLockedOrder(ctx(), o1, (tx) => tx.append('order.canceled', 'c1'));
    await withLockedOrder(ctx(), o2, (tx) => tx.append('order.updated', 'u1'));
    const canceled = (await drain(tokens.a, '&filter[type]=order.canceled,order.delivered')).events;
    expect(canceled.map((e: Json) => e.id)).toContain(`${o1}:2`);
    expect(canceled.every((e: Json) => e.attributes.type === 'order.canceled' || e.attributes.type === 'order.delivered')).toBe(true);
    const ofO2 = (await drain(tokens.a, `&filter[orderId]=${o2}`)).events;
    expect(ofO2.map((e: Json) => e.id)).toEqual([`${o2}:1`, `${o2}:2`]);
    // Another storefront's order filtered for: nothing, as if it did not exist.
    expect((await drain(tokens.b, `&filter[orderId]=${o2}`)).events).toEqual([]);
  });

  it('refuses an unknown event type and a cursor it did not issue, naming the parameter', async () => {
    const badType = await api.call('GET', '/v1/events?filter[type]=order.created,order.exploded', { token: tokens.a });
    expect(badType.status).toBe(400);
    expect(badType.body.errors[0].source).toEqual({ parameter: 'filter[type]' });
    const badCursor = await api.call('GET', '/v1/events?page[after]=abc', { token: tokens.a });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].source).toEqual({ parameter: 'page[after]' });
    expect((await api.call('GET', '/v1/events', { token: null })).status).toBe(401);
  });

  it("hands out each order's events in seq order while appends queue for the same orders", async () => {
    // Twelve writers on three orders: most appends wait for the order's lock. A transaction that
    // waits for a row lock may take its xid while it waits, before the append it waited for; the
    // feed, ordered by xid, then had seq n+1 before n (activities/order-events.ts LOCK_ORDER_SQL).
    const storefront = `feed-queue-${run}`;
    const client = { id: `queue-${run}`, secret: 'queue', scopes: ['orders:read'], storefront };
    const queueApi = await startApi({ env: { API_CLIENTS: await apiClients([client]) }, worker: false, dataSource: api.dataSource, temporalEnv: api.env });
    try {
      const orders = await ordersOf(storefront, 3);
      await Promise.all(
        Array.from({ length: 12 }, async (_, w) => {
          for (let i = 0; i < 20; i++) {
            await withLockedOrder(ctx(), orders[(w + i) % orders.length], async (tx) => {
              await tx.append('order.updated', `w${w}-${i}`);
              await sleep(Math.random() * 8);
            });
          }
        }),
      );
      const events = (await drain(await queueApi.token('orders:read', client))).events;
      expect(events).toHaveLength(3 + 12 * 20);
      for (const orderId of orders) {
        const seqs = events.filter((e: Json) => e.attributes.orderId === orderId).map((e: Json) => e.attributes.seq);
        expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
      }
    } finally {
      await queueApi.close();
    }
  });

  it('never lets a follower miss an event whose transaction commits after a later-numbered one', async () => {
    const storefront = `feed-race-${run}`;
    const client = { id: `race-${run}`, secret: 'race', scopes: ['orders:read'], storefront };
    const raceApi = await startApi({ env: { API_CLIENTS: await apiClients([client]) }, worker: false, dataSource: api.dataSource, temporalEnv: api.env });
    try {
      const token = await raceApi.token('orders:read', client);
      const orders = await ordersOf(storefront, 12);
      const { after: start } = await drain(token); // the 12 order.created events
      const committed = new Set<string>();
      let writing = true;

      // 8 writers: lock an order, append, hold the transaction open a random while (so numbers are
      // taken long before commit and commits land out of number order), commit; one in 8 rolls back.
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 25; i++) {
          const orderId = orders[(w * 25 + i) % orders.length];
          try {
            const event = await withLockedOrder(ctx(), orderId, async (tx) => {
              await sleep(Math.random() * 5);
              const appended = await tx.append('order.updated', `w${w}-${i}`, { writer: w, i });
              await sleep(Math.random() * 40);
              if (Math.random() < 1 / 8) throw new Error('rolled back on purpose');
              return appended;
            });
            committed.add(`${event.orderId}:${event.seq}`);
          } catch (err) {
            if ((err as Error).message !== 'rolled back on purpose') throw err;
          }
        }
      });

      // The follower: the API, page after page, as fast as it can.
      const followed: Json[] = [];
      let cursor = start;
      const follower = (async () => {
        for (;;) {
          const stillWriting = writing;
          const body = await raceApi.call('GET', `/v1/events?page[size]=20${cursor ? `&page[after]=${cursor}` : ''}`, { token }).then((r) => r.body);
          followed.push(...body.data);
          cursor = new URL(body.links.next, 'http://x').searchParams.get('page[after]')!;
          if (!stillWriting && body.data.length === 0) return;
        }
      })();

      // The naive reader: positions as numbered, handed out before commit.
      const naive = new Set<string>();
      let naiveAfter = '0';
      const [{ max }]: { max: string }[] = await api.dataSource.query('SELECT COALESCE(max(feed_pos), 0)::text AS max FROM order_events');
      naiveAfter = max;
      const naiveReader = (async () => {
        while (writing) {
          const rows: { id: string; pos: string }[] = await api.dataSource.query(
            `SELECT order_id::text || ':' || seq AS id, feed_pos::text AS pos FROM order_events WHERE storefront = $1 AND feed_pos > $2 ORDER BY feed_pos`,
            [storefront, naiveAfter],
          );
          for (const r of rows) naive.add(r.id);
          if (rows.length > 0) naiveAfter = rows[rows.length - 1].pos;
          await sleep(2);
        }
      })();

      await Promise.all(writers);
      writing = false;
      await Promise.all([follower, naiveReader]);

      const ids = followed.map((e) => e.id);
      expect(committed.size).toBeGreaterThan(150);
      // Every committed event, once, and nothing that was rolled back.
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...committed].sort());
      // Each order's events in sequence.
      const lastSeq = new Map<string, number>();
      for (const e of followed) {
        expect(e.attributes.seq).toBeGreaterThan(lastSeq.get(e.attributes.orderId) ?? 1);
        lastSeq.set(e.attributes.orderId, e.attributes.seq);
      }
      // The race was real: following the numbers alone lost events.
      const missedByNaive = [...committed].filter((id) => !naive.has(id));
      expect(missedByNaive.length).toBeGreaterThan(0);
    } finally {
      await raceApi.close();
    }
  });
});
