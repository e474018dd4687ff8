// Lint: floating promises fail, imports point down the layers (LAYERS), and the workflow sandbox
// (workflows/, domain/) may not import Node built-ins or I/O libraries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import path from 'node:path';

const builtins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioLibraries = ['pg', 'ioredis', 'typeorm', 'pino', 'prom-client', 'hono', '@hono/*', 'uuid',
  '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'];

/**
 * Which top-level folder may import which: DESIGN.md's "Parts and where they live", plus
 * `runtime/` (process settings: config, logger, metrics, payload codec) and `legacy/` (the legacy
 * database fixture). A folder imports itself and what `imports` lists (a folder, or one module of
 * it); `types` only with `import type`. The API reaches workflows through their public surface
 * (the update, signal and query definitions and the request-cause header) as a Temporal client
 * does. test/, bench/ and scripts/ may import anything; no folder here may import them, and
 * tests beside the code (*.test.ts) are free too.
 */
const LAYERS = {
  domain: { imports: [] },
  entities: { imports: ['domain'] },
  runtime: { imports: ['domain'] },
  legacy: { imports: ['domain', 'entities'] },
  activities: { imports: ['domain', 'entities', 'runtime'], types: ['legacy'] },
  workflows: { imports: ['domain'], types: ['activities'] },
  api: { imports: ['domain', 'entities', 'runtime', 'workflows/order-definitions', 'workflows/return-definitions', 'workflows/request-cause'] },
  workers: { imports: ['domain', 'entities', 'runtime', 'activities', 'workflows'] },
};

const root = import.meta.dirname;
const within = (target, list = []) => list.some((p) => target === p || target.startsWith(`${p}/`));

/** Reports a relative import (static, dynamic or re-export) that LAYERS does not allow. */
const importsPointDown = {
  meta: { type: 'problem', schema: [], messages: { up: '{{layer}}/ may not import {{target}}{{how}} (LAYERS in eslint.config.mjs, DESIGN.md).' } },
  create(context) {
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const layer = file.split('/')[0];
    const allowed = LAYERS[layer];
    if (!allowed || file.endsWith('.test.ts')) return {};
    const check = (node, source, typeOnly) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = path.relative(root, path.resolve(path.dirname(context.filename), source.value)).split(path.sep).join('/');
      if (target.split('/')[0] === layer || within(target, allowed.imports) || (typeOnly && within(target, allowed.types))) return;
      const how = within(target, allowed.types) ? ' as a value (types only)' : '';
      context.report({ node, messageId: 'up', data: { layer, target, how } });
    };
    const typeOnlyImport = (node) =>
      node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.type === 'ImportSpecifier' && s.importKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node, node.source, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source, false),
      TSImportType: (node) => check(node, node.argument?.literal ?? node.argument, true),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node, node.arguments[0], false);
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.dev/', '.tools/', 'coverage/', 'test-artifacts/', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { layers: { rules: { 'imports-point-down': importsPointDown } } },
    rules: { 'layers/imports-point-down': 'error' },
  },
  {
    // Below the processes: no HTTP, and no Temporal client or worker (starting and signalling
    // workflows belongs to workers/ and api/, which hand activities what they need).
    files: ['activities/**/*.ts', 'entities/**/*.ts', 'runtime/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['@temporalio/client', '@temporalio/worker', '@temporalio/workflow', 'hono', 'hono/*', '@hono/*'], message: 'activities/, entities/ and runtime/ take no Temporal client or worker and no HTTP framework.' }],
      }],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: builtins,
        patterns: [{ group: [...ioLibraries, '@temporalio/*'], message: 'domain/ is pure: no I/O, no Node built-ins.' }],
      }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: builtins,
        patterns: [{ group: ioLibraries, message: 'workflow code runs in the deterministic sandbox: no I/O libraries.' }],
      }],
    },
  },
);
