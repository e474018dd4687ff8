import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events out: the feed's commit-safe positions, webhook endpoints and their deliveries.
 *
 * The feed (GET /v1/events) is ordered by (feed_xid, feed_pos): the id of the transaction that
 * wrote the event (pg_current_xact_id(), a 64-bit xid8 that never wraps) and a number from one
 * sequence. A reader only takes rows whose transaction is below pg_snapshot_xmin of its own
 * snapshot: every such transaction has ended, and every transaction still to write gets a larger
 * xid, so nothing can later appear before a position already handed out. A sequence number alone
 * would not do: it is taken before commit, so a reader could pass number 11 while 10 is still
 * uncommitted (docs/decisions.md).
 *
 * order_events.storefront copies the order's (a trigger fills it, so every writer gets it right)
 * so one storefront's feed is an index range, not a join over every storefront's events.
 * storefront_events holds the feed's events that belong to no order (endpoint.disabled).
 */
export class EventsOut1795651200500 implements MigrationInterface {
  name = 'EventsOut1795651200500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE feed_position_seq`);
    await q.query(`ALTER TABLE order_events ADD COLUMN storefront varchar(64), ADD COLUMN feed_xid xid8, ADD COLUMN feed_pos bigint`);
    // Events written before this migration: this transaction's xid, numbered in the order they happened.
    await q.query(`
      UPDATE order_events e SET storefront = o.storefront, feed_xid = pg_current_xact_id(), feed_pos = n.pos
        FROM orders o, (SELECT order_id, seq, nextval('feed_position_seq') AS pos
                          FROM (SELECT order_id, seq FROM order_events ORDER BY occurred_at, order_id, seq) ordered) n
       WHERE o.id = e.order_id AND n.order_id = e.order_id AND n.seq = e.seq`);
    await q.query(`ALTER TABLE order_events
      ALTER COLUMN storefront SET NOT NULL,
      ALTER COLUMN feed_xid SET DEFAULT pg_current_xact_id(), ALTER COLUMN feed_xid SET NOT NULL,
      ALTER COLUMN feed_pos SET DEFAULT nextval('feed_position_seq'), ALTER COLUMN feed_pos SET NOT NULL`);
    await q.query(`
      CREATE FUNCTION order_events_storefront() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.storefront := (SELECT storefront FROM orders WHERE id = NEW.order_id);
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER order_events_storefront BEFORE INSERT ON order_events FOR EACH ROW WHEN (NEW.storefront IS NULL) EXECUTE FUNCTION order_events_storefront()`);
    await q.query(`CREATE UNIQUE INDEX order_events_feed_idx ON order_events (feed_xid, feed_pos)`);
    await q.query(`CREATE INDEX order_events_storefront_feed_idx ON order_events (storefront, feed_xid, feed_pos)`);

    await q.query(`
      CREATE TABLE storefront_events (
        id uuid PRIMARY KEY,
        storefront varchar(64) NOT NULL,
        type varchar(40) NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL DEFAULT now(),
        feed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        feed_pos bigint NOT NULL DEFAULT nextval('feed_position_seq')
      )`);
    await q.query(`CREATE UNIQUE INDEX storefront_events_feed_idx ON storefront_events (feed_xid, feed_pos)`);
    await q.query(`CREATE INDEX storefront_events_storefront_feed_idx ON storefront_events (storefront, feed_xid, feed_pos)`);

    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        storefront varchar(64) NOT NULL,
        url varchar(2048) NOT NULL,
        event_types text[] NOT NULL DEFAULT '{}',
        description varchar(500),
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason varchar(40),
        secret varchar(100) NOT NULL,
        previous_secret varchar(100),
        previous_secret_until timestamptz,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_storefront_created_at_id_idx ON webhook_endpoints (storefront, created_at, id)`);

    // One row per (endpoint, event): the endpoint's queue, its state and when it is next due.
    await q.query(`
      CREATE TABLE webhook_deliveries (
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id varchar(80) NOT NULL,
        order_id uuid,
        seq integer,
        type varchar(40) NOT NULL,
        payload text NOT NULL,
        status varchar(12) NOT NULL DEFAULT 'PENDING',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        PRIMARY KEY (endpoint_id, event_id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (endpoint_id, order_id, seq) WHERE status = 'PENDING'`);

    // Every attempt: the delivery log.
    await q.query(`
      CREATE TABLE webhook_attempts (
        id bigserial PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id varchar(80) NOT NULL,
        attempt integer NOT NULL,
        status_code integer,
        latency_ms integer NOT NULL,
        error varchar(500),
        attempted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, attempted_at, id)`);

    // Where the fan-out (the dispatcher) has read the feed up to.
    await q.query(`CREATE TABLE webhook_fanout (id integer PRIMARY KEY CHECK (id = 1), after_xid xid8 NOT NULL, after_pos bigint NOT NULL)`);
    await q.query(`INSERT INTO webhook_fanout VALUES (1, '0', 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_fanout`);
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_endpoints`);
    await q.query(`DROP TABLE storefront_events`);
    await q.query(`DROP TRIGGER order_events_storefront ON order_events`);
    await q.query(`DROP FUNCTION order_events_storefront()`);
    await q.query(`ALTER TABLE order_events DROP COLUMN storefront, DROP COLUMN feed_xid, DROP COLUMN feed_pos`);
    await q.query(`DROP SEQUENCE feed_position_seq`);
  }
}
