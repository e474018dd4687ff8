// The worker and API processes validate their settings before touching anything: a bad value
// stops them with one line naming the variable.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

function start(entry: string, env: Record<string, string>) {
  return spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, entry)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
}

describe('process start-up', () => {
  it('stops the worker with one clear line when DATABASE_URL is malformed', () => {
    const result = start('workers/main.ts', { DATABASE_URL: 'postgres//nope' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'invalid configuration: DATABASE_URL must be a URL like postgres://user:password@host:5432/database (got "postgres//nope")',
    );
  });

  it('stops a production worker paying through Stripe without STRIPE_API_KEY, in one line', () => {
    const result = start('workers/main.ts', { NODE_ENV: 'production', PAYMENT_PROVIDER: 'stripe' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('invalid configuration: STRIPE_API_KEY is required in production when PAYMENT_PROVIDER=stripe');
  });

  it('stops the API with one clear line when API_PORT is not a number', () => {
    const result = start('api/main.ts', { API_PORT: 'eighty' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^invalid configuration: API_PORT /)]);
  });
});
