import { apiSchema, ConfigError, parseConfig, workerSchema } from './config';

describe('configuration', () => {
  it('works on one machine with no variables set', () => {
    const config = parseConfig(apiSchema, {});
    expect(config.API_PORT).toBe(3000);
    expect(config.DATABASE_URL).toBe('postgres://ordersaga:ordersaga@127.0.0.1:5433/ordersaga');
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
  });

  it('chooses the payment provider; Stripe needs a key in production, elsewhere a stripe-mock base will do', () => {
    expect(parseConfig(workerSchema, {}).PAYMENT_PROVIDER).toBe('simulator');
    const stripe = { PAYMENT_PROVIDER: 'stripe' };
    // Production's other refusals (a missing payload key) satisfied, so the Stripe rule is what speaks.
    const production = { NODE_ENV: 'production', PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };
    expect(() => parseConfig(workerSchema, { ...stripe, ...production, STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toThrow(
      /^invalid configuration: STRIPE_API_KEY is required in production when PAYMENT_PROVIDER=stripe$/,
    );
    expect(() => parseConfig(workerSchema, stripe)).toThrow(/^invalid configuration: STRIPE_API_KEY is required when PAYMENT_PROVIDER=stripe/);
    expect(parseConfig(workerSchema, { ...stripe, STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toMatchObject({ PAYMENT_PROVIDER: 'stripe', STRIPE_API_BASE: 'http://127.0.0.1:12111' });
    expect(parseConfig(workerSchema, { ...stripe, ...production, STRIPE_API_KEY: 'rk_live_abc123' }).STRIPE_API_KEY).toBe('rk_live_abc123');
    // A key that is not one is named, and never echoed.
    expect(() => parseConfig(workerSchema, { ...stripe, STRIPE_API_KEY: 'pk_live_secretish' })).toThrow(/^invalid configuration: STRIPE_API_KEY must be a Stripe secret or restricted key \(sk_\.\.\. \/ rk_\.\.\.\) \(got "\*\*\*"\)$/);
    expect(() => parseConfig(workerSchema, { STRIPE_API_BASE: 'http://127.0.0.1:12111/v1' })).toThrow(/^invalid configuration: STRIPE_API_BASE /);
  });

  it('gives the worker its own metrics port by default', () => {
    expect(parseConfig(workerSchema, {}).METRICS_PORT).toBe(9465);
  });

  it('reports a malformed DATABASE_URL in one line naming it', () => {
    expect(() => parseConfig(workerSchema, { DATABASE_URL: 'mysql://nope' })).toThrow(ConfigError);
    try {
      parseConfig(workerSchema, { DATABASE_URL: 'not a url' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/^invalid configuration: DATABASE_URL must be a URL like postgres:\/\//);
      expect(message).not.toContain('\n');
    }
  });

  it('hides the password of a URL it reports', () => {
    expect(() => parseConfig(workerSchema, { DATABASE_URL: 'postgres://u:secret@h' })).toThrow(/postgres:\/\/u:\*\*\*@h/);
  });

  it('names a port out of range', () => {
    expect(() => parseConfig(apiSchema, { API_PORT: '70000' })).toThrow(/^invalid configuration: API_PORT /);
  });

  it('treats an empty variable as not set', () => {
    expect(parseConfig(apiSchema, { API_PORT: '' }).API_PORT).toBe(3000);
  });

  it('has migration settings with defaults, and refuses a schema name that is not a plain identifier', () => {
    expect(parseConfig(workerSchema, {})).toMatchObject({ MIGRATION_INTERVAL_SECONDS: 3600, MIGRATION_SCHEDULE_PAUSED: false, LEGACY_SCHEMA: 'legacy' });
    expect(parseConfig(workerSchema, { MIGRATION_SCHEDULE_PAUSED: 'true', MIGRATION_INTERVAL_SECONDS: '60' })).toMatchObject({ MIGRATION_SCHEDULE_PAUSED: true, MIGRATION_INTERVAL_SECONDS: 60 });
    expect(() => parseConfig(workerSchema, { LEGACY_SCHEMA: 'legacy; drop' })).toThrow(/^invalid configuration: LEGACY_SCHEMA /);
    expect(() => parseConfig(workerSchema, { MIGRATION_INTERVAL_SECONDS: '0' })).toThrow(/^invalid configuration: MIGRATION_INTERVAL_SECONDS /);
  });
});
