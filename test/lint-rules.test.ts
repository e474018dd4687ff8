// The lint rules that guard the layers, the workflow sandbox and async code really fire: every
// folder imports only down the layers (LAYERS in eslint.config.mjs), workflow and domain code may
// not import Node built-ins or I/O libraries (activity modules only as types), and a floating
// promise fails the lint. The probes are virtual files: the real config lints their text
// under paths inside the folders it guards (ESLint's lintText; TypeScript's default project gives
// them types), so nothing is written into the source tree. It runs in a node process of its own:
// the config is ESM, which jest's module sandbox cannot load.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const probes: Record<string, string> = {
  'workflows/lint-probe-io.ts': "import { readFileSync } from 'node:fs';\nimport { Pool } from 'pg';\nexport const probe = [readFileSync, Pool];\n",
  'workflows/lint-probe-activity-value.ts': "import { createOrderActivities } from '../activities';\nexport const probe = createOrderActivities;\n",
  'workflows/lint-probe-activity-type.ts': "import type { OrderActivities } from '../activities/contract';\nexport type Probe = OrderActivities;\n",
  'domain/lint-probe-io.ts': "import Redis from 'ioredis';\nexport const probe = Redis;\n",
  'api/lint-probe-floating.ts': 'async function work(): Promise<void> {}\nexport function probe(): void {\n  work();\n}\n',
  'activities/lint-probe-client.ts': "import { Client } from '@temporalio/client';\nimport { Hono } from 'hono';\nexport const probe = [Client, Hono];\n",
  // One probe per folder: each import line names the target it tries; the rule's hits are compared in order.
  'domain/lint-probe-layers.ts': imports(['../entities/order', '../runtime/logger', './money']),
  'entities/lint-probe-layers.ts': imports(['../activities/order', '../api/app', '../domain/money']),
  'runtime/lint-probe-layers.ts': imports(['../entities/data-source', '../workers/main', '../domain/ids']),
  'legacy/lint-probe-layers.ts': imports(['../activities/migration/order-transform', '../entities/batch-columns']),
  'activities/lint-probe-layers.ts':
    imports(['../workflows/order-definitions', '../workers/main', '../legacy/seed', '../entities/order', '../runtime/logger']) +
    "import type { LegacyOrderLine } from '../legacy/rows';\nexport type ProbeType = LegacyOrderLine;\n",
  'activities/migration/lint-probe-layers.ts': imports(['../../api/cache', '../order-events', '../../entities/order']),
  'workflows/lint-probe-layers.ts': imports(['../runtime/logger', '../entities/order', '../api/app', '../domain/money']),
  'api/lint-probe-layers.ts': imports(['../workers/migration-schedule', '../workflows/order', '../activities/order', '../scripts/migrate-legacy', '../workflows/order-definitions', '../entities/order']),
  'api/routes/lint-probe-layers.ts': imports(['../../test/api/api-bed', '../../bench/support', '../../workflows/request-cause']) +
    "export const lazy = () => import('../../workers/main');\n",
  'workers/lint-probe-layers.ts': imports(['../api/app', '../bench/support', '../activities', '../workflows/order', '../entities/data-source']),
};

/** A probe's text: one value import per target, in order. */
function imports(targets: string[]): string {
  return targets.map((t, i) => `import * as m${i} from '${t}';\nexport const probe${i} = m${i};\n`).join('');
}

/** Lints LINT_PROBES ({ path: text }) with the repository's config; prints { path: ["rule: message", ...] }. */
const LINT_VIRTUAL_FILES = `
import { ESLint } from 'eslint';
const probes = JSON.parse(process.env.LINT_PROBES);
const eslint = new ESLint({ overrideConfig: { languageOptions: { parserOptions: { projectService: { allowDefaultProject: Object.keys(probes), maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: Object.keys(probes).length } } } } });
const hits = {};
for (const [filePath, text] of Object.entries(probes)) {
  const [result] = await eslint.lintText(text, { filePath });
  hits[filePath] = result.messages.map((m) => m.ruleId + ': ' + m.message);
}
process.stdout.write(JSON.stringify(hits));
`;
let hits: Record<string, string[]> = {};

beforeAll(() => {
  const run = spawnSync(process.execPath, ['--input-type=module', '--eval', LINT_VIRTUAL_FILES], {
    cwd: root,
    env: { ...process.env, LINT_PROBES: JSON.stringify(probes) },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`linting the probes failed (${run.status}):\n${run.stderr}`);
  hits = JSON.parse(run.stdout) as Record<string, string[]>;
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
    expect(hits['workflows/lint-probe-activity-value.ts']).toEqual([expect.stringMatching(/^layers\/imports-point-down: workflows\/ may not import activities as a value/)]);
  });

  // The targets the rule refuses in each probe, in the order they appear.
  const refused: Record<string, string[]> = {
    'domain/lint-probe-layers.ts': ['entities/order', 'runtime/logger'],
    'entities/lint-probe-layers.ts': ['activities/order', 'api/app'],
    'runtime/lint-probe-layers.ts': ['entities/data-source', 'workers/main'],
    'legacy/lint-probe-layers.ts': ['activities/migration/order-transform'],
    'activities/lint-probe-layers.ts': ['workflows/order-definitions', 'workers/main', 'legacy/seed'],
    'activities/migration/lint-probe-layers.ts': ['api/cache'],
    'workflows/lint-probe-layers.ts': ['runtime/logger', 'entities/order', 'api/app'],
    'api/lint-probe-layers.ts': ['workers/migration-schedule', 'workflows/order', 'activities/order', 'scripts/migrate-legacy'],
    'api/routes/lint-probe-layers.ts': ['test/api/api-bed', 'bench/support', 'workers/main'],
    'workers/lint-probe-layers.ts': ['api/app', 'bench/support'],
  };
  it.each(Object.entries(refused))('lets %s import only down the layers', (probe, targets) => {
    const folder = probe.split('/')[0];
    expect(hits[probe]).toEqual(targets.map((t) => expect.stringContaining(`layers/imports-point-down: ${folder}/ may not import ${t} `)));
  });

  it('lets activities import the legacy row types, but not legacy code', () => {
    expect(hits['activities/lint-probe-layers.ts']).toContainEqual(expect.stringContaining('legacy/seed as a value (types only)'));
    expect(hits['activities/lint-probe-layers.ts'].join('\n')).not.toContain('legacy/rows');
  });

  it('refuses a Temporal client and HTTP in activity code', () => {
    expect(hits['activities/lint-probe-client.ts']).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: '@temporalio\/client'/),
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: 'hono'/),
    ]);
  });

  it('refuses I/O libraries in domain code', () => {
    expect(hits['domain/lint-probe-io.ts']).toEqual([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: 'ioredis'/)]);
  });

  it('fails a floating promise anywhere', () => {
    expect(hits['api/lint-probe-floating.ts']).toEqual([expect.stringMatching(/^@typescript-eslint\/no-floating-promises/)]);
  });
});
