// The lint rules that guard the workflow sandbox and async code really fire: workflow and domain
// code may not import Node built-ins or I/O libraries (activity modules only as types), and a
// floating promise fails the lint. Probe files are written beside the real code and linted with
// the real `eslint` CLI in one run (its config is ESM, which jest's module sandbox cannot load).
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const probes: Record<string, string> = {
  'workflows/lint-probe-io.ts': "import { readFileSync } from 'node:fs';\nimport { Pool } from 'pg';\nexport const probe = [readFileSync, Pool];\n",
  'workflows/lint-probe-activity-value.ts': "import { createOrderActivities } from '../activities';\nexport const probe = createOrderActivities;\n",
  'workflows/lint-probe-activity-type.ts': "import type { OrderActivities } from '../activities/contract';\nexport type Probe = OrderActivities;\n",
  'domain/lint-probe-io.ts': "import Redis from 'ioredis';\nexport const probe = Redis;\n",
  'api/lint-probe-floating.ts': 'async function work(): Promise<void> {}\nexport function probe(): void {\n  work();\n}\n',
};
let hits: Record<string, string[]> = {};

beforeAll(() => {
  try {
    for (const [file, code] of Object.entries(probes)) writeFileSync(path.join(root, file), code);
    const run = spawnSync(path.join(root, 'node_modules/.bin/eslint'), ['--format', 'json', ...Object.keys(probes)], { cwd: root, encoding: 'utf8' });
    const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
    hits = Object.fromEntries(results.map((r) => [path.relative(root, r.filePath), r.messages.map((m) => `${m.ruleId}: ${m.message}`)]));
  } finally {
    for (const file of Object.keys(probes)) rmSync(path.join(root, file), { force: true });
  }
}, 120_000);

describe('lint rules', () => {
  it('refuses Node built-ins and I/O libraries in workflow code', () => {
    expect(hits['workflows/lint-probe-io.ts']).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: 'node:fs'/),
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: 'pg'/),
    ]);
  });

  it('allows activity modules in workflow code only as types', () => {
    expect(hits['workflows/lint-probe-activity-type.ts']).toEqual([]);
    expect(hits['workflows/lint-probe-activity-value.ts']).toEqual([expect.stringMatching(/no-restricted-imports/)]);
  });

  it('refuses I/O libraries in domain code', () => {
    expect(hits['domain/lint-probe-io.ts']).toEqual([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: 'ioredis'/)]);
  });

  it('fails a floating promise anywhere', () => {
    expect(hits['api/lint-probe-floating.ts']).toEqual([expect.stringMatching(/^@typescript-eslint\/no-floating-promises/)]);
  });
});
