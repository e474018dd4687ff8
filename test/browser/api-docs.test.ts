// /docs in a real browser (Debian's chromium, driven by playwright-core) with every request that
// leaves the API refused, as on a machine without internet access: Swagger UI must come from this
// server (swagger-ui-dist, pinned) and list the API's operations, not merely answer 200.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { type ApiHarness, serveOverHttp, startApi } from '../support/api';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/browser');

jest.setTimeout(120_000);

let api: ApiHarness;
let http: Awaited<ReturnType<typeof serveOverHttp>>;
let browser: Browser;

beforeAll(async () => {
  api = await startApi({ worker: false });
  http = await serveOverHttp(api);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-zygote'],
  });
});

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await api?.close();
});

describe('/docs', () => {
  it('lists the operations from assets this server serves, with the internet out of reach', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const refused: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(http.base)) return route.continue();
      refused.push(route.request().url());
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${http.base}/docs`);
    const operations = page.locator('.opblock-summary');
    await operations.first().waitFor({ timeout: 30_000 });
    const summaries = await page.locator('.opblock-summary-path').allInnerTexts();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'api-docs.png') });
    expect(summaries.map((s) => s.replace(/\u200b/g, ''))).toEqual(expect.arrayContaining(['/v1/orders', '/v1/orders/{id}', '/oauth/token', '/health/ready']));
    expect(await operations.count()).toBeGreaterThanOrEqual(20);
    expect({ refused, errors }).toEqual({ refused: [], errors: [] });
  });
});
