// The legacy migration: one chain of executions per run, on task queue `migration`, started by
// the Schedule `legacy-migration` (workers/migration-worker.ts) or by hand.
//
//   begin run -> batches: customers, products, orders (+ lines), orphan lines
//     -> adopt in-flight orders (hook) -> reconcile -> finish
//
// Each batch is one activity that extracts after the `(modified_dt, key)` watermark, transforms,
// upserts and returns counts only. Every K batches the workflow continues as new, carrying the
// watermarks and counters; the migration_runs row holds the same, committed with each batch, so
// a killed worker or a reset resumes exactly where the last committed batch ended.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type {
  MigrateBatchResult,
  MigrationActivities,
  MigrationMode,
  MigrationRunState,
  ReconciliationSummary,
} from '../activities/migration/contract';

export const MIGRATION_WORKFLOW_TYPE = 'migrationWorkflow';
export const DEFAULT_MIGRATION_SOURCE_SCHEMA = 'legacy';
export const DEFAULT_MIGRATION_BATCH_SIZE = 1000;
export const DEFAULT_BATCHES_PER_EXECUTION = 100;

export interface MigrationWorkflowInput {
  /** The legacy schema to read; default 'legacy'. */
  sourceSchema?: string;
  /** 'incremental' (default) starts from the previous run's watermarks; 'full' reads everything again. */
  mode?: MigrationMode;
  /** Legacy rows per batch activity; default 1000. */
  batchSize?: number;
  /** Continue-as-new after this many batches (K); default 100. */
  batchesPerExecution?: number;
  /** Heartbeat timeout of the batch activity; default 30 s. */
  batchHeartbeatTimeout?: Duration;
  /** Set false to skip the reconciliation (default: once per run, when the batches end). */
  reconcile?: boolean;
  /** Carried across continue-as-new; never set by callers. */
  state?: MigrationRunState;
}

export interface MigrationWorkflowResult {
  state: MigrationRunState;
  adoption: { awaiting: number; adopted: number } | null;
  reconciliation: ReconciliationSummary | null;
}

export interface MigrationProgress {
  runId: string | null;
  phase: string;
  batches: number;
  totals: MigrationRunState['totals'] | null;
  watermarks: MigrationRunState['watermarks'] | null;
}

/** Live progress for operators and `./dev migrate` (the migration_runs row says the same). */
export const migrationProgressQuery = defineQuery<MigrationProgress>('progress');

const bookkeeping = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});
const reconciliation = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '5s', maximumInterval: '1 minute', maximumAttempts: 10 },
});

const NON_RETRYABLE_BATCH_ERRORS = ['UnknownMigrationRun', 'MigrationBatchOutOfSequence'];

function batchActivities(heartbeatTimeout: Duration) {
  return proxyActivities<MigrationActivities>({
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE_BATCH_ERRORS },
  });
}

function afterBatch(state: MigrationRunState, r: MigrateBatchResult): MigrationRunState {
  const next = { ...state, batches: r.batchNo, totals: r.totals, phase: r.nextPhase };
  if (r.phase === 'orphan_lines') next.orphanCursor = r.next as MigrationRunState['orphanCursor'];
  else next.watermarks = { ...state.watermarks, [r.phase]: r.next };
  return next;
}

function describe(state: MigrationRunState): string {
  const t = state.totals;
  return `**${state.phase}**: ${state.batches} batches, ${t.read} rows read (${t.inserted} inserted, ${t.updated} updated, ${t.unchanged} unchanged, ${t.quarantined} quarantined)`;
}

export async function migrationWorkflow(input: MigrationWorkflowInput = {}): Promise<MigrationWorkflowResult> {
  const sourceSchema = input.sourceSchema ?? DEFAULT_MIGRATION_SOURCE_SCHEMA;
  const mode = input.mode ?? 'incremental';
  const batchSize = input.batchSize ?? DEFAULT_MIGRATION_BATCH_SIZE;
  const perExecution = input.batchesPerExecution ?? DEFAULT_BATCHES_PER_EXECUTION;
  const batches = batchActivities(input.batchHeartbeatTimeout ?? '30s');
  let state: MigrationRunState | undefined = input.state;
  setHandler(migrationProgressQuery, () => ({
    runId: state?.runId ?? null,
    phase: state?.phase ?? 'starting',
    batches: state?.batches ?? 0,
    totals: state?.totals ?? null,
    watermarks: state?.watermarks ?? null,
  }));

  const info = workflowInfo();
  // The run id is the chain's first execution's run id: the same in every continued execution.
  const runId = state?.runId ?? info.firstExecutionRunId;
  try {
    state ??= await bookkeeping.beginMigrationRun({ runId, workflowId: info.workflowId, sourceSchema, mode, batchSize });
    let batchesHere = 0;
    while (state.phase !== 'reconcile' && state.phase !== 'done') {
      if (batchesHere >= perExecution || workflowInfo().continueAsNewSuggested) break;
      const phase = state.phase;
      const result = await batches.migrateBatch({
        runId,
        sourceSchema,
        phase,
        batchNo: state.batches + 1,
        batchSize,
        after: phase === 'orphan_lines' ? state.orphanCursor : state.watermarks[phase],
      });
      state = afterBatch(state, result);
      batchesHere++;
      setCurrentDetails(describe(state));
    }
  } catch (err) {
    await failRun(runId, err);
    throw err;
  }
  if (state.phase !== 'reconcile' && state.phase !== 'done') {
    log.info('migration continues as new', { runId, batches: state.batches, phase: state.phase });
    return continueAsNew<typeof migrationWorkflow>({ ...input, state });
  }
  if (state.phase === 'done') return { state, adoption: null, reconciliation: null };

  try {
    const adoption = await reconciliation.adoptLegacyOrders({ runId, sourceSchema });
    const summary = input.reconcile === false ? null : await reconciliation.reconcileMigration({ runId, sourceSchema });
    await bookkeeping.finishMigrationRun({ runId, status: 'completed' });
    state = { ...state, phase: 'done' };
    setCurrentDetails(`${describe(state)}; ${summary ? `${summary.discrepancies} discrepancies` : 'not reconciled'}`);
    return { state, adoption, reconciliation: summary };
  } catch (err) {
    await failRun(runId, err);
    throw err;
  }
}

/** Records the failure on the run's row; runs even when the workflow is being cancelled. */
async function failRun(runId: string, err: unknown): Promise<void> {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const message = isCancellation(err) ? 'cancelled' : cause instanceof Error ? cause.message : String(cause);
  await CancellationScope.nonCancellable(() => bookkeeping.finishMigrationRun({ runId, status: 'failed', error: message }));
  if (!(err instanceof ApplicationFailure) && !(err instanceof ActivityFailure) && !isCancellation(err)) log.error('migration failed', { runId, message });
}
