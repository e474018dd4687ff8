// Rows written in batches travel as one array parameter per column, turned back into rows by
// `unnest($1::uuid[], $2::text[], ...) AS t(id, note, ...)`: a batch of thousands of rows is one
// statement with one parameter per column and one plan. The columns of a statement are declared
// once, each with the PostgreSQL type its values travel as, and rows are objects keyed by column.

/** The array element types our batches use. */
export type PgColumnType = 'uuid' | 'varchar' | 'text' | 'char(1)' | 'char(2)' | 'jsonb' | 'int' | 'bigint' | 'numeric' | 'timestamp' | 'boolean';

type ValueOf<T extends PgColumnType> = (T extends 'int' | 'bigint' ? number : T extends 'boolean' ? boolean : T extends 'numeric' ? string | number : string) | null;

export type ColumnTypes = Readonly<Record<string, PgColumnType>>;

/** One row of a batch: a value per declared column (jsonb as JSON text, timestamp as text). */
export type BatchRow<C extends ColumnTypes> = { [K in keyof C]: ValueOf<C[K]> };

/** The row type of a declared column list: `RowOf<typeof ORDER_COLUMNS>`. */
export type RowOf<B> = B extends BatchColumns<infer C> ? BatchRow<C> : never;

export interface BatchColumns<C extends ColumnTypes> {
  /** The column names in declared order: `id, note, ...`. */
  readonly names: string;
  /** `unnest($first::type[], ...) AS alias(names)`: parameters numbered from `firstParam`. */
  unnest(alias: string, firstParam?: number): string;
  /** The parameters for `unnest`: one array per column, in declared order. */
  arrays(rows: readonly BatchRow<C>[]): unknown[][];
}

export function batchColumns<const C extends ColumnTypes>(columns: C): BatchColumns<C> {
  const declared = Object.entries(columns);
  const names = declared.map(([name]) => name).join(', ');
  return {
    names,
    unnest: (alias, firstParam = 1) => `unnest(${declared.map(([, type], i) => `$${firstParam + i}::${type}[]`).join(', ')}) AS ${alias}(${names})`,
    arrays: (rows) => declared.map(([name]) => rows.map((row) => row[name])),
  };
}
