// A webhook receiver that verifies every delivery with the Standard Webhooks reference verifier
// (npm `standardwebhooks`) before trusting it, and deduplicates by webhook-id: the README's
// receiver example, and what `./dev demo` points an endpoint at.
//
//   WEBHOOK_SECRET=whsec_... PORT=4000 node --import tsx scripts/webhook-receiver.ts
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.WEBHOOK_SECRET ?? '');
const seen = new Set<string>();

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
    // Retries and replays repeat the webhook-id: do the work once, answer 2xx every time.
    if (!seen.has(id)) {
      seen.add(id);
      process.stdout.write(`verified ${event.type} of order ${event.data.orderId} (seq ${event.data.seq}), webhook-id ${id}\n`);
    }
    res.writeHead(204).end();
  });
});
server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => process.stdout.write('receiver ready\n'));
