import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { DocumentKind } from '../domain/document-numbers';

/**
 * The last number given to a document kind in a year (activities/document-numbers.ts takes the
 * next one in the document's own transaction, so numbers are gapless and never repeat).
 */
@Entity({ name: 'document_numbers' })
export class DocumentNumber {
  @PrimaryColumn({ name: 'kind', type: 'varchar', length: 8 })
  kind: DocumentKind;

  @PrimaryColumn({ name: 'year', type: 'integer' })
  year: number;

  @Column({ name: 'last_number', type: 'integer' })
  lastNumber: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
