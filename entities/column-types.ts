// Column conventions shared by the entities. PostgreSQL bigint arrives from `pg` as a string
// (it may exceed 2^53); amounts here are cents well inside the safe range, so they are numbers.
import type { ValueTransformer } from 'typeorm';

export const bigintToNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** A bigint cents column (the `money` of this schema). */
export const centsColumn = (name: string, nullable = false) =>
  ({ name, type: 'bigint', nullable, transformer: bigintToNumber }) as const;
