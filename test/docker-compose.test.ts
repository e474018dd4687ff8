// No Docker engine runs here, so the compose file is checked as data: its services, ports and
// health checks, and that each app service runs a process this repository builds.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..');
type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
};
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('declares the whole stack', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'temporal', 'temporal-db', 'temporal-ui', 'api', 'worker', 'migrate']),
    );
  });

  it('runs Temporal on PostgreSQL', () => {
    expect(services.temporal.environment?.DB).toMatch(/^postgres/);
    expect(services.temporal.depends_on?.['temporal-db'].condition).toBe('service_healthy');
  });

  it.each([
    ['api', '3000:3000'],
    ['api', '9464:9464'],
    ['worker', '9465:9465'],
    ['temporal', '7233:7233'],
    ['temporal-ui', '8233:8080'],
  ])('publishes %s on %s', (name, port) => {
    expect(services[name].ports).toContain(port);
  });

  it.each(['postgres', 'redis', 'temporal', 'temporal-db', 'temporal-ui', 'api', 'worker'])('gives %s a health check', (name) => {
    const test = services[name].healthcheck?.test;
    expect(test).toBeDefined();
    expect(Array.isArray(test) ? test.length : String(test).length).toBeGreaterThan(1);
  });

  it('starts the api and worker only after their dependencies are healthy and migrated', () => {
    for (const name of ['api', 'worker']) {
      const deps = services[name].depends_on ?? {};
      for (const dep of ['postgres', 'redis', 'temporal']) expect(deps[dep]?.condition).toBe('service_healthy');
      expect(deps.migrate?.condition).toBe('service_completed_successfully');
    }
  });

  it('runs processes that the build produces', () => {
    const entries = { api: 'api/main.ts', worker: 'workers/main.ts', migrate: 'scripts/migrate.ts' } as const;
    for (const [name, source] of Object.entries(entries)) {
      expect(services[name].build).toBe('.');
      expect(services[name].command?.join(' ')).toContain(`dist/${source.replace(/\.ts$/, '.js')}`);
      expect(existsSync(join(root, source))).toBe(true);
    }
    expect(existsSync(join(root, 'Dockerfile'))).toBe(true);
  });
});
