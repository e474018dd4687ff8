// The worker's log lines, captured: import this module before anything that installs the Temporal
// Runtime (test/support/temporal.ts does, once per process). The Temporal SDK's lines (workflow
// `log`, activity start and completion) go through the same pino logger the worker process uses
// (workers/temporal-logger.ts), and so can the activities' own lines (`logger`), at debug level.
import { Writable } from 'node:stream';
import { Runtime } from '@temporalio/worker';
import { createLogger } from '../../runtime/logger';
import { temporalLoggerFor } from '../../workers/temporal-logger';

/** Every line written so far, parsed. */
export const workerLogLines: Record<string, unknown>[] = [];

export const logger = createLogger(
  'worker',
  'debug',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) workerLogLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
);

Runtime.install({ logger: temporalLoggerFor(logger) });
