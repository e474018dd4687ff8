// The Temporal SDK's own log lines (the workflows' `log`, activity start and completion, the core)
// go through the process's pino logger, so every line the worker writes is one JSON line, with the
// request id where the work has one (workers/request-cause-activities.ts).
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../runtime/logger';

const TEMPORAL_LOG_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };

/** A logger for `Runtime.install({ logger })` that writes through `logger` at its level. */
export function temporalLoggerFor(logger: Logger): DefaultLogger {
  return new DefaultLogger(TEMPORAL_LOG_LEVELS[logger.level] ?? 'INFO', ({ level, message, meta }) => {
    const method = level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'WARN' ? 'warn' : level === 'ERROR' ? 'error' : 'info';
    logger[method]({ ...meta, source: 'temporal' }, message);
  });
}
