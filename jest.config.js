// Two projects: `unit` tests pure code beside it (domain/, config/) and needs no services;
// `integration` (test/) runs against the real PostgreSQL, Redis and Temporal servers that
// `./dev test` starts and describes in the environment.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  // Jest 30 reads the timeout from the root config, not from a project.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': swc },
      testMatch: ['<rootDir>/{domain,runtime,api,activities,workflows,legacy,scripts}/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': swc },
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      setupFiles: ['reflect-metadata'],
      testTimeout: 120000,
    },
  ],
};
