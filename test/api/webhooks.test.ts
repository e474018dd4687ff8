// Webhook endpoints through the API and deliveries on the real stack: a webhook worker and its
// dispatch Schedule on the Temporal dev server, receivers on real HTTP, PostgreSQL and Redis.
// Signatures are checked with the Standard Webhooks reference verifier (npm standardwebhooks).
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { postWebhook } from '../../activities/webhooks/post-webhook';
import { webhookEndpointWorkflowId } from '../../domain/ids';
import { type ApiHarness, type Json, startApi, apiClients } from '../support/api';
import { onLockedOrder, ordersOf } from '../support/events';
import { eventually, type RunningWorker } from '../support/temporal';
import { type Received, type Receiver, startReceiver, startWebhookWorker } from '../support/webhooks';

jest.setTimeout(240_000);

const run = randomUUID().slice(0, 8);
const SHOP_A = { id: `hooks-a-${run}`, secret: 'secret-a', storefront: `hooks-a-${run}` };
const SHOP_B = { id: `hooks-b-${run}`, secret: 'secret-b', storefront: `hooks-b-${run}` };
const READER = { id: `hooks-r-${run}`, secret: 'secret-r', storefront: SHOP_A.storefront };

let api: ApiHarness;
/** The same API with WEBHOOK_ALLOW_PRIVATE_URLS off, as in production. */
let strictApi: ApiHarness;
let worker: RunningWorker;
const tokens = { a: '', b: '', reader: '', strict: '' };
const receivers: Receiver[] = [];

beforeAll(async () => {
  const clients = [
    { ...SHOP_A, scopes: ['orders:read', 'webhooks:write'] },
    { ...SHOP_B, scopes: ['orders:read', 'webhooks:write'] },
    { ...READER, scopes: ['orders:read'] },
  ];
  const entries = await apiClients(clients);
  api = await startApi({ env: { API_CLIENTS: entries, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }, worker: false });
  strictApi = await startApi({ env: { API_CLIENTS: entries }, worker: false, dataSource: api.dataSource, temporalEnv: api.env });
  tokens.a = await api.token('orders:read webhooks:write', SHOP_A);
  tokens.b = await api.token('orders:read webhooks:write', SHOP_B);
  tokens.reader = await api.token('orders:read', READER);
  tokens.strict = await strictApi.token('orders:read webhooks:write', SHOP_A);
  worker = await startWebhookWorker({ env: api.env, dataSource: api.dataSource, timeoutMs: 1500 });
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await strictApi?.close();
  await api?.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function createEndpoint(url: string, attributes: Record<string, unknown> = {}, token = tokens.a): Promise<{ id: string; secret: string; body: Json }> {
  const res = await api.call('POST', '/v1/webhook-endpoints', { token, body: { data: { type: 'webhook-endpoints', attributes: { url, ...attributes } } } });
  expect(res.status).toBe(201);
  return { id: res.body.data.id, secret: res.body.data.attributes.secret, body: res.body };
}

const storefrontA = SHOP_A.storefront;
const append = (orderId: string, type: 'order.updated' | 'order.canceled', key: string) => onLockedOrder(api.dataSource, orderId, (tx) => tx.append(type, key));
const bodyOf = (r: Received) => JSON.parse(r.body);
const delivered = (r: Receiver) => r.received.filter((x) => x.status < 300);

function verify(secret: string, r: Received): unknown {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });
}

describe('webhook endpoints', () => {
  it('creates an endpoint and shows its secret once; lists, reads, changes and deletes it', async () => {
    const { id, secret, body } = await createEndpoint('http://127.0.0.1:9/hooks', { eventTypes: ['order.created'], description: 'warehouse' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(body.data.attributes).toMatchObject({ enabled: true, eventTypes: ['order.created'], description: 'warehouse', storefront: storefrontA });

    const read = await api.call('GET', `/v1/webhook-endpoints/${id}`, { token: tokens.a });
    expect(read.status).toBe(200);
    expect(read.body.data.attributes.secret).toBeUndefined();
    const list = await api.call('GET', '/v1/webhook-endpoints?page[size]=100', { token: tokens.a });
    expect(list.body.data.map((e: Json) => e.id)).toContain(id);
    expect(list.body.data.every((e: Json) => e.attributes.secret === undefined)).toBe(true);

    const patched = await api.call('PATCH', `/v1/webhook-endpoints/${id}`, {
      token: tokens.a,
      body: { data: { type: 'webhook-endpoints', id, attributes: { enabled: false, eventTypes: [], description: null } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.attributes).toMatchObject({ enabled: false, disabledReason: 'disabled', eventTypes: [], description: null });

    // Another storefront: 404 everywhere, and never in its list.
    expect((await api.call('GET', `/v1/webhook-endpoints/${id}`, { token: tokens.b })).status).toBe(404);
    expect((await api.call('DELETE', `/v1/webhook-endpoints/${id}`, { token: tokens.b })).status).toBe(404);
    expect((await api.call('GET', '/v1/webhook-endpoints?page[size]=100', { token: tokens.b })).body.data.map((e: Json) => e.id)).not.toContain(id);
    // Without webhooks:write: 403.
    expect((await api.call('GET', `/v1/webhook-endpoints/${id}`, { token: tokens.reader })).status).toBe(403);

    expect((await api.call('DELETE', `/v1/webhook-endpoints/${id}`, { token: tokens.a })).status).toBe(204);
    expect((await api.call('GET', `/v1/webhook-endpoints/${id}`, { token: tokens.a })).status).toBe(404);
  });

  it.each([
    ['http://hooks.example.com/x', 'https'],
    ['https://127.0.0.1/x', '127.0.0.1'],
    ['https://localhost/x', '127.0.0.1'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['https://10.1.2.3/x', '10.1.2.3'],
    ['https://192.168.0.10/x', '192.168.0.10'],
    ['https://100.64.0.1/x', '100.64.0.1'],
    ['https://[::1]/x', '::1'],
    ['https://[fd12:3456::1]/x', 'fd12:3456::1'],
    ['https://[fe80::1]/x', 'fe80::1'],
    ['https://[::ffff:127.0.0.1]/x', '127.0.0.1'],
  ])('refuses %s in production settings (422 naming url)', async (url, named) => {
    const res = await strictApi.call('POST', '/v1/webhook-endpoints', { token: tokens.strict, body: { data: { type: 'webhook-endpoints', attributes: { url } } } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].source).toEqual({ pointer: '/data/attributes/url' });
    expect(res.body.errors[0].detail).toContain(named === 'https' ? 'https' : '');
  });

  it('refuses an unknown event type and an unknown attribute, naming the field', async () => {
    const bad = await api.call('POST', '/v1/webhook-endpoints', {
      token: tokens.a,
      body: { data: { type: 'webhook-endpoints', attributes: { url: 'https://hooks.example.com/x', eventTypes: ['order.created', 'order.exploded'] } } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].source).toEqual({ pointer: '/data/attributes/eventTypes/1' });
    const unknown = await api.call('POST', '/v1/webhook-endpoints', { token: tokens.a, body: { data: { type: 'webhook-endpoints', attributes: { url: 'https://hooks.example.com/x', secret: 'x' } } } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].source).toEqual({ pointer: '/data/attributes/secret' });
  });
});

describe('deliveries', () => {
  it("delivers a storefront's events signed by the Standard Webhooks reference verifier, and nobody else's", async () => {
    const a = await receiver();
    const b = await receiver();
    const endpointA = await createEndpoint(a.url);
    await createEndpoint(b.url, {}, tokens.b);
    const [orderId] = await ordersOf(api.dataSource, storefrontA, 1);
    await append(orderId, 'order.updated', 'u1');

    await eventually(async () => delivered(a).length >= 2, 'two deliveries');
    const [first, second] = delivered(a);
    expect(verify(endpointA.secret, first)).toMatchObject({ type: 'order.created' });
    expect(verify(endpointA.secret, second)).toMatchObject({ type: 'order.updated' });
    expect(first.headers['webhook-id']).toBe(`${orderId}:1`);
    expect(bodyOf(second)).toEqual({
      type: 'order.updated',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { id: `${orderId}:2`, storefront: storefrontA, orderId, seq: 2, attributes: {} },
    });
    // A wrong secret does not verify.
    expect(() => verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, first)).toThrow();
    expect(b.received.filter((r) => bodyOf(r).data.orderId === orderId)).toEqual([]);

    // The log shows the attempts; after the work, no delivery workflow stays running for the endpoint.
    // (A round records its attempts after its last request: the log may trail the receiver a moment.)
    const log = await eventually(async () => {
      const res = await api.call('GET', `/v1/webhook-endpoints/${endpointA.id}/deliveries`, { token: tokens.a });
      return res.body.data.length >= 2 ? res.body.data : undefined;
    }, 'the attempts in the log');
    expect(log.map((x: Json) => [x.attributes.eventId, x.attributes.statusCode])).toEqual([[`${orderId}:1`, 204], [`${orderId}:2`, 204]]);
    await eventually(async () => {
      const d = await api.env.client.workflow.getHandle(webhookEndpointWorkflowId(endpointA.id)).describe();
      return d.status.name === 'COMPLETED';
    }, 'the delivery workflow to end when nothing is due');
  });

  it('keeps each order in sequence through failures, retrying after about 5 s with the same webhook-id', async () => {
    const r = await receiver();
    const failedOnce = new Set<string>();
    r.answer = ({ headers }) => {
      const id = String(headers['webhook-id']);
      if (id.endsWith(':2') && !failedOnce.has(id)) {
        failedOnce.add(id);
        return { status: 500 };
      }
      return { status: 200 };
    };
    const { id: endpointId } = await createEndpoint(r.url);
    const orders = await ordersOf(api.dataSource, storefrontA, 3);
    for (const o of orders) {
      await append(o, 'order.updated', 'u1');
      await append(o, 'order.updated', 'u2');
    }
    await eventually(async () => orders.every((o) => delivered(r).some((x) => x.headers['webhook-id'] === `${o}:3`)), 'every event delivered', 60_000);
    for (const o of orders) {
      const seqs = delivered(r).filter((x) => bodyOf(x).data.orderId === o).map((x) => bodyOf(x).data.seq);
      expect(seqs).toEqual([1, 2, 3]);
      const attempts = r.received.filter((x) => x.headers['webhook-id'] === `${o}:2`);
      expect(attempts.map((x) => x.status)).toEqual([500, 200]);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(4_000);
    }
    const log = await api.call('GET', `/v1/webhook-endpoints/${endpointId}/deliveries?page[size]=100`, { token: tokens.a });
    expect(log.body.data.filter((x: Json) => x.attributes.statusCode === 500)).toHaveLength(3);
  });

  it('treats a redirect as a failure and never follows it', async () => {
    const target = await receiver();
    const r = await receiver();
    r.answer = () => ({ status: 302, headers: { Location: target.url } });
    const { id } = await createEndpoint(r.url, { eventTypes: ['order.canceled'] });
    const [orderId] = await ordersOf(api.dataSource, storefrontA, 1);
    await append(orderId, 'order.canceled', 'c');
    await eventually(async () => r.received.length >= 1, 'the attempt');
    const log = await eventually(async () => {
      const res = await api.call('GET', `/v1/webhook-endpoints/${id}/deliveries`, { token: tokens.a });
      return res.body.data.length > 0 ? res.body.data : undefined;
    }, 'the attempt in the log');
    expect(log[0].attributes).toMatchObject({ eventId: `${orderId}:2`, statusCode: 302, error: 'redirect (not followed)' });
    expect(target.received).toEqual([]);
  });

  it('records a receiver that does not answer in time as a failure', async () => {
    const r = await receiver();
    r.answer = () => 'hang';
    const { id } = await createEndpoint(r.url, { eventTypes: ['order.canceled'] });
    const [orderId] = await ordersOf(api.dataSource, storefrontA, 1);
    await append(orderId, 'order.canceled', 'c');
    const log = await eventually(async () => {
      const res = await api.call('GET', `/v1/webhook-endpoints/${id}/deliveries`, { token: tokens.a });
      return res.body.data.length > 0 ? res.body.data : undefined;
    }, 'the attempt in the log');
    expect(log[0].attributes.statusCode).toBeNull();
    expect(log[0].attributes.error).toMatch(/no complete answer within/);
  });

  it('disables the endpoint at a 410, records endpoint.disabled in the feed, and sends what waited once enabled again', async () => {
    const r = await receiver();
    let gone = true;
    r.answer = () => ({ status: gone ? 410 : 200 });
    const { id } = await createEndpoint(r.url, { eventTypes: ['order.canceled'] });
    const [orderId] = await ordersOf(api.dataSource, storefrontA, 1);
    await append(orderId, 'order.canceled', 'c');
    const off = await eventually(async () => {
      const res = await api.call('GET', `/v1/webhook-endpoints/${id}`, { token: tokens.a });
      return res.body.data.attributes.enabled === false ? res.body.data.attributes : undefined;
    }, 'the endpoint disabled');
    expect(off.disabledReason).toBe('gone');
    const feed = await api.call('GET', '/v1/events?filter[type]=endpoint.disabled&page[size]=100', { token: tokens.a });
    expect(feed.body.data.map((e: Json) => e.attributes.data)).toContainEqual({ endpointId: id, url: r.url, reason: 'gone' });

    gone = false;
    const on = await api.call('PATCH', `/v1/webhook-endpoints/${id}`, { token: tokens.a, body: { data: { type: 'webhook-endpoints', id, attributes: { enabled: true } } } });
    expect(on.body.data.attributes).toMatchObject({ enabled: true, disabledReason: null });
    // Sent now, not after the 5 s its failed attempt would wait.
    const [{ waits }] = await api.dataSource.query(`SELECT count(*)::int AS waits FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'PENDING' AND next_attempt_at > now()`, [id]);
    expect(waits).toBe(0);
    await eventually(async () => delivered(r).some((x) => x.headers['webhook-id'] === `${orderId}:2`), 'the waiting event delivered', 30_000);
  });

  it('disables an endpoint that has failed for 5 days', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 503 });
    const { id } = await createEndpoint(r.url, { eventTypes: ['order.canceled'] });
    await api.dataSource.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`, [id]);
    const [orderId] = await ordersOf(api.dataSource, storefrontA, 1);
    await append(orderId, 'order.canceled', 'c');
    const off = await eventually(async () => {
      const res = await api.call('GET', `/v1/webhook-endpoints/${id}`, { token: tokens.a });
      return res.body.data.attributes.enabled === false ? res.body.data.attributes : undefined;
    }, 'the endpoint disabled');
    expect(off.disabledReason).toBe('failing');
  });

  it('signs with the old and the new secret for 24 hours after a rotation', async () => {
    const r = await receiver();
    const { id, secret: oldSecret } = await createEndpoint(r.url, { eventTypes: ['order.canceled'] });
    const rotated = await api.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { token: tokens.a });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.data.attributes.secret;
    expect(newSecret).not.toBe(oldSecret);
    const until = Date.parse(rotated.body.data.attributes.previousSecretExpiresAt);
    expect(until - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    const [orderId] = await ordersOf(api.dataSource, storefrontA, 1);
    await append(orderId, 'order.canceled', 'c');
    const [got] = await eventually(async () => (delivered(r).length > 0 ? delivered(r) : undefined), 'the delivery');
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(newSecret, got)).toMatchObject({ type: 'order.canceled' });
    expect(verify(oldSecret, got)).toMatchObject({ type: 'order.canceled' });
  });

  it('sends a replay queued while the first delivery is still being answered, rather than taking it as delivered', async () => {
    const r = await receiver();
    r.answer = () => ({ status: 200, afterMs: 700 });
    const { id } = await createEndpoint(r.url, { eventTypes: ['order.canceled'] });
    const [orderId] = await ordersOf(api.dataSource, storefrontA, 1);
    const since = new Date().toISOString();
    await append(orderId, 'order.canceled', 'c');
    const sent = (x: Received) => x.headers['webhook-id'] === `${orderId}:2`;
    await eventually(async () => r.received.some(sent), 'the first delivery at the receiver', 30_000, 20);
    // The receiver has it and has not answered yet: the replay lands in between.
    const replay = await api.call('POST', `/v1/webhook-endpoints/${id}/replay`, { token: tokens.a, body: { data: { type: 'webhook-replays', attributes: { since } } } });
    expect(replay.body.data.attributes.events).toBeGreaterThanOrEqual(1);
    await eventually(async () => r.received.filter(sent).length === 2, 'the replay sent');
  });

  it('replays every event since a time with the original webhook-ids', async () => {
    const r = await receiver();
    const { id } = await createEndpoint(r.url);
    const since = new Date().toISOString();
    const [orderId] = await ordersOf(api.dataSource, storefrontA, 1);
    await append(orderId, 'order.updated', 'u');
    await eventually(async () => delivered(r).filter((x) => bodyOf(x).data.orderId === orderId).length === 2, 'first deliveries');
    const replay = await api.call('POST', `/v1/webhook-endpoints/${id}/replay`, { token: tokens.a, body: { data: { type: 'webhook-replays', attributes: { since } } } });
    expect(replay.status).toBe(202);
    expect(replay.body.data.attributes.events).toBeGreaterThanOrEqual(2);
    await eventually(async () => delivered(r).filter((x) => bodyOf(x).data.orderId === orderId).length === 4, 'replayed deliveries');
    expect(delivered(r).filter((x) => bodyOf(x).data.orderId === orderId).map((x) => x.headers['webhook-id'])).toEqual([`${orderId}:1`, `${orderId}:2`, `${orderId}:1`, `${orderId}:2`]);
    // An offset RFC 3339 allows and PostgreSQL does not (beyond ±15:59), far in the future: nothing to send.
    const farOffset = await api.call('POST', `/v1/webhook-endpoints/${id}/replay`, { token: tokens.a, body: { data: { type: 'webhook-replays', attributes: { since: '9555-03-22T20:55:15.562873+20:01' } } } });
    expect(farOffset.status).toBe(202);
    expect(farOffset.body.data.attributes).toEqual({ since: '9555-03-22T00:54:15.562Z', events: 0 });
    const bad = await api.call('POST', `/v1/webhook-endpoints/${id}/replay`, { token: tokens.a, body: { data: { type: 'webhook-replays', attributes: { since: 'yesterday' } } } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].source).toEqual({ pointer: '/data/attributes/since' });
  });

  it('never connects to a forbidden address at delivery time, whatever the name resolves to then (DNS rebinding)', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    const send = (url: string) => postWebhook(url, { 'webhook-id': 'x' }, '{}', { allowPrivate: false });
    // A name that resolves to 127.0.0.1: refused on the resolved address, before any connection.
    expect((await send(`https://localhost:${port}/hooks`)).error).toMatch(/localhost resolves to a forbidden address \(.*127\.0\.0\.1/);
    expect((await send(`https://127.0.0.1:${port}/hooks`)).error).toMatch(/forbidden address/);
    expect((await send(`https://[::ffff:7f00:1]:${port}/hooks`)).error).toMatch(/forbidden address/);
    expect((await send(`http://127.0.0.1:${port}/hooks`)).error).toMatch(/not https/);
    expect(r.received).toEqual([]);
  });
});
