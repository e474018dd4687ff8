// The Kubernetes manifests as kustomize renders them (the real kustomize: KUSTOMIZE, built by
// ./dev test), validated offline against the Kubernetes schemas (PyPI kubernetes-validate, strict:
// an unknown field fails), then checked for what the processes need: probes on their health
// endpoints, grace periods longer than their drain, secrets from the Secret, settings that the
// production configuration accepts. The Temporal Helm values carry the same dynamic config as the
// local cluster.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { hashSecret, loadClients } from '../../api/auth';
import { apiSchema, parseConfig, workerSchema } from '../../runtime/config';

const root = join(__dirname, '../..');
const KUBERNETES_VERSIONS = ['1.32.0', '1.37.0'];
const SECRET = 'ordersaga-secrets';
// What NODE_ENV=production refuses to take from a default: each must come from the Secret or be set.
const SECRET_VARIABLES = { api: ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'API_CLIENTS', 'PAYLOAD_ENCRYPTION_KEYS'], worker: ['DATABASE_URL', 'REDIS_URL', 'PAYLOAD_ENCRYPTION_KEYS'] };

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Probe = { httpGet: { path: string; port: string | number } };
type Container = {
  name: string;
  image: string;
  command: string[];
  ports?: { name: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
};
type PodSpec = { terminationGracePeriodSeconds?: number; restartPolicy?: string; containers: Container[] };
type Resource = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    maxUnavailable?: number;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};

function kustomize(dir: string): Resource[] {
  const binary = process.env.KUSTOMIZE;
  if (!binary || !existsSync(binary)) throw new Error('KUSTOMIZE must point at the kustomize binary: run the tests with ./dev test, which builds it');
  const out = execFileSync(binary, ['build', join(root, dir)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((doc) => doc.toJS() as Resource);
}

function kubernetesValidate(file: string, version: string): { status: number | null; output: string } {
  const path = process.env.KUBERNETES_VALIDATE_PATH;
  if (!path || !existsSync(path)) throw new Error('KUBERNETES_VALIDATE_PATH must point at the kubernetes-validate install: run the tests with ./dev test');
  const result = spawnSync('python3', ['-m', 'kubernetes_validate', '--strict', '--quiet', '-k', version, file], {
    env: { ...process.env, PYTHONPATH: path },
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ordersaga-k8s-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const overlays = { base: kustomize('deploy/k8s/base'), production: kustomize('deploy/k8s/overlays/production') };
const production = overlays.production;

function find(resources: Resource[], kind: string, name: string): Resource {
  const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the render`);
  return found;
}
const podSpec = (r: Resource): PodSpec => r.spec!.template!.spec;
const container = (r: Resource): Container => podSpec(r).containers[0];
const envValue = (c: Container, name: string): string | undefined => c.env?.find((e) => e.name === name)?.value;
const portNumber = (c: Container, port: string | number): number | undefined =>
  typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;

/** The environment a container sees: its ConfigMap, then its own env; secrets as the Secret would give them. */
function containerEnv(resources: Resource[], c: Container, secrets: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) Object.assign(env, find(resources, 'ConfigMap', from.configMapRef!.name).data);
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    env[e.name] = ref ? secrets[ref.key] : e.value!;
  }
  return env;
}

describe.each(Object.keys(overlays) as (keyof typeof overlays)[])('deploy/k8s %s', (name) => {
  it.each(KUBERNETES_VERSIONS)('validates strictly against the Kubernetes %s schemas', (version) => {
    const file = join(scratch, `${name}.yaml`);
    writeFileSync(file, overlays[name].map((r) => `---\n${JSON.stringify(r)}\n`).join(''));
    const result = kubernetesValidate(file, version);
    expect(result).toEqual({ status: 0, output: '' });
  });
});

describe('the validator', () => {
  it('refuses what Kubernetes would refuse (a misspelled field)', () => {
    const api = structuredClone(find(production, 'Deployment', 'ordersaga-api')) as unknown as { spec: { template: { spec: Record<string, unknown> } } };
    api.spec.template.spec.terminationGracePeriodSecond = 45;
    const file = join(scratch, 'broken.yaml');
    writeFileSync(file, JSON.stringify(api));
    const result = kubernetesValidate(file, '1.37.0');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('terminationGracePeriodSecond');
  });
});

describe('deploy/k8s/overlays/production', () => {
  const api = find(production, 'Deployment', 'ordersaga-api');
  const worker = find(production, 'Deployment', 'ordersaga-worker');
  const job = find(production, 'Job', 'ordersaga-migrate');

  it('runs the processes the build produces, from the released image, in the ordersaga namespace', () => {
    const entries = { 'ordersaga-api': 'api/main', 'ordersaga-worker': 'workers/main', 'ordersaga-migrate': 'scripts/migrate' };
    for (const r of [api, worker, job]) {
      const entry = entries[r.metadata.name as keyof typeof entries];
      expect(container(r).command).toEqual(['node', `dist/${entry}.js`]);
      expect(existsSync(join(root, `${entry}.ts`))).toBe(true);
      expect(container(r).image).toBe('registry.example.com/ordersaga:0.1.0');
    }
    for (const r of production.filter((x) => x.kind !== 'Namespace')) expect(r.metadata.namespace).toBe('ordersaga');
    expect(api.spec?.replicas).toBe(3);
    expect(worker.spec?.replicas).toBe(3);
  });

  it.each([
    ['ordersaga-api', 'API_PORT', 'http'],
    ['ordersaga-worker', 'HEALTH_PORT', 'health'],
  ])('probes %s on /health/live and /health/ready, on the port its %s names', (deployment, variable, portName) => {
    const c = container(find(production, 'Deployment', deployment));
    expect(c.livenessProbe?.httpGet.path).toBe('/health/live');
    expect(c.startupProbe?.httpGet.path).toBe('/health/live');
    expect(c.readinessProbe?.httpGet.path).toBe('/health/ready');
    for (const probe of [c.livenessProbe!, c.readinessProbe!, c.startupProbe!]) expect(portNumber(c, probe.httpGet.port)).toBe(Number(envValue(c, variable)));
    expect(c.ports?.find((p) => p.name === portName)?.containerPort).toBe(Number(envValue(c, variable)));
  });

  it('gives the worker longer to stop than its drain (SHUTDOWN_GRACE_MS and the 5 s after it)', () => {
    const graceMs = Number(envValue(container(worker), 'SHUTDOWN_GRACE_MS'));
    expect(graceMs).toBeGreaterThan(0);
    expect(podSpec(worker).terminationGracePeriodSeconds! * 1000).toBeGreaterThan(graceMs + 5000);
  });

  it('gives the API longer to stop than its preStop pause and its 30 s drain', () => {
    const preStop = container(api).lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(preStop).toBeGreaterThan(0);
    expect(podSpec(api).terminationGracePeriodSeconds!).toBeGreaterThan(preStop + 30);
  });

  it('takes every secret from the Secret, and keeps none in the ConfigMap', () => {
    for (const [r, names] of [[api, SECRET_VARIABLES.api], [worker, SECRET_VARIABLES.worker], [job, ['DATABASE_URL']]] as const) {
      for (const variable of names) {
        expect(container(r).env?.find((e) => e.name === variable)?.valueFrom?.secretKeyRef).toEqual({ name: SECRET, key: variable });
      }
    }
    const configMaps = production.filter((r) => r.kind === 'ConfigMap');
    expect(configMaps).toHaveLength(1);
    expect(Object.keys(configMaps[0].data ?? {})).not.toEqual(expect.arrayContaining([expect.stringMatching(/SECRET|CLIENTS|KEYS|DATABASE_URL|REDIS_URL/)]));
    for (const r of [api, worker, job]) expect(container(r).envFrom).toEqual([{ configMapRef: { name: configMaps[0].metadata.name } }]);
  });

  it('sets what production refuses to default, and the production configuration accepts it', async () => {
    const secrets = {
      DATABASE_URL: 'postgres://ordersaga:pw@postgres.example.internal:5432/ordersaga',
      REDIS_URL: 'redis://redis.example.internal:6379',
      JWT_SECRET: randomBytes(36).toString('base64'),
      API_CLIENTS: JSON.stringify([{ id: 'shop-client', storefront: 'shop', secretHash: await hashSecret('s3cret'), scopes: ['orders:read', 'orders:write'] }]),
      PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CARRIER_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    };
    const apiEnv = containerEnv(production, container(api), secrets);
    expect(apiEnv).toMatchObject({ NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_URLS: 'false' });
    expect(apiEnv.CORS_ORIGINS.split(',')).not.toContain('*');
    const apiConfig = parseConfig(apiSchema, apiEnv);
    expect(loadClients(apiConfig).get('shop-client')?.storefront).toBe('shop');
    const workerConfig = parseConfig(workerSchema, containerEnv(production, container(worker), secrets));
    expect(workerConfig).toMatchObject({ NODE_ENV: 'production', HEALTH_PORT: 8080, PAYLOAD_ENCRYPTION_KEYS: secrets.PAYLOAD_ENCRYPTION_KEYS });
  });

  it('asks for CPU and memory on every container and caps memory', () => {
    for (const r of [api, worker, job]) {
      expect(container(r).resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container(r).resources?.limits?.memory).toEqual(expect.any(String));
    }
  });

  it.each(['ordersaga-api', 'ordersaga-worker'])('keeps a PodDisruptionBudget on the %s pods that lets one go at a time', (deployment) => {
    const pdb = find(production, 'PodDisruptionBudget', deployment);
    const target = find(production, 'Deployment', deployment);
    expect(pdb.spec?.selector?.matchLabels).toEqual(target.spec?.selector?.matchLabels);
    expect(target.spec?.template?.metadata.labels).toMatchObject(pdb.spec!.selector!.matchLabels);
    expect(pdb.spec?.maxUnavailable).toBe(1);
    expect(target.spec!.replicas!).toBeGreaterThan(1);
  });

  it('runs the migrations once per apply, never restarting a failed pod in place', () => {
    expect(podSpec(job).restartPolicy).toBe('Never');
    expect(container(job).command).toEqual(['node', 'dist/scripts/migrate.js']);
  });
});

describe('deploy/temporal-helm-values.yaml', () => {
  const values = parse(readFileSync(join(root, 'deploy/temporal-helm-values.yaml'), 'utf8'));
  const dynamicConfig = parse(readFileSync(join(root, 'deploy/temporal-dynamic-config.yaml'), 'utf8'));

  it('carries the dynamic config the local cluster runs with', () => {
    expect(values.server.dynamicConfig).toEqual(dynamicConfig);
    expect(dynamicConfig['frontend.enableUpdateWorkflowExecution']).toEqual([{ value: true }]);
  });

  it('stores persistence and visibility in an external PostgreSQL, with the password from a Secret', () => {
    for (const store of ['default', 'visibility']) {
      const sql = values.server.config.persistence[store];
      expect(sql.driver).toBe('sql');
      expect(sql.sql).toMatchObject({ driver: 'postgres12', existingSecret: expect.any(String), database: store === 'default' ? 'temporal' : 'temporal_visibility' });
      expect(sql.sql.password).toBeUndefined();
    }
    for (const bundled of ['cassandra', 'mysql', 'postgresql', 'elasticsearch']) expect(values[bundled].enabled).toBe(false);
    expect(Number.isInteger(values.server.config.numHistoryShards)).toBe(true);
  });

  it('points ordersaga at the chart frontend of a release named temporal in namespace temporal', () => {
    const config = find(production, 'ConfigMap', production.find((r) => r.kind === 'ConfigMap')!.metadata.name);
    expect(config.data?.TEMPORAL_ADDRESS).toBe('temporal-frontend.temporal.svc.cluster.local:7233');
    expect(values.server.config.namespaces.namespace.map((n: { name: string }) => n.name)).toContain(config.data?.TEMPORAL_NAMESPACE);
  });
});
