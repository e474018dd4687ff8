// The legacy fixture installs into a schema named by the caller (`legacy`, or one schema per
// test file so parallel tests never share rows). The name is spliced into DDL, so only plain
// lower-case identifiers are accepted; that also keeps it free of quoting surprises in psql.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const DEFAULT_LEGACY_SCHEMA = 'legacy';

/** Returns the schema name quoted for SQL, or throws when it is not a plain identifier. */
export function quoteSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(`legacy schema name must match ${SCHEMA_NAME} (got ${JSON.stringify(schema)})`);
  }
  return `"${schema}"`;
}
