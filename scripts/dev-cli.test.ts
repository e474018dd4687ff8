// The `./dev` entry point's own behaviour that needs no running stack: `status` after
// `eval "$(./dev env)"`, and default ports that stay out of the kernel's ephemeral range.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Runs `./dev <args>` with only PATH and HOME from our environment, plus `env`. */
function dev(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(join(ROOT, 'dev'), args, { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 });
}

function exportsOf(script: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of script.split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

describe('./dev status', () => {
  // Ports no one uses, so the answer does not depend on a stack running on this machine.
  const ports = { API_PORT: '3999', PG_PORT: '5999', REDIS_PORT: '6999', TEMPORAL_PORT: '7999', TEMPORAL_UI_PORT: '8999' };

  it("calls the stack's own PostgreSQL and Redis its own after eval \"$(./dev env)\"", () => {
    const env: Record<string, string> = { ...ports, ...exportsOf(dev(['env'], ports)) };
    expect(env.DATABASE_URL).toBe('postgres://ordersaga:ordersaga@127.0.0.1:5999/ordersaga');
    const status = dev(['status'], env);
    expect(status).not.toMatch(/external/);
    expect(status).toMatch(/postgres\s+(stopped|running on 5999)/);
    expect(status).toMatch(/redis\s+(stopped|running on 6999)/);
  });

  it('calls servers given from outside external', () => {
    const status = dev(['status'], { ...ports, DATABASE_URL: 'postgres://u:p@db.example:5432/x', REDIS_URL: 'redis://cache.example:6379' });
    expect(status).toMatch(/postgres\s+external \(postgres:\/\/u:p@db.example:5432\/x\)/);
    expect(status).toMatch(/redis\s+external \(redis:\/\/cache.example:6379\)/);
  });
});

describe('default ports', () => {
  // Linux hands out ephemeral ports from 32768 (net.ipv4.ip_local_port_range): a default up
  // there can be taken at random by any outgoing connection. A port base spans 1000 ports.
  const FILES = ['dev', 'scripts/cluster.sh', 'scripts/test.sh', 'scripts/test-cluster.sh', 'scripts/drill.sh', 'scripts/first-hour.sh', 'scripts/drill/tools.ts', 'test/drill/fault-drill.test.ts', 'runtime/config.ts'];
  const PATTERNS = [
    /\$\{([A-Z_]*PORT[A-Z_]*):-(\d+)\}/g, // shell: PG_PORT=${PG_PORT:-5433}
    /([A-Z_]*PORT_BASE)\s*\?\?\s*'?(\d+)/g, // TypeScript: env.DRILL_PORT_BASE ?? 27000
    /([A-Z_]*PORT): port\.default\((\d+)\)/g, // runtime/config.ts
    /([A-Z_]+): [a-zA-Z]+\.default\('[a-z]+:\/\/[^']*:(\d+)/g, // URL defaults in runtime/config.ts
  ];
  const defaults = FILES.flatMap((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return PATTERNS.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => ({ file, name: m[1], port: Number(m[2]) })));
  });

  it('finds the defaults it checks', () => {
    expect(defaults.map((d) => d.name)).toEqual(expect.arrayContaining(['API_PORT', 'PG_PORT', 'TEMPORAL_PORT', 'DRILL_PORT_BASE', 'TEST_CLUSTER_PORT_BASE', 'FIRST_HOUR_PORT_BASE']));
  });

  it('keeps every default below the ephemeral range', () => {
    const high = defaults.filter((d) => d.port + (d.name.endsWith('PORT_BASE') ? 1000 : 0) >= 32768);
    expect(high).toEqual([]);
  });

  it('gives stacks that run side by side port ranges that do not overlap', () => {
    const bases = defaults.filter((d) => d.name.endsWith('PORT_BASE'));
    const singles = defaults.filter((d) => !d.name.endsWith('PORT_BASE'));
    for (const b of bases) {
      expect(singles.filter((s) => s.port >= b.port && s.port < b.port + 1000)).toEqual([]);
      expect(bases.filter((o) => o !== b && o.port !== b.port && Math.abs(o.port - b.port) < 1000)).toEqual([]);
    }
  });
});
