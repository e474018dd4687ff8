// The worker and API processes validate their settings before touching anything: a bad value
// stops them with one line naming the variable, and so does a development default in production.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

  // Everything production needs, set; each case puts one development default back.
  const production = {
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(36).toString('base64'),
    API_CLIENTS: JSON.stringify([{ id: 'shop-client', storefront: 'shop', secretHash: 'scrypt$c2FsdA$aGFzaA', scopes: ['orders:read'] }]),
    CORS_ORIGINS: 'https://shop.example.com',
    PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    CARRIER_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  };
  it.each([
    ['api/main.ts', 'JWT_SECRET', { JWT_SECRET: '' }],
    ['api/main.ts', 'API_CLIENTS', { API_CLIENTS: '' }],
    ['api/main.ts', 'API_CLIENTS', { API_CLIENTS: JSON.stringify([{ id: 'dev-client', storefront: 'dev', secretHash: 'scrypt$c2FsdA$aGFzaA', scopes: ['ops'] }]) }],
    ['api/main.ts', 'CORS_ORIGINS', { CORS_ORIGINS: 'https://shop.example.com,*' }],
    ['api/main.ts', 'PAYLOAD_ENCRYPTION_KEYS', { PAYLOAD_ENCRYPTION_KEYS: '' }],
    ['api/main.ts', 'WEBHOOK_ALLOW_PRIVATE_URLS', { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }],
    ['api/main.ts', 'CARRIER_WEBHOOK_SECRET', { CARRIER_WEBHOOK_SECRET: '' }],
    ['workers/main.ts', 'PAYLOAD_ENCRYPTION_KEYS', { PAYLOAD_ENCRYPTION_KEYS: '' }],
    ['workers/main.ts', 'WEBHOOK_ALLOW_PRIVATE_URLS', { WEBHOOK_ALLOW_PRIVATE_URLS: '1' }],
  ])('with NODE_ENV=production, %s refuses to start on the development default of %s', (entry, variable, change) => {
    const result = start(entry, { ...production, ...change });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^invalid configuration: ${variable} .*refused when NODE_ENV=production`))]);
  });
});
