// Each legacy test file works in a schema of its own (legacy_t<random>), dropped afterwards, so
// files run in parallel with each other and with other engineers' tests on one database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dropLegacySchema } from '../../legacy';

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: the legacy tests need a PostgreSQL server (./dev test starts one)');
  return url;
}

export function scratchSchemaName(): string {
  return `legacy_t${randomBytes(6).toString('hex')}`;
}

/** A pool for one test file, and the scratch schemas it created, dropped by `close`. */
export class ScratchDatabase {
  readonly pool = new pg.Pool({ connectionString: databaseUrl(), max: 4 });
  private readonly schemas = new Set<string>();

  /** A fresh schema name, remembered so `close` drops it. */
  newSchema(): string {
    const schema = scratchSchemaName();
    this.schemas.add(schema);
    return schema;
  }

  async close(): Promise<void> {
    for (const schema of this.schemas) await dropLegacySchema(this.pool, schema);
    await this.pool.end();
  }
}
