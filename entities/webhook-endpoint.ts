import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { FeedEventType } from '../domain/events';

/** Why an endpoint is off: its client turned it off, the receiver answered 410, or it failed for 5 days. */
export type WebhookDisabledReason = 'disabled' | 'gone' | 'failing';

/**
 * A storefront's webhook endpoint. `secret` signs every delivery; after a rotation the previous
 * secret signs beside it until `previous_secret_until`. `failing_since` is the first failure
 * since the last success (the 5-day auto-disable counts from it).
 */
@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpoint {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'storefront', type: 'varchar', length: 64 })
  storefront: string;

  @Column({ name: 'url', type: 'varchar', length: 2048 })
  url: string;

  /** Empty: every type. */
  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes: FeedEventType[];

  @Column({ name: 'description', type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ name: 'enabled', type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 40, nullable: true })
  disabledReason: WebhookDisabledReason | null;

  @Column({ name: 'secret', type: 'varchar', length: 100, select: false })
  secret: string;

  @Column({ name: 'previous_secret', type: 'varchar', length: 100, nullable: true, select: false })
  previousSecret: string | null;

  @Column({ name: 'previous_secret_until', type: 'timestamptz', nullable: true })
  previousSecretUntil: Date | null;

  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** One attempt to deliver an event to an endpoint: the delivery log. */
@Entity({ name: 'webhook_attempts' })
export class WebhookAttempt {
  @PrimaryColumn({ name: 'id', type: 'bigint' })
  id: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @Column({ name: 'event_id', type: 'varchar', length: 80 })
  eventId: string;

  @Column({ name: 'attempt', type: 'integer' })
  attempt: number;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs: number;

  @Column({ name: 'error', type: 'varchar', length: 500, nullable: true })
  error: string | null;

  @Column({ name: 'attempted_at', type: 'timestamptz' })
  attemptedAt: Date;
}
