import { apiSchema, ConfigError, parseConfig, workerSchema } from './config';

describe('configuration', () => {
  it('works on one machine with no variables set', () => {
    const config = parseConfig(apiSchema, {});
    expect(config.API_PORT).toBe(3000);
    expect(config.DATABASE_URL).toBe('postgres://ordersaga:ordersaga@127.0.0.1:5433/ordersaga');
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
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
