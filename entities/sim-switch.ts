import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type SimulatedProvider = 'payment' | 'carrier';

/**
 * The simulators' persistent "provider is down" switches (drills, tests). Every simulator reads
 * its row on each call, so flipping it here takes effect in every worker process at once.
 */
@Entity({ name: 'sim_switches' })
export class SimSwitch {
  @PrimaryColumn({ name: 'name', type: 'varchar', length: 20 })
  name: SimulatedProvider;

  @Column({ name: 'failing', type: 'boolean', default: false })
  failing: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
