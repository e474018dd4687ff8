// Readable document numbers: `<kind>-<year>-<6 digits>`, gapless per kind and year
// (INV-2026-000001). The counter lives in PostgreSQL (document_numbers); this is the format.

export const DOCUMENT_KINDS = ['INV', 'RMA', 'CN'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** Six digits: a year of one kind holds at most this many documents (the table checks it too). */
export const MAX_DOCUMENT_NUMBER = 999_999;

export function formatDocumentNumber(kind: DocumentKind, year: number, n: number): string {
  if (!Number.isSafeInteger(year) || year < 2000 || year > 9999) throw new RangeError(`year must be 2000..9999, got ${year}`);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_DOCUMENT_NUMBER) throw new RangeError(`number must be 1..${MAX_DOCUMENT_NUMBER}, got ${n}`);
  return `${kind}-${year}-${String(n).padStart(6, '0')}`;
}

const DOCUMENT_NUMBER = /^(INV|RMA|CN)-(\d{4})-(\d{6})$/;

/** The parts of a document number, or null when `value` is not one. */
export function parseDocumentNumber(value: string): { kind: DocumentKind; year: number; n: number } | null {
  const match = DOCUMENT_NUMBER.exec(value);
  if (!match || Number(match[3]) === 0) return null;
  return { kind: match[1] as DocumentKind, year: Number(match[2]), n: Number(match[3]) };
}
