// An answer given before the request's body was read (413 from the Content-Length, 401, 415,
// 429 ...) ends the connection with `Connection: close`. Left on keep-alive, the unread body
// would have to be drained first, and @hono/node-server gives up draining after 500 ms and drops
// the socket, so a keep-alive client's next request on it failed with "other side closed".
// The body still arriving is read and thrown away until the client has it all sent (bounded),
// so the client reads the answer instead of a reset.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** How long, and how much, of an unread body is taken in before the socket is closed anyway. */
const DRAIN_MS = 5000;
const DRAIN_BYTES = 64 * 1024 * 1024;

export function closingEarlyAnswers(listener: RequestListener): RequestListener {
  return (req, res) => {
    const writeHead = res.writeHead;
    // writeHead is where every answer's status line goes out (hono's listener calls it).
    res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
      if (hasBody(req) && !req.complete && !res.headersSent) {
        res.setHeader('Connection', 'close');
        res.once('finish', () => drain(req));
      }
      return writeHead.apply(this, args);
    } as ServerResponse['writeHead'];
    listener(req, res);
  };
}

// A request without a body may not be `complete` yet while it is answered (a cached read answers
// from the headers): only a body still on its way calls for closing.
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function drain(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  let bytes = 0;
  const stop = () => req.socket.destroy();
  const timer = setTimeout(stop, DRAIN_MS).unref();
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > DRAIN_BYTES) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
