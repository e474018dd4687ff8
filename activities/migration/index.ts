// The migration's activities, built once per worker from their dependencies:
//   worker.activities = createMigrationActivities({ dataSource, logger })
import { ApplicationFailure, type Context, asyncLocalStorage } from '@temporalio/activity';
import pino, { type Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { DEFAULT_LEGACY_STOREFRONT } from '../../domain/storefronts';
import { type AdoptOrders, adoptLegacyOrders } from './adopt-legacy-orders';
import { type BatchContext, quoteSourceSchema } from './batch';
import type { MigrateBatchInput, MigrationActivities, OrphanCursor, Watermark } from './contract';
import { migrateCustomers } from './migrate-customers';
import { migrateOrders } from './migrate-orders';
import { migrateProducts } from './migrate-products';
import { quarantineOrphanLines } from './quarantine-orphan-lines';
import { reconcileMigration } from './reconcile-migration';
import { beginMigrationRun, finishMigrationRun, markRunReconciling, runBatch } from './run-bookkeeping';

export interface MigrationActivitiesDeps {
  dataSource: DataSource;
  logger?: Logger;
  /** The storefront migrated customers and orders belong to (LEGACY_STOREFRONT; default 'legacy'). */
  storefront?: string;
  /** The adoption hook (see adopt-legacy-orders.ts); without it awaiting orders are only counted. */
  adoptOrders?: AdoptOrders;
  /**
   * Tests only: a pause inside each batch's transaction, after the load and before the commit
   * (heartbeating, and abandoned when the activity is cancelled), so a test can stop the worker
   * in the middle of a batch.
   */
  batchPauseMs?: number;
}

/** Heartbeats and cancellation; outside an activity (a script, a test calling directly) they do nothing. */
function activityContext(): Context | undefined {
  return asyncLocalStorage.getStore();
}

function heartbeat(step: string): void {
  activityContext()?.heartbeat({ step });
}

async function pauseInBatch(ms: number): Promise<void> {
  const ctx = activityContext();
  const until = Date.now() + ms;
  while (Date.now() < until) {
    ctx?.heartbeat({ step: 'paused (test)' });
    if (ctx) await ctx.sleep(Math.min(100, until - Date.now()));
    else await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
  }
}

/** PostgreSQL's undefined_table and invalid_schema_name: the legacy schema was never installed. */
const MISSING_RELATION_CODES = new Set(['42P01', '3F000']);

/**
 * A source that is not there is not a fault to retry for an hour: the run fails at once and says
 * what to do (a `./dev up` stack has no legacy data until `./dev legacy-seed`).
 */
function refuseMissingSource(err: unknown, sourceSchema: string): never {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && MISSING_RELATION_CODES.has(code)) {
    throw ApplicationFailure.nonRetryable(
      `the legacy schema "${sourceSchema}" is missing a table (${(err as Error).message}): seed it with \`./dev legacy-seed\` or set LEGACY_SCHEMA`,
      'LegacySourceMissing',
    );
  }
  throw err;
}

export function createMigrationActivities(deps: MigrationActivitiesDeps): MigrationActivities {
  const { dataSource } = deps;
  const logger = deps.logger ?? pino({ name: 'migration-activities' });

  async function migrateBatch(input: MigrateBatchInput) {
    const s = quoteSourceSchema(input.sourceSchema);
    const started = Date.now();
    const result = await runBatch(dataSource, input, async (manager) => {
      const ctx: BatchContext = {
        manager,
        runId: input.runId,
        sourceSchema: input.sourceSchema,
        storefront: deps.storefront ?? DEFAULT_LEGACY_STOREFRONT,
        s,
        limit: input.batchSize,
        heartbeat,
      };
      heartbeat(`${input.phase}: batch ${input.batchNo}`);
      const outcome =
        input.phase === 'customers'
          ? await migrateCustomers(ctx, input.after as Watermark | null)
          : input.phase === 'products'
            ? await migrateProducts(ctx, input.after as Watermark | null)
            : input.phase === 'orders'
              ? await migrateOrders(ctx, input.after as Watermark | null)
              : await quarantineOrphanLines(ctx, input.after as OrphanCursor | null);
      if (deps.batchPauseMs) await pauseInBatch(deps.batchPauseMs);
      return outcome;
    }).catch((err: unknown) => refuseMissingSource(err, input.sourceSchema));
    logger.debug({ runId: input.runId, phase: input.phase, batchNo: input.batchNo, counts: result.counts, ms: Date.now() - started }, 'migration batch');
    return result;
  }

  return {
    beginMigrationRun: (input) => beginMigrationRun(dataSource, input),
    migrateBatch,
    async reconcileMigration(input) {
      await markRunReconciling(dataSource, input.runId);
      const summary = await reconcileMigration(dataSource, input, heartbeat);
      logger.info({ runId: input.runId, ...summary }, 'migration reconciled');
      return summary;
    },
    async adoptLegacyOrders(input) {
      const result = await adoptLegacyOrders(dataSource, deps.adoptOrders, heartbeat);
      logger.info({ runId: input.runId, ...result }, 'legacy orders adopted');
      return result;
    },
    finishMigrationRun: (input) => finishMigrationRun(dataSource, input),
  };
}

export type { AdoptOrders, AdoptionInput, AwaitingAdoption, AdoptionResult } from './adopt-legacy-orders';
export { adoptionInputs, listOrdersAwaitingAdoption, markOrdersAdopted } from './adopt-legacy-orders';
export { legacyCustomerId, legacyOrderId, LEGACY_CUSTOMER_NAMESPACE, LEGACY_ORDER_NAMESPACE } from './legacy-ids';
export { LEGACY_STATUS } from './order-transform';
export { LEGACY_WITHOUT_PAYMENT_REASON } from '../../domain/order-status';
export * from './contract';
