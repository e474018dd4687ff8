// Payload encryption end to end on the Temporal dev server: an order runs through a worker and a
// client that both encrypt; Temporal's own history (read without the codec) holds no readable
// address or payment token; the codec endpoint gives them back to an operator, and only to one.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { clientAddingCause } from '../../api/request-cause-header';
import { CODEC_SESSION_COOKIE } from '../../api/routes/codec';
import { createDataConverter } from '../../runtime/data-converter';
import { withRequestContext } from '../../runtime/logger';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, parseEncryptionKeys } from '../../runtime/payload-codec';
import { carrierEventDelivery } from '../../workers/order-worker';
import { type ApiHarness, startApi } from '../support/api';
import { placeOrder, SagaTestBed, stateEventually } from '../support/temporal';

const KEYS = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`;
const dataConverter = createDataConverter({ PAYLOAD_ENCRYPTION_KEYS: KEYS })!;
const UI_ORIGIN = 'http://127.0.0.1:8233';

const bed = new SagaTestBed('codec', { worker: { dataConverter } });
let api: ApiHarness;
let client: Client;

beforeAll(async () => {
  await bed.start();
  client = new Client({ connection: bed.env.connection, namespace: bed.env.namespace ?? 'default', dataConverter });
  api = await startApi({ worker: false, temporalEnv: bed.env, dataSource: bed.dataSource, env: { PAYLOAD_ENCRYPTION_KEYS: KEYS } });
});
afterAll(async () => {
  await api?.close();
  await bed.stop();
});

type JsonPayload = { metadata?: Record<string, string>; data?: string };
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const encodingOf = (p: Payload) => Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString('utf8');

/** The history as Temporal stores it, fetched by a client without the codec, every page. */
async function rawHistory(workflowId: string): Promise<{ bytes: Buffer; payloads: Payload[] }> {
  const pages: Buffer[] = [];
  const payloads: Payload[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await bed.client.workflowService.getWorkflowExecutionHistory({
      namespace: bed.env.namespace ?? 'default',
      execution: { workflowId },
      nextPageToken,
    });
    pages.push(Buffer.from(temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse.encode(page).finish()));
    collectPayloads(page.history, payloads);
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { bytes: Buffer.concat(pages), payloads };
}

/** What the SDK itself writes in plain into its markers: a local activity's ids and timings, a patch id. */
const SDK_MARKER_METADATA = new Set(['data', 'patch-data']);

/**
 * Every Payload in the history but search attributes, which the server must read and which hold
 * no personal data, and the SDK's own marker metadata (the raw bytes are checked for secrets too).
 */
function collectPayloads(node: unknown, into: Payload[]): void {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  const candidate = node as { metadata?: unknown; data?: unknown };
  if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
    into.push(node as Payload);
    return;
  }
  const marker = (node as { markerName?: unknown }).markerName;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'searchAttributes') continue;
    if (marker !== undefined && key === 'details') {
      for (const [name, payloads] of Object.entries(value as object)) if (!SDK_MARKER_METADATA.has(name)) collectPayloads(payloads, into);
      continue;
    }
    if (Array.isArray(value)) value.forEach((v) => collectPayloads(v, into));
    else collectPayloads(value, into);
  }
}

function decodeRequest(payloads: JsonPayload[], headers: Record<string, string> = {}) {
  return { body: { payloads }, contentType: 'application/json', headers: { 'X-Namespace': 'default', ...headers } };
}

describe('payload encryption', () => {
  const marker = randomUUID().slice(0, 8);
  const address = { name: `Grace Hopper ${marker}`, line1: `${marker} Secret Lane`, city: 'Arlington', postalCode: '22201', country: 'US' };
  let workflowId: string;

  it('keeps the address and the payment token out of Temporal history while the order runs to DELIVERED', async () => {
    const { order } = await bed.simpleOrder({ shippingAddress: address, payment: { token: 'tok_ok' } });
    // Placed as the API places it, with the request cause header (api/request-cause-header.ts).
    const cause = { clientId: 'dev-client', requestId: `req-${randomUUID()}` };
    const { handle, state } = await withRequestContext(cause, () => placeOrder(clientAddingCause(client), order, { taskQueue: bed.taskQueue }));
    workflowId = handle.workflowId;
    expect(state.shippingAddress).toEqual(address);

    await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the shipment to be booked');
    const [shipment]: { carrier_shipment_id: string; tracking_number: string }[] = await bed.dataSource.query(
      `SELECT carrier_shipment_id, tracking_number FROM shipments WHERE order_id = $1 AND status <> 'CANCELED'`,
      [order.orderId],
    );
    const deliver = carrierEventDelivery(client);
    for (const kind of ['shipped', 'delivered'] as const) {
      await deliver({ orderId: order.orderId, carrierShipmentId: shipment.carrier_shipment_id, trackingNumber: shipment.tracking_number, kind, at: new Date().toISOString() });
    }
    expect(await handle.result()).toMatchObject({ status: 'DELIVERED', shippingAddress: address });

    const { bytes, payloads } = await rawHistory(workflowId);
    for (const secret of [address.line1, address.name, 'tok_ok', marker]) {
      expect(bytes.includes(secret)).toBe(false);
    }
    expect(payloads.length).toBeGreaterThan(10);
    // Headers skip the codec (the SDK does not encode them): the only plain payloads are the
    // request cause's, which hold the client and request ids and nothing else.
    const plain = payloads.filter((p) => encodingOf(p) !== ENCRYPTED_ENCODING);
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(plain.map(() => cause));
  });

  it('gives an operator the address and the token back through the codec endpoint', async () => {
    const { payloads } = await rawHistory(workflowId);
    const res = await api.call('POST', '/codec/decode', { ...decodeRequest(payloads.map(toJson)), token: await api.token('ops') });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const decoded = (res.body.payloads as JsonPayload[]).map(fromJson);
    expect(decoded).toHaveLength(payloads.length);
    expect(decoded.every((p) => encodingOf(p) !== ENCRYPTED_ENCODING)).toBe(true);
    const values = decoded.map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p)));
    expect(values.some((v) => v.includes(address.line1) && v.includes('tok_ok'))).toBe(true);
  });

  it('encrypts with the first key on /encode and reads the result back on /decode', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload({ operator: 'ops-1' }));
    const encoded = await api.call('POST', '/codec/encode', decodeRequest([plain]));
    expect(encoded.status).toBe(200);
    const [encrypted] = (encoded.body.payloads as JsonPayload[]).map(fromJson);
    expect(encodingOf(encrypted)).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encrypted.metadata!['encryption-key-id']!).toString()).toBe('k2');
    const decoded = await api.call('POST', '/codec/decode', decodeRequest(encoded.body.payloads));
    expect(decoded.body.payloads).toEqual([plain]);
  });

  it('passes plain payloads through, so orders from before encryption still read', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload({ line1: 'old order' }));
    const res = await api.call('POST', '/codec/decode', decodeRequest([plain]));
    expect(res.body.payloads).toEqual([plain]);
  });

  it('answers 422 naming the key for a payload encrypted with a key it does not have', async () => {
    const foreign = new AesGcmPayloadCodec(parseEncryptionKeys(`k0:${randomBytes(32).toString('base64')}`));
    const [encrypted] = await foreign.encode([defaultPayloadConverter.toPayload('x')]);
    const plain = toJson(defaultPayloadConverter.toPayload('y'));
    const res = await api.call('POST', '/codec/decode', decodeRequest([plain, toJson(encrypted)]));
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ code: 'unknown_encryption_key', source: { pointer: '/payloads/1' } });
    expect(res.body.errors[0].detail).toContain("key 'k0'");
  });

  it('answers 401 without a token and 403 with a token lacking ops', async () => {
    const body = decodeRequest([]);
    const anonymous = await api.call('POST', '/codec/decode', { ...body, token: null, headers: { ...body.headers, Origin: UI_ORIGIN } });
    expect(anonymous.status).toBe(401);
    // The UI can read the refusal (and tell the operator) only if it carries the CORS headers.
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const reader = await api.call('POST', '/codec/decode', { ...body, token: await api.token('orders:read orders:write catalog:write') });
    expect(reader.status).toBe(403);
    const encoder = await api.call('POST', '/codec/encode', { ...body, token: await api.token('orders:read') });
    expect(encoder.status).toBe(403);
  });

  it('refuses payloads of another namespace and a malformed body', async () => {
    const other = await api.call('POST', '/codec/decode', decodeRequest([], { 'X-Namespace': 'elsewhere' }));
    expect(other.status).toBe(400);
    expect(other.body.errors[0]).toMatchObject({ code: 'unknown_namespace', source: { header: 'X-Namespace' } });
    const bad = await api.call('POST', '/codec/decode', decodeRequest([{ data: 'not base64!' }]));
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].source.pointer).toBe('/payloads/0/data');
  });

  it('answers the Temporal UI\'s preflight for its origin, with credentials', async () => {
    const preflight = await api.app.request('/codec/decode', {
      method: 'OPTIONS',
      headers: { Origin: UI_ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');

    const post = await api.call('POST', '/codec/decode', decodeRequest([], { Origin: 'http://localhost:8233' }));
    expect(post.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(post.headers.get('access-control-allow-credentials')).toBe('true');

    const stranger = await api.app.request('/codec/decode', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the UI decode with the session cookie an operator gets by signing in', async () => {
    const page = await api.app.request('/codec/session');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="client_secret"');

    const refused = await api.app.request('/codec/session', {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'dev-client', client_secret: 'wrong' }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('set-cookie')).toBeNull();

    const signedIn = await api.app.request('/codec/session', {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'dev-client', client_secret: 'dev-secret' }),
    });
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${CODEC_SESSION_COOKIE}=[^;]+; Max-Age=\\d+; Path=/codec; HttpOnly; SameSite=Strict`));

    const [encrypted] = await dataConverter.payloadCodecs![0].encode([defaultPayloadConverter.toPayload({ line1: address.line1 })]);
    const res = await api.call('POST', '/codec/decode', { ...decodeRequest([toJson(encrypted)], { Cookie: cookie.split(';')[0], Origin: UI_ORIGIN }), token: null });
    expect(res.status).toBe(200);
    expect(defaultPayloadConverter.fromPayload(fromJson(res.body.payloads[0]))).toEqual({ line1: address.line1 });
  });
});
