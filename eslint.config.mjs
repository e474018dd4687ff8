// Lint: floating promises fail, and the workflow sandbox (workflows/, domain/) may not import
// Node built-ins or I/O libraries; activity modules only as types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const builtins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioLibraries = ['pg', 'ioredis', 'typeorm', 'pino', 'prom-client', 'hono', '@hono/*', 'uuid',
  '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'];

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
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: builtins,
        patterns: [{ group: [...ioLibraries, '@temporalio/*', '../*', '!./*'], message: 'domain/ is pure: no I/O, no Node built-ins, only domain/ imports.' }],
      }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: builtins,
        patterns: [
          { group: ioLibraries, message: 'workflow code runs in the deterministic sandbox: no I/O libraries.' },
          { group: ['../activities', '../activities/*', '../entities', '../entities/*', '../api/*', '../workers/*'], allowTypeImports: true, message: 'workflows import activities as types only.' },
        ],
      }],
    },
  },
);
