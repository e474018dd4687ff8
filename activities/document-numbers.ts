// Gapless document numbers (INV, RMA, CN per year; domain/document-numbers.ts has the format).
// The next number is taken in the transaction that writes the document: the counter row stays
// locked until that transaction ends, so a concurrent writer waits for it, and a rollback gives
// the number back. Take it as the transaction's last step: the lock serialises every document of
// the kind, so the shorter it is held the better.
import type { EntityManager } from 'typeorm';
import { type DocumentKind, formatDocumentNumber } from '../domain/document-numbers';

/** The next `kind` number of the current (UTC) year, e.g. INV-2026-000042, inside `manager`'s transaction. */
export async function takeDocumentNumber(manager: EntityManager, kind: DocumentKind): Promise<string> {
  const [row]: { year: number; last_number: number }[] = await manager.query(
    `INSERT INTO document_numbers (kind, year, last_number) VALUES ($1, extract(year FROM now() AT TIME ZONE 'UTC')::int, 1)
     ON CONFLICT (kind, year) DO UPDATE SET last_number = document_numbers.last_number + 1, updated_at = now()
     RETURNING year, last_number`,
    [kind],
  );
  return formatDocumentNumber(kind, row.year, row.last_number);
}
