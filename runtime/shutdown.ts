// Graceful shutdown: on SIGTERM/SIGINT run the steps once, in the order given (stop taking
// work first, close connections last), then exit.
import type { Logger } from './logger';

type Step = { name: string; run: () => Promise<unknown> | unknown };

export function onShutdown(logger: Logger, steps: Step[], graceMs = 30000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
