// Installs, resets and drops the legacy fixture schema.
//
// Each function sends its statements as one simple-protocol query: PostgreSQL runs a
// multi-statement query string as a single implicit transaction, so an install is all or
// nothing, and it works the same whether the caller hands in a Pool or a Client. The advisory
// lock makes concurrent installs of the same schema (two test files, two processes) wait for
// each other instead of failing on CREATE SCHEMA's catalog race.
import type pg from 'pg';
import { legacyProceduresSql } from './procedures';
import { DEFAULT_LEGACY_SCHEMA, quoteSchemaName } from './schema-name';
import { legacyTablesSql } from './tables';

type Queryable = pg.ClientBase | pg.Pool;

function lockSql(schema: string): string {
  quoteSchemaName(schema);
  return `SELECT pg_advisory_xact_lock(hashtext('ordersaga.legacy-schema:${schema}'));`;
}

/** The full DDL of the legacy schema: tables, indexes and the pricing procedures. */
export function legacySchemaSql(schema: string = DEFAULT_LEGACY_SCHEMA): string {
  return legacyTablesSql(schema) + legacyProceduresSql(schema);
}

/** Creates the legacy schema, its tables and procedures; does nothing that already exists. */
export async function installLegacySchema(db: Queryable, schema: string = DEFAULT_LEGACY_SCHEMA): Promise<void> {
  await db.query(lockSql(schema) + legacySchemaSql(schema));
}

/** Drops the legacy schema with everything in it, then installs it empty. */
export async function resetLegacySchema(db: Queryable, schema: string = DEFAULT_LEGACY_SCHEMA): Promise<void> {
  await db.query(`${lockSql(schema)} DROP SCHEMA IF EXISTS ${quoteSchemaName(schema)} CASCADE;${legacySchemaSql(schema)}`);
}

/** Drops the legacy schema with everything in it (tests drop their own schema afterwards). */
export async function dropLegacySchema(db: Queryable, schema: string = DEFAULT_LEGACY_SCHEMA): Promise<void> {
  await db.query(`${lockSql(schema)} DROP SCHEMA IF EXISTS ${quoteSchemaName(schema)} CASCADE;`);
}
