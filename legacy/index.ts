// The legacy database fixture: DDL and pricing procedures, the deterministic data generator
// with its manifest of dirty rows, and the loader.
export * from './rows';
export { DEFAULT_LEGACY_SCHEMA, quoteSchemaName } from './schema-name';
export { dropLegacySchema, installLegacySchema, legacySchemaSql, resetLegacySchema } from './install';
export { DEFAULT_DIRTY_RATE, DEFAULT_SEED, type GenerateLegacyOptions, generateLegacyData } from './generator';
export { DEFAULT_SEED_BATCH_ROWS, type LoadLegacyOptions, type SeedLegacyOptions, type SeedLegacyResult, type SeedProgress, loadLegacyData, seedLegacy } from './seed';
