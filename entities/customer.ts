import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Tier } from '../domain/pricing';

/** A buyer of one storefront. The email is unique per storefront, case-insensitively (an index on (storefront, lower(email))). */
@Entity({ name: 'customers' })
export class Customer {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The storefront of the client that created it (domain/storefronts.ts). */
  @Column({ name: 'storefront', type: 'varchar', length: 64 })
  storefront: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'email', type: 'varchar', length: 255, nullable: true })
  email: string | null;

  @Column({ name: 'tier', type: 'char', length: 1, nullable: true })
  tier: Tier | null;

  @Column({ name: 'country', type: 'char', length: 2, nullable: true })
  country: string | null;

  @Column({ name: 'active', type: 'boolean', default: true })
  active: boolean;

  /** The legacy cust_id of a migrated customer, else null. */
  @Column({ name: 'legacy_cust_id', type: 'integer', nullable: true, unique: true })
  legacyCustId: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
