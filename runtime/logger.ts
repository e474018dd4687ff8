// Structured JSON logs (pino). The request being served (or the request that caused the activity
// being run: see workers/request-cause-activities.ts) is kept in AsyncLocalStorage, so every log
// line written on its behalf carries its id, and the audit trail can name its client.
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

/** The request a piece of work is done for; `clientId` once the caller is authenticated. */
export interface RequestContext {
  requestId: string;
  clientId?: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

export function withRequestContext<T>(context: RequestContext, fn: () => T): T {
  return requestContext.run(context, fn);
}

export function withRequestId<T>(requestId: string, fn: () => T): T {
  return withRequestContext({ requestId }, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return requestContext.getStore();
}

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

export type Logger = pino.Logger;

export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  };
  return pino(options, destination ?? bufferedStdout());
}

/** How much log output is gathered before a write, and how long a line may wait for it. */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 1000;

/**
 * Standard output written a few KB at a time: with a line per request (the access log), a write
 * per line was a system call per request. A line waits at most LOG_FLUSH_MS; pino flushes what is
 * left when the process exits (a kill -9 loses at most that second).
 */
function bufferedStdout(): pino.DestinationStream {
  const stream = pino.destination({ dest: 1, minLength: LOG_BUFFER_BYTES, sync: false });
  const timer = setInterval(() => stream.flush(), LOG_FLUSH_MS).unref();
  stream.on('close', () => clearInterval(timer));
  return stream;
}
