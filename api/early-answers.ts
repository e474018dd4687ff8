// An answer given before the request's body was read (413 from the Content-Length, 401, 415,
// 429 ...) ends the connection with `Connection: close`. Left on keep-alive, the unread body
// would have to be drained first, and a client that stops sending it once it has the answer (as
// fetch does) leaves the server waiting for bytes that never come, so its next request on that
// connection failed. The body still arriving is read and thrown away until the client has it all
// sent (bounded), and only then is the socket closed, so the client reads the answer instead of a
// reset.
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
        readBodyBeforeClosing(req);
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

/**
 * Node closes a `Connection: close` answer's socket with `destroySoon()` once the answer is out
 * (and @hono/node-server does the same after its own 500 ms of draining): destroyed with the body
 * still arriving, the socket resets, and a client still writing gets EPIPE instead of the answer.
 * On this socket, destroySoon ends our side only, reads the body out, then destroys it.
 */
function readBodyBeforeClosing(req: IncomingMessage): void {
  const socket = req.socket;
  let draining = false;
  socket.destroySoon = function (this: typeof socket) {
    if (this.writable) this.end();
    if (draining) return;
    draining = true;
    drain(req, () => (socket.writableFinished ? socket.destroy() : socket.once('finish', () => socket.destroy())));
  };
}

function drain(req: IncomingMessage, close: () => void): void {
  if (req.complete || req.destroyed) return close();
  let bytes = 0;
  const timer = setTimeout(close, DRAIN_MS).unref();
  const done = () => {
    clearTimeout(timer);
    close();
  };
  // The handler has answered and given up on the body: its reader (a web stream over this request)
  // would pause the request again as its unread queue fills.
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > DRAIN_BYTES) done();
  });
  req.once('end', done);
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
