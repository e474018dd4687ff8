import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { OrderEventType } from '../domain/events';

/**
 * The order's event trail. (order_id, seq) is the primary key and seq is gapless per order;
 * (order_id, dedupe_key) is unique, so a retried activity cannot append its event twice.
 */
@Entity({ name: 'order_events' })
export class OrderEvent {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @PrimaryColumn({ name: 'seq', type: 'integer' })
  seq: number;

  @Column({ name: 'type', type: 'varchar', length: 40 })
  type: OrderEventType;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 200 })
  dedupeKey: string;

  @Column({ name: 'data', type: 'jsonb', default: {} })
  data: Record<string, unknown>;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  /** The API client whose request caused the event; null: the system (carrier, timers, migration). */
  @Column({ name: 'actor_client_id', type: 'varchar', length: 100, nullable: true })
  actorClientId: string | null;

  /** The X-Request-Id of that request; null with the system as actor. */
  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;
}
