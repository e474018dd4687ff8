// The first step of a new order: check it against the catalogue and record it (projection row and
// order.created). Orders started with patch 'open-order-at-once' also reserve and invoice in the
// same local activity (openOrder); older ones (their histories replay) record alone and run the
// reservation and the invoice as steps of their own.
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { PlacedOrder } from '../activities/contract';
import { type OrderActivityProxies, businessFailureOf } from './order-activities';
import type { OrderState, OrderWorkflowInput } from './order-definitions';
import type { OrderInvoice } from './order-invoice';
import type { Progress, orderSteps } from './order-steps';
import type { OrderVisibility } from './order-visibility';
import type { Compensations } from './saga';

export interface RecordingHost {
  input: OrderWorkflowInput;
  state: OrderState;
  progress: Progress;
  visible: OrderVisibility;
  invoice: OrderInvoice;
  compensations: Compensations;
  steps: ReturnType<typeof orderSteps>;
  activities: OrderActivityProxies;
}

/** Not recorded: the order was rejected (REJECTED already). Recorded: `refused` is thrown inside the saga scope. */
export type Recording = { recorded: false } | { recorded: true; refused: ApplicationFailure | null };

/** Records the order alone (orders started before 'open-order-at-once'). */
export async function placeOrder(host: RecordingHost): Promise<Recording> {
  host.visible.waitFor('recording the order');
  const placed = await host.activities.projection.placeOrder(placement(host)).catch(rejectedAtRecord);
  if (!recorded(host, placed)) return { recorded: false };
  host.visible.upsertSearchAttributes();
  return { recorded: true, refused: null };
}

/**
 * Records, reserves and invoices in one local activity. Both undos are registered first, as each
 * step registers its own; a refusal by the reservation or the invoice is thrown inside the saga
 * scope, so it unwinds as that step's own failure did. The first workflow task runs the activity
 * whole: a cancel that arrives meanwhile undoes all three after it. The total reaches the search
 * attributes with the next status, not in an upsert of its own.
 */
export async function openOrder(host: RecordingHost): Promise<Recording> {
  const { state, compensations } = host;
  const { reserveInventory, issueInvoice } = host.steps;
  host.visible.waitFor('recording the order, reserving and invoicing');
  compensations.add(reserveInventory.undo);
  compensations.add(issueInvoice.undo);
  state.invoiceRevision = 1; // before the call: an undo must void what may exist
  const opened = await host.activities.database.openOrder(placement(host)).catch((err: unknown) => ({ placed: rejectedAtRecord(err) }));
  if (!recorded(host, opened.placed)) {
    state.invoiceRevision = 0;
    return { recorded: false };
  }
  if ('totals' in opened) {
    state.totals = opened.totals;
    return { recorded: true, refused: null };
  }
  if (!('refused' in opened)) throw new Error('openOrder answered neither totals nor a refusal');
  const { step, failure, reason } = opened.refused;
  if (step === 'reserveInventory') {
    compensations.drop(issueInvoice.undo.name);
    state.invoiceRevision = 0;
  }
  return { recorded: true, refused: ApplicationFailure.create({ type: failure, message: reason, nonRetryable: true }) };
}

function placement({ input }: RecordingHost) {
  return { order: input.order, placedAt: workflowInfo().startTime.toISOString() };
}

/** Takes the placement in; a rejected one ends the order REJECTED (nothing else was done). */
function recorded({ state, progress, visible, invoice }: RecordingHost, placed: PlacedOrder): boolean {
  if (!placed.accepted) {
    progress.stage = 'done';
    visible.moveTo('REJECTED', placed.reason);
    return false;
  }
  invoice.tier = placed.tier;
  state.lines = placed.lines;
  state.totals = placed.totals;
  progress.stage = 'reserving';
  return true;
}

/** Input no projection can hold (the API validates first): rejected, nothing recorded. */
function rejectedAtRecord(err: unknown): PlacedOrder {
  const business = businessFailureOf(err);
  if (business === null) throw err;
  return { accepted: false, failure: business.type, reason: business.message };
}
