// Gapless document numbers under concurrency: writers on separate connection pools take INV, RMA
// and CN numbers at once, each in the transaction that writes its document, and some of those
// transactions roll back. The committed documents must number 1..n per kind: no gap, no repeat.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { takeDocumentNumber } from '../../activities/document-numbers';
import { DOCUMENT_KINDS, type DocumentKind, parseDocumentNumber } from '../../domain/document-numbers';
import { openTestDataSource, schemaForFile } from '../support/db';

const db = schemaForFile('docnumbers');

const WRITERS = 4;
const DOCUMENTS_PER_WRITER = 30;

/** One writer: its own pool, documents written one after another, every fifth one rolled back. */
async function write(dataSource: DataSource, writer: number): Promise<void> {
  for (let i = 0; i < DOCUMENTS_PER_WRITER; i++) {
    const kind: DocumentKind = DOCUMENT_KINDS[(writer + i) % DOCUMENT_KINDS.length];
    const rollBack = (writer * DOCUMENTS_PER_WRITER + i) % 5 === 0;
    await dataSource
      .transaction(async (tx) => {
        const number = await takeDocumentNumber(tx, kind);
        await tx.query('INSERT INTO test_documents (id, kind, number) VALUES ($1, $2, $3)', [randomUUID(), kind, number]);
        if (rollBack) throw new Error('rolled back on purpose');
      })
      .catch((err: Error) => {
        if (err.message !== 'rolled back on purpose') throw err;
      });
  }
}

describe('document numbers', () => {
  it('are gapless and unique per kind and year across parallel connections, rollbacks included', async () => {
    await db.dataSource.query('CREATE TABLE test_documents (id uuid PRIMARY KEY, kind varchar(8) NOT NULL, number varchar(20) NOT NULL)');
    const pools = await Promise.all(Array.from({ length: WRITERS }, () => openTestDataSource({ schema: db.schema, poolSize: 2 })));
    try {
      await Promise.all(pools.map((pool, writer) => write(pool, writer)));
    } finally {
      await Promise.all(pools.map((pool) => pool.destroy()));
    }

    const rows: { kind: DocumentKind; number: string }[] = await db.dataSource.query('SELECT kind, number FROM test_documents');
    const committed = WRITERS * DOCUMENTS_PER_WRITER - Math.ceil((WRITERS * DOCUMENTS_PER_WRITER) / 5);
    expect(rows).toHaveLength(committed);
    const year = new Date().getUTCFullYear();
    for (const kind of DOCUMENT_KINDS) {
      const numbers = rows.filter((r) => r.kind === kind).map((r) => parseDocumentNumber(r.number));
      expect(numbers.every((n) => n?.kind === kind && n.year === year)).toBe(true);
      const sequence = numbers.map((n) => n!.n).sort((a, b) => a - b);
      expect(sequence).toEqual(Array.from({ length: sequence.length }, (_, i) => i + 1));
      const [counter]: { last_number: number }[] = await db.dataSource.query('SELECT last_number FROM document_numbers WHERE kind = $1 AND year = $2', [kind, year]);
      expect(counter.last_number).toBe(sequence.length);
    }
  });
});
