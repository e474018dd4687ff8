// A webhook receiver that verifies every delivery with the Standard Webhooks reference verifier
// (npm `standardwebhooks`) before trusting it, and deduplicates by webhook-id: the README's
// receiver example, and what `./dev demo` points an endpoint at. With RECORD_FILE set it also
// appends every verified delivery, repeats included, as a JSON line (webhook-id, order id, seq,
// type) before it answers: the fault drill checks those against order_events.
//
//   WEBHOOK_SECRET=whsec_... PORT=4000 [RECORD_FILE=deliveries.jsonl] node --import tsx scripts/webhook-receiver.ts
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.WEBHOOK_SECRET ?? '');
const seen = new Set<string>();
const recordFile = process.env.RECORD_FILE;

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    let event: { type: string; data: { orderId: string | null; seq: number | null } };
    try {
      // Throws unless one signature matches and the timestamp is within 5 minutes.
      event = webhook.verify(body, req.headers as Record<string, string>) as typeof event;
    } catch (err) {
      res.writeHead(401).end();
      process.stdout.write(`refused: ${(err as Error).message}\n`);
      return;
    }
    const id = String(req.headers['webhook-id']);
    // Written synchronously before the 2xx: a delivery we acknowledged is never missing from the file.
    if (recordFile) appendFileSync(recordFile, `${JSON.stringify({ webhookId: id, orderId: event.data.orderId, seq: event.data.seq, type: event.type, at: Date.now() })}\n`);
    // Retries and replays repeat the webhook-id: do the work once, answer 2xx every time.
    if (!seen.has(id)) {
      seen.add(id);
      process.stdout.write(`verified ${event.type} of order ${event.data.orderId} (seq ${event.data.seq}), webhook-id ${id}\n`);
    }
    res.writeHead(204).end();
  });
});
server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => process.stdout.write('receiver ready\n'));
