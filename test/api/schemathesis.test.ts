// The OpenAPI document against the running API: schemathesis (PyPI, installed by `./dev test`
// into .tools/) generates requests from /openapi.json and runs every one of its checks on the
// answers: no 5xx, every status, header and body as documented, every request the document
// allows accepted and every one it refuses refused, resources readable after they were created.
// The API serves over real HTTP with an order worker, a migration worker and its Schedule, on a
// schema of this file's own; test/api/schemathesis/ holds the run's settings and hooks.
//
// Bounded in time: MAX_EXAMPLES (10) examples per operation plus schemathesis's examples, coverage
// and stateful phases, two workers: about 4,800 requests, 104 s of schemathesis on two shared
// cores at load average 10 (its coverage phase is most of it).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { MigrationTestBed } from '../migration/migration-bed';
import { type ApiHarness, startApi } from '../support/api';
import { createProduct } from '../support/db';

const ROOT = path.resolve(__dirname, '../..');
const HOME = process.env.SCHEMATHESIS_HOME ?? path.join(ROOT, '.tools/schemathesis-4.32.5');
const SETTINGS = path.join(__dirname, 'schemathesis');
const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '10';

const bed = new MigrationTestBed('api-fuzz');
const scheduleId = `test-fuzz-migration-${randomUUID().slice(0, 8)}`;
let api: ApiHarness;
let server: Server;

beforeAll(async () => {
  await bed.start({ orders: 20, seed: 3 });
  await bed.startWorker();
  await bed.ensureSchedule(scheduleId);
  api = await startApi({
    dataSource: bed.dataSource,
    temporalEnv: bed.env,
    // Webhook URLs are not resolved (this machine has no outside DNS; a URL of a host that does not
    // resolve is refused 422): test/api/webhooks.test.ts checks the refusals.
    env: { MIGRATION_SCHEDULE_ID: scheduleId, RATE_LIMIT_PER_MINUTE: '1000000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
  });
  // The document's example SKU, in stock: orders built from the examples get placed.
  await createProduct(bed.dataSource, { sku: 'SKU-1', onHand: 1_000_000 });
  server = createServer(api.app.requestListener());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await bed.env?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  await api?.close();
  await bed.stop();
});

const ARTIFACTS = path.join(ROOT, 'test-artifacts/schemathesis');

function runSchemathesis(base: string): Promise<{ code: number | null; output: string }> {
  const args = [
    '--config-file',
    path.join(SETTINGS, 'schemathesis.toml'),
    'run',
    `${base}/openapi.json`,
    '--checks',
    'all',
    '--max-examples',
    MAX_EXAMPLES,
    '--workers',
    '2',
    '--generation-database',
    'none',
    '--no-color',
  ];
  return new Promise((resolve, reject) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const child = spawn(path.join(HOME, 'bin/schemathesis'), args, {
      cwd: ARTIFACTS, // its own working files (.schemathesis/) land with the transcript
      env: { ...process.env, PYTHONPATH: HOME, SCHEMATHESIS_HOOKS: path.join(SETTINGS, 'hooks.py') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => reject(new Error(`cannot run schemathesis from ${HOME} (./dev test installs it): ${err.message}`)));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The FAILURES and ERRORS sections of a run's report and its seed, in at most 8,000 characters. */
function failuresOf(output: string): string {
  const sections = output.match(/=+ (FAILURES|ERRORS) =+[\s\S]*?(?==+ (?:ERRORS|WARNINGS|SUMMARY) =+)/g) ?? [];
  const seed = output.match(/Seed: \d+/)?.[0] ?? '';
  return `${sections.join('\n').slice(0, 8_000)}\n${seed}`;
}

it('finds nothing: no 5xx, and every answer and every refusal as the OpenAPI document says', async () => {
  const { port } = server.address() as AddressInfo;
  const { code, output } = await runSchemathesis(`http://127.0.0.1:${port}`);
  writeFileSync(path.join(ARTIFACTS, 'run.log'), output);
  // Exit 0 only when it found nothing. Its failures (each with a curl to reproduce it) come first in
  // the error, because CI logs keep the head of a long failure; the seed replays the run.
  if (code !== 0) throw new Error(`schemathesis exited ${code}:\n${failuresOf(output)}\n${output.slice(-6_000)}`);
  expect(output).toMatch(/Test cases:\s+\d+ generated, \d+ passed/);
  expect(output).not.toMatch(/\d+ (failures?|errors?)\b/);
}, 600_000);
