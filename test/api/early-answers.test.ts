// An answer given before the body was read (here a 413 from the Content-Length) closes the
// connection cleanly: the client reads the answer, and its next requests on the same keep-alive
// client (fetch's pool) go through on a new connection, over real HTTP. The body still on its way
// is read out first, so a client that sends all of it before it reads gets the answer, not a reset.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiHarness, serveOverHttp, startApi } from '../support/api';

jest.setTimeout(120_000);

let api: ApiHarness;
let http: Awaited<ReturnType<typeof serveOverHttp>>;

beforeAll(async () => {
  api = await startApi({ worker: false });
  http = await serveOverHttp(api);
});

afterAll(async () => {
  await http?.close();
  await api?.close();
});

/** What fetch (undici, keep-alive by default) made of one request: the answer, or its error. */
async function send(url: string, init?: RequestInit): Promise<{ status?: number; connection?: string | null; error?: string }> {
  try {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return { status: res.status, connection: res.headers.get('connection') };
  } catch (err) {
    return { error: String((err as { cause?: Error }).cause?.message ?? err) };
  }
}

/** 2 MB uploaded over about a second, as a slow client sends it. */
function slowBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(controller) {
      for (let i = 0; i < 32; i++) {
        controller.enqueue(new Uint8Array(64 * 1024));
        await sleep(30);
      }
      controller.close();
    },
  });
}

describe('an early answer', () => {
  it('closes the connection after a 413, and two requests after it on the same keep-alive client succeed', async () => {
    const url = `${http.base}/v1/customers`;
    const headers = { 'content-type': 'application/vnd.api+json' };
    const whole = await send(url, { method: 'POST', headers, body: new Uint8Array(2 * 1024 * 1024) });
    const slow = await send(url, { method: 'POST', headers, body: slowBody(), duplex: 'half' } as RequestInit);
    const next = await send(`${http.base}/health/live`);
    const after = await send(`${http.base}/health/live`);
    // Before: the 413 said keep-alive, the server dropped the socket, and `next` failed with "other side closed".
    expect([whole, slow, next, after]).toEqual([
      { status: 413, connection: 'close' },
      { status: 413, connection: 'close' },
      { status: 200, connection: 'keep-alive' },
      { status: 200, connection: 'keep-alive' },
    ]);
  });

  it('reads the rest of the body out before closing: a client that sends it all before reading gets the 413, not a reset', async () => {
    const { hostname, port } = new URL(http.base);
    // Written on a raw socket as a client that reads nothing until its upload is done: 2 MB in
    // 32 chunks over about 1.3 s, the answer coming after the first few.
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    let answer = '';
    let failure: string | undefined;
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (failure = err.code ?? err.message));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('POST /v1/customers HTTP/1.1\r\nHost: test\r\nContent-Type: application/vnd.api+json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let i = 0; i < 32 && !failure; i++) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write('\r\n');
      await sleep(40);
    }
    socket.end('0\r\n\r\n');
    await closed;
    expect(failure).toBeUndefined();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
  });
});
