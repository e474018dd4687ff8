// Fills the legacy schema with generated data (`./dev legacy-seed N`):
//   node dist/scripts/legacy-seed.js [N=100000] [--seed S] [--schema legacy]
// It drops and re-creates the schema first, so the same N and seed always give the same rows.
import pg from 'pg';
import { DEFAULT_LEGACY_SCHEMA, DEFAULT_SEED, DIRTY_KINDS, type SeedProgress, seedLegacy } from '../legacy';
import { baseSchema, loadConfig } from '../runtime/config';

const USAGE = 'usage: legacy-seed [N=100000] [--seed S] [--schema legacy]';

interface Args {
  orders: number;
  seed: number;
  schema: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { orders: 100000, seed: DEFAULT_SEED, schema: DEFAULT_LEGACY_SCHEMA };
  const integer = (flag: string, value: string | undefined) => {
    if (value === undefined || !/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new Error(`${flag} takes an integer (got ${JSON.stringify(value)})\n${USAGE}`);
    }
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--seed') args.seed = integer('--seed', argv[++i]);
    else if (arg === '--schema') args.schema = argv[++i] ?? '';
    else if (!arg.startsWith('-')) args.orders = integer('N', arg);
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (args.orders < 1) throw new Error(`N must be at least 1\n${USAGE}`);
  return args;
}

function progressLine(p: SeedProgress): string {
  const pct = ((100 * p.inserted) / Math.max(1, p.total)).toFixed(0).padStart(3);
  return `  ${p.table.padEnd(11)} ${String(p.inserted).padStart(9)} / ${String(p.total).padEnd(9)} ${pct}%  ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { DATABASE_URL } = loadConfig(baseSchema);
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot reach PostgreSQL at DATABASE_URL: ${(err as Error).message}`, { cause: err });
  }
  try {
    console.log(`legacy-seed: ${args.orders} orders, seed ${args.seed}, schema ${args.schema} (reset)`);
    const result = await seedLegacy(client, {
      orders: args.orders,
      seed: args.seed,
      schema: args.schema,
      reset: true,
      onProgress: (p) => console.log(progressLine(p)),
    });
    const { manifest } = result;
    const seconds = (result.generateMs + result.loadMs) / 1000;
    console.log(`rows:    ${Object.entries(manifest.rows).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    console.log(`dirty:   ${manifest.dirty.length} rows (${((100 * manifest.dirty.length) / manifest.rows.orders).toFixed(2)}% of orders)`);
    for (const kind of DIRTY_KINDS) console.log(`  ${kind.padEnd(22)} ${manifest.dirtyByKind[kind]}`);
    console.log(`awkward: ${Object.entries(manifest.awkwardByKind).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    console.log(
      `done in ${seconds.toFixed(1)} s (generate ${(result.generateMs / 1000).toFixed(1)} s, load ${(result.loadMs / 1000).toFixed(1)} s, ` +
        `${Math.round(manifest.rows.orders / (result.loadMs / 1000))} orders/s)`,
    );
  } finally {
    await client.end();
  }
}

main().catch((err: unknown) => {
  console.error(`legacy-seed: ${(err as Error).message}`);
  process.exit(1);
});
