// Applies the database migrations (`./dev up`, the compose `migrate` service). Safe to run from
// several processes at once: an advisory lock lets one apply them while the others wait.
import 'reflect-metadata';
import { createDataSource } from '../entities/data-source';
import { baseSchema, loadConfig } from '../runtime/config';

const MIGRATION_LOCK = 7_233_001;

async function main() {
  const config = loadConfig(baseSchema);
  const dataSource = createDataSource(config.DATABASE_URL, { poolSize: 1 });
  try {
    await dataSource.initialize();
  } catch (err) {
    throw new Error(`cannot reach PostgreSQL at DATABASE_URL: ${(err as Error).message}`, { cause: err });
  }
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}` : 'database schema is up to date');
  } finally {
    await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(`migrate: ${(err as Error).message}`);
  process.exit(1);
});
