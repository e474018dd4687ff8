import { formatDocumentNumber, parseDocumentNumber } from './document-numbers';

describe('document numbers', () => {
  it('formats kind, year and six zero-padded digits', () => {
    expect(formatDocumentNumber('INV', 2026, 1)).toBe('INV-2026-000001');
    expect(formatDocumentNumber('CN', 2027, 123456)).toBe('CN-2027-123456');
  });

  it('refuses numbers that do not fit six digits and impossible years', () => {
    expect(() => formatDocumentNumber('RMA', 2026, 0)).toThrow(RangeError);
    expect(() => formatDocumentNumber('RMA', 2026, 1_000_000)).toThrow(RangeError);
    expect(() => formatDocumentNumber('RMA', 999, 1)).toThrow(RangeError);
  });

  it('parses what it formats and nothing else', () => {
    expect(parseDocumentNumber('RMA-2026-000042')).toEqual({ kind: 'RMA', year: 2026, n: 42 });
    expect(parseDocumentNumber('RMA-2026-000000')).toBeNull();
    expect(parseDocumentNumber('XX-2026-000001')).toBeNull();
    expect(parseDocumentNumber('INV-2026-1')).toBeNull();
  });
});
