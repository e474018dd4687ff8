// The lint rules that guard the workflow sandbox and async code really fire: workflow and domain
// code may not import Node built-ins or I/O libraries (activity modules only as types), and a
// floating promise fails the lint. The probes are virtual files: the real config lints their text
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
};

/** Lints LINT_PROBES ({ path: text }) with the repository's config; prints { path: ["rule: message", ...] }. */
const LINT_VIRTUAL_FILES = `
import { ESLint } from 'eslint';
const probes = JSON.parse(process.env.LINT_PROBES);
const eslint = new ESLint({ overrideConfig: { languageOptions: { parserOptions: { projectService: { allowDefaultProject: Object.keys(probes) } } } } });
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
    expect(hits['workflows/lint-probe-activity-value.ts']).toEqual([expect.stringMatching(/no-restricted-imports/)]);
  });

  it('refuses I/O libraries in domain code', () => {
    expect(hits['domain/lint-probe-io.ts']).toEqual([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: 'ioredis'/)]);
  });

  it('fails a floating promise anywhere', () => {
    expect(hits['api/lint-probe-floating.ts']).toEqual([expect.stringMatching(/^@typescript-eslint\/no-floating-promises/)]);
  });
});
