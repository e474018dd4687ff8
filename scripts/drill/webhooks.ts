// The storefront's webhook receiver (scripts/webhook-receiver.ts, recording every verified delivery
// to webhooks.jsonl in the drill state), its endpoint for every event type, created before the
// load, and the bounded wait after the drain until the deliveries have caught up. The receiver is
// not ours: the faults never touch it.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { startChild, stopChild, waitForLine } from '../lib/child-process';
import type { DrillClient } from './http';
import { type DrillLog, type DrillSettings, sleep } from './tools';

/** One verified delivery as the receiver recorded it, in arrival order. */
export interface ReceivedDelivery {
  webhookId: string;
  orderId: string | null;
  seq: number | null;
  type: string;
  at: number;
}

/** The receiver's port: DRILL_PORT_BASE + 520, clear of the services' and processes' ports. */
const PORT_OFFSET = 520;
const CATCH_UP_TIMEOUT_MS = 180_000;

export class WebhookReceiver {
  private child: ChildProcess | null = null;
  readonly file: string;
  /** Exits the drill did not cause, in words. */
  readonly crashes: string[] = [];

  constructor(
    private readonly settings: DrillSettings,
    private readonly log: DrillLog,
  ) {
    this.file = path.join(settings.state, 'webhooks.jsonl');
  }

  /** Creates the endpoint (all event types: the list left empty) and starts the receiver with its secret. */
  async start(client: DrillClient): Promise<void> {
    const port = this.settings.base + PORT_OFFSET;
    const body = { data: { type: 'webhook-endpoints', attributes: { url: `http://127.0.0.1:${port}/hooks`, eventTypes: [], description: 'fault drill receiver' } } };
    const reply = await client.call('POST', 'POST /v1/webhook-endpoints', '/v1/webhook-endpoints', body);
    if (reply.status !== 201) throw new Error(`creating the webhook endpoint answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`);
    const secret = String(reply.body.data.attributes.secret);
    const log = createWriteStream(path.join(this.settings.logsDir, 'webhook-receiver.log'), { flags: 'a' });
    const child = startChild('webhook-receiver', 'scripts/webhook-receiver.ts', { env: { WEBHOOK_SECRET: secret, PORT: String(port), RECORD_FILE: this.file }, log });
    this.child = child;
    // drill.sh stops what a crashed drill left behind by this.
    writeFileSync(path.join(this.settings.state, 'webhook-receiver.pid'), `${child.pid}\n`);
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.crashes.push(`webhook receiver exited by itself (code ${code}, signal ${signal})`);
      this.log.note(`UNEXPECTED: the webhook receiver exited (code ${code}, signal ${signal})`);
    });
    await waitForLine(child, 'receiver ready', 60_000);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child) await stopChild(child);
  }

  received(): ReceivedDelivery[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ReceivedDelivery);
  }

  /** Until every event of the orders reached the receiver, or the time runs out (the invariant then says what is missing). */
  async waitForCatchUp(db: Pool, ids: string[]): Promise<void> {
    const from = Date.now();
    let lastReport = 0;
    for (;;) {
      const { rows } = await db.query<{ id: string }>(`SELECT order_id::text || ':' || seq AS id FROM order_events WHERE order_id = ANY($1::uuid[])`, [ids]);
      const got = new Set(this.received().map((d) => d.webhookId));
      const missing = rows.filter((r) => !got.has(r.id)).length;
      if (missing === 0) {
        this.log.note(`webhooks caught up: ${rows.length} events delivered after ${((Date.now() - from) / 1000).toFixed(0)} s`);
        return;
      }
      if (Date.now() - from > CATCH_UP_TIMEOUT_MS) {
        this.log.note(`webhooks: ${missing} of ${rows.length} events still undelivered after ${CATCH_UP_TIMEOUT_MS / 1000} s; checking anyway`);
        return;
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        this.log.note(`webhooks: ${rows.length - missing}/${rows.length} events delivered, waiting`);
      }
      await sleep(2000);
    }
  }
}
