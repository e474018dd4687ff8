// The operator's console, proven in a real browser: Debian's chromium, driven by playwright-core,
// works the Temporal Web UI the test run's dev server serves (TEMPORAL_UI_URL) exactly as
// docs/operations.md tells an operator to. An order parks in NEEDS_ATTENTION because this file's
// carrier simulator fails; the operator signs in to the codec, points the UI's Codec Server
// setting at the API's /codec, filters OrderStatus="NEEDS_ATTENTION", opens the order, reads its
// decrypted shipping address, and, once the carrier is back, sends `retry` from the UI's Send a
// Signal dialog; the API then reports the order DELIVERED. Every step leaves a screenshot in
// test-artifacts/browser/.
//
// Everything runs in this process on the suite's services: the API (createApp, listening on a free
// port so the browser can reach /codec), an order worker with the real activities, simulators with
// zero delays and the carrier dispatcher. Payloads are encrypted (PAYLOAD_ENCRYPTION_KEYS) for the
// API's client and the worker alike, so the address the UI shows can only have come through the
// codec endpoint. The file has a database schema of its own: its dispatcher claims every due
// shipment it can see.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { createOrderActivities } from '../../activities';
import { CarrierSimulator } from '../../activities/adapters/carrier-simulator';
import { PaymentSimulator } from '../../activities/adapters/payment-simulator';
import { orderWorkflowId } from '../../domain/ids';
import { createDataConverter } from '../../runtime/data-converter';
import { ENCRYPTED_ENCODING } from '../../runtime/payload-codec';
import { startCarrierEventDispatcher } from '../../workers/order-worker';
import { type OrderWorkflowInput, orderStateQuery } from '../../workflows/order-definitions';
import { ADDRESS, apiRedis, type ApiHarness, newKey, orderBody, readyRedis, silent, startApi } from '../support/api';
import { dropSchema, openTestDataSource, uniqueSchema } from '../support/db';
import { connectToDevServer, eventually, FAST_PROVIDER_RETRY, type RunningWorker, startOrderWorker } from '../support/temporal';

const UI_URL = (process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233').replace(/\/+$/, '');
const UI_ORIGIN = new URL(UI_URL).origin;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/browser');
const NAMESPACE = 'default';
/** Generous: the UI is a single-page app talking to a dev server under a loaded test run. */
const UI_TIMEOUT = 30_000;

const SHIP_AFTER_MS = 2000;

const KEYS = `kb1:${randomBytes(32).toString('base64')}`;
const dataConverter = createDataConverter({ PAYLOAD_ENCRYPTION_KEYS: KEYS })!;

/**
 * The API starts orders with the workflow's default provider retry (six attempts over ~30 s before
 * parking). The workflow takes its retry policy from its input, so this client adds the tests'
 * fast policy to the input of every order it starts; nothing else about the API's call changes.
 */
const fastParking: WorkflowClientInterceptor = {
  startUpdateWithStart(input, next) {
    const [first, ...rest] = input.workflowStartOptions.args as [OrderWorkflowInput, ...unknown[]];
    const args = [{ ...first, options: { ...first.options, providerRetry: FAST_PROVIDER_RETRY } }, ...rest];
    return next({ ...input, workflowStartOptions: { ...input.workflowStartOptions, args } });
  },
};

jest.setTimeout(240_000);

/** Fails fast, and says why, when the dev server's UI is not where TEMPORAL_UI_URL points. */
async function uiPreflight(): Promise<void> {
  let settings: { Version?: string };
  try {
    const res = await fetch(`${UI_URL}/api/v1/settings`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    settings = (await res.json()) as { Version?: string };
  } catch (err) {
    throw new Error(`the Temporal UI at TEMPORAL_UI_URL=${UI_URL} does not answer (${String(err)}); ./dev test starts the dev server with its UI`, { cause: err });
  }
  if (!settings.Version) throw new Error(`${UI_URL}/api/v1/settings does not look like the Temporal UI's`);
}

const schema = uniqueSchema('browser');
let dataSource: DataSource;
let env: TestWorkflowEnvironment;
let client: Client;
let api: ApiHarness;
let server: ServerType | undefined;
let apiUrl: string;
let carrier: CarrierSimulator;
let worker: RunningWorker | undefined;
let stopDispatcher: (() => Promise<void>) | undefined;
let activityRedis: ReturnType<typeof apiRedis> | undefined;
let context: BrowserContext | undefined;
let page: Page;
let profileDir: string | undefined;
/** The UI's calls to the codec endpoint (POST /codec/decode, /codec/encode). */
const codecCalls: { path: string; status: number }[] = [];

beforeAll(async () => {
  // Only this run's screenshots: an earlier run's (or its failure's) would mislead.
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  await uiPreflight();
  dataSource = await openTestDataSource({ schema, poolSize: 10 });
  env = await connectToDevServer();
  client = new Client({ connection: env.connection, namespace: NAMESPACE, dataConverter, interceptors: { workflow: [fastParking] } });
  api = await startApi({
    worker: false,
    dataSource,
    temporalEnv: env,
    temporalClient: client,
    env: { PAYLOAD_ENCRYPTION_KEYS: KEYS, CODEC_CORS_ORIGINS: UI_ORIGIN, TEMPORAL_NAMESPACE: NAMESPACE },
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  activityRedis = apiRedis();
  await readyRedis(activityRedis);
  // This file's own carrier: switching it off affects no other file (unlike the sim_switches table).
  // No latency and no delivery delay, but the parcel "ships" SHIP_AFTER_MS after booking: a scan
  // signalled before the workflow has seen its booking complete is ignored ("no shipment is
  // booked"), and the order would wait for the carrier for ever.
  carrier = new CarrierSimulator({ dataSource, latencyMs: 0, shipAfterMs: SHIP_AFTER_MS, deliverAfterMs: 0 });
  const activities = createOrderActivities({
    dataSource,
    redis: activityRedis,
    payment: new PaymentSimulator({ dataSource, latencyMs: 0 }),
    carrier,
    logger: silent,
  });
  worker = await startOrderWorker({ env, taskQueue: api.taskQueue, activities, worker: { dataConverter } });
  stopDispatcher = startCarrierEventDispatcher({ client, dataSource, pollMs: 100 });

  // A fresh profile each run (no remembered codec setting or cookie from an earlier run).
  profileDir = mkdtempSync(path.join(tmpdir(), 'ordersaga-chromium-'));
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 1000 },
      // Without the background-networking flags chromium keeps calling Google's services.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Helpers forked by a zygote outlive the browser as zombies where PID 1 does not reap them.
        '--no-zygote',
      ],
    });
  } catch (err) {
    throw new Error(`could not start ${CHROMIUM} (scripts/stack.sh ensure_chromium installs Debian's chromium): ${String(err)}`, { cause: err });
  }
  context.setDefaultTimeout(UI_TIMEOUT);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.origin === apiUrl && ['/codec/decode', '/codec/encode'].includes(url.pathname)) {
      codecCalls.push({ path: url.pathname, status: res.status() });
    }
  });
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await stopDispatcher?.();
  await worker?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await api?.close();
  activityRedis?.disconnect();
  if (dataSource) {
    await dropSchema(dataSource, schema);
    await dataSource.destroy();
  }
  await env?.teardown();
});

// ---------------------------------------------------------------- steps and screenshots

/** The history as Temporal stores it (read without the codec): its bytes and its events. */
async function storedHistory(workflowId: string): Promise<{ bytes: Buffer; events: temporal.api.history.v1.IHistoryEvent[] }> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return { bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()), events: history.events ?? [] };
}

let shots = 0;

async function screenshot(name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${String(++shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * One operator step: runs it, then keeps a screenshot of what the browser shows. A failing step is
 * reported by name, with the page's address and a screenshot of the moment it failed.
 */
async function step(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    const file = await screenshot(`FAILED-${name}`).catch(() => '(no screenshot)');
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`browser step "${name}" failed at ${page.url()}\n  screenshot: ${file}\n  ${message}`, { cause: err });
  }
  await screenshot(name);
}

// ---------------------------------------------------------------- the operator's retry

describe('the operator console in a real browser (Temporal UI)', () => {
  it('finds a parked order, reads its decrypted address and retries it from the UI to DELIVERED', async () => {
    const marker = randomUUID().slice(0, 8);
    const address = { ...ADDRESS, name: `Grace ${marker}`, line1: `${marker} Carrier Lane` };

    // The carrier is down: the order's shipment runs out of retries and the order parks.
    carrier.setFailing(true);
    const customer = await api.call('POST', '/v1/customers', {
      body: { data: { type: 'customers', attributes: { name: 'Grace', email: `${randomUUID()}@example.test`, country: 'US' } } },
    });
    expect(customer.status).toBe(201);
    const sku = `B${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
    const product = await api.call('POST', '/v1/products', {
      body: { data: { type: 'products', attributes: { sku, name: `Widget ${sku}`, unitPriceDecimal: '10.0000', onHand: 5 } } },
    });
    expect(product.status).toBe(201);
    const placed = await api.call('POST', '/v1/orders', {
      body: orderBody(customer.body.data.id, [{ sku, quantity: 1 }], { shippingAddress: address }),
      headers: { 'Idempotency-Key': newKey() },
    });
    expect(placed.status).toBe(202);
    const orderId: string = placed.body.data.id;
    const workflowId = orderWorkflowId(orderId);
    const parked = await eventually(
      async () => {
        const { attributes } = (await api.call('GET', `/v1/orders/${orderId}`)).body.data;
        return attributes.status === 'NEEDS_ATTENTION' ? attributes : undefined;
      },
      `order ${orderId} to park in NEEDS_ATTENTION (carrier failing)`,
      60_000,
      200,
    );
    expect(parked.statusReason).toMatch(/carrier unavailable/);

    // Nothing readable in what Temporal stores: the address only comes back through the codec.
    expect((await storedHistory(workflowId)).bytes.includes(marker)).toBe(false);

    await step('codec-sign-in', async () => {
      await page.goto(`${apiUrl}/codec/session`);
      await page.getByLabel('Client id').fill('dev-client');
      await page.getByLabel('Client secret').fill('dev-secret');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('status').filter({ hasText: 'Signed in until' }).waitFor();
    });

    await step('ui-codec-server-applied', async () => {
      await page.goto(`${UI_URL}/namespaces/${NAMESPACE}/workflows`);
      await page.getByRole('button', { name: 'Configure Codec Server' }).click();
      const dialog = page.getByRole('dialog').filter({ hasText: 'Codec Server' });
      await dialog.getByRole('radio', { name: /Use my browser setting/ }).check();
      await dialog.getByPlaceholder('Paste your endpoint here').fill(`${apiUrl}/codec`);
      // The switch's input is visually hidden; the operator clicks its label.
      const credentials = dialog.getByRole('switch', { name: 'Include cross-origin credentials' });
      if (!(await credentials.isChecked())) await dialog.getByText('Include cross-origin credentials').click();
      expect(await credentials.isChecked()).toBe(true);
      await screenshot('ui-codec-server-dialog');
      await dialog.getByRole('button', { name: 'Apply' }).click();
      await dialog.waitFor({ state: 'hidden' });
      // The UI keeps the setting in the browser's local storage (JSON values).
      const stored = await page.evaluate(() => {
        const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage;
        return {
          endpoint: storage.getItem('endpoint'),
          includeCredentials: storage.getItem('includeCredentials'),
          override: storage.getItem('overrideRemoteCodecConfiguration'),
        };
      });
      expect(stored).toEqual({ endpoint: JSON.stringify(`${apiUrl}/codec`), includeCredentials: 'true', override: 'true' });
    });

    const query = `OrderStatus="NEEDS_ATTENTION" AND WorkflowId="${workflowId}"`;
    await step('ui-filter-needs-attention', async () => {
      const row = page.getByRole('link', { name: workflowId });
      await eventually(
        async () => {
          await page.goto(`${UI_URL}/namespaces/${NAMESPACE}/workflows`);
          // The raw-query toggle is an icon button without an accessible name in UI 2.54.1.
          await page.getByTestId('toggle-manual-query').click();
          const search = page.getByPlaceholder('Enter a query');
          await search.fill(query);
          await search.press('Enter');
          await row.first().waitFor({ timeout: 5_000 });
          return true;
        },
        `the UI to list ${workflowId} for ${query}`,
        UI_TIMEOUT,
        500,
      );
      expect(decodeURIComponent(page.url())).toContain('OrderStatus="NEEDS_ATTENTION"');
    });

    await step('ui-order-decoded-address', async () => {
      const decoded = page.waitForResponse((res) => res.url().startsWith(`${apiUrl}/codec/decode`) && res.request().method() === 'POST');
      await page.getByRole('link', { name: workflowId }).first().click();
      await page.waitForURL((url) => url.pathname.includes(`/workflows/${encodeURIComponent(workflowId)}`));
      const first = await decoded;
      if (first.status() !== 200) throw new Error(`the UI's POST /codec/decode answered ${first.status()}: ${await first.text()}`);
      await page.getByText(address.line1).first().waitFor();
    });

    // The carrier is back; the operator retries the order from the UI.
    carrier.setFailing(false);
    const note = `carrier back ${marker}`;
    await step('ui-send-retry-signal', async () => {
      await page.getByRole('button', { name: 'More Actions' }).click();
      await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
      const dialog = page.getByRole('dialog').filter({ hasText: 'Send a Signal' });
      // The signal names come from the workflow's own metadata query.
      await dialog.getByRole('button', { name: /Select a signal/ }).click();
      await page.getByRole('option', { name: 'retry', exact: true }).click();
      const data = dialog.getByRole('textbox', { name: 'Data' });
      await data.click();
      await page.keyboard.insertText(JSON.stringify({ operator: 'browser-test', note }));
      await screenshot('ui-send-retry-signal-dialog');
      const encoded = page.waitForResponse((res) => res.url().startsWith(`${apiUrl}/codec/encode`) && res.request().method() === 'POST');
      await dialog.getByRole('button', { name: 'Submit' }).click();
      expect((await encoded).status()).toBe(200);
      await dialog.waitFor({ state: 'hidden' });
      await page.getByText('Workflow signaled').first().waitFor();
    });

    const delivered = await eventually(
      async () => {
        const res = await api.call('GET', `/v1/orders/${orderId}`);
        return res.body.data.attributes.status === 'DELIVERED' ? res : undefined;
      },
      `order ${orderId} to be DELIVERED through the API after the UI's retry`,
      60_000,
      200,
    ).catch(async (err: Error) => {
      const state = await client.workflow.getHandle(workflowId).query(orderStateQuery).catch((e: unknown) => String(e));
      throw new Error(`${err.message}\n  the workflow's state: ${JSON.stringify(state)}`, { cause: err });
    });
    expect(delivered.body.data.attributes.shippingAddress).toMatchObject({ line1: address.line1 });
    writeFileSync(path.join(ARTIFACTS, `${String(++shots).padStart(2, '0')}-api-order-delivered.json`), JSON.stringify(delivered.body, null, 2));

    // The UI's signal went in through the codec's /encode: its input is encrypted in history too.
    const { bytes, events } = await storedHistory(workflowId);
    const retried = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'retry');
    const [retryPayload] = retried?.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [];
    expect(Buffer.from(retryPayload?.metadata?.encoding ?? new Uint8Array()).toString()).toBe(ENCRYPTED_ENCODING);
    expect(bytes.includes(marker)).toBe(false);

    await step('ui-order-delivered', async () => {
      await page.reload();
      await page.getByText(/^completed$/i).first().waitFor();
      await page.getByText('"DELIVERED"').first().waitFor();
    });

    // The UI used the codec for reading and for the signal, and every call answered 200.
    expect([...new Set(codecCalls.map((call) => call.path))].sort()).toEqual(['/codec/decode', '/codec/encode']);
    expect(codecCalls.filter((call) => call.status !== 200)).toEqual([]);
  });
});
