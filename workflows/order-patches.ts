// The order saga's patches: what changed the commands a history produces, newest first. An order
// decides them once, at its start (OrderSaga.setup), and keeps the rules it was started with. A
// newer patch implies the older ones, so a new order's history has one patch marker (a marker and
// an upsert of TemporalChangeVersion each), not one per patch; orders started before it replay
// with the markers they have (test/histories/before-<patch id>/).
import { patched } from '@temporalio/workflow';

/**
 * A change after payment begins with an ordinary activity (prepareChange), so the workflow task
 * that accepts the update completes, with the update in the history, before the change does
 * anything (workflows/order-change.ts). In the same release: a carrier's report is kept whenever
 * no booking is known yet, not only while booking (order-shipment.ts). Implies 'local-provider-calls'.
 */
const CHANGE_ACCEPTED_FIRST = 'change-accepted-first';
/**
 * Payment and carrier calls but the authorization as local activities (order-activities.ts
 * LOCAL_PROVIDER): once the authorization (an activity) is back, one workflow task books, the
 * carrier's pickup records the shipment and captures in one task, a change's calls run in its own.
 */
const LOCAL_PROVIDER_CALLS = 'local-provider-calls';
/**
 * Record, reserve and invoice in one local activity (openOrder), and the total in the search
 * attributes from the next status on. Implies 'local-db-work' (order-activities.ts).
 */
const OPEN_ORDER_AT_ONCE = 'open-order-at-once';
/** Lines and address change until the goods leave, money by the difference (workflows/order-change.ts). */
const CHANGES_AFTER_PAYMENT = 'changes-after-payment';
/** The goods leaving while a change is under way: the shipment is recorded after it, and it fails if the stock had not moved yet. */
const SHIP_AFTER_CHANGE = 'ship-after-change';

export interface OrderPatches {
  changeAcceptedFirst: boolean;
  localProviderCalls: boolean;
  openAtOnce: boolean;
  changesAfterPayment: boolean;
  /** Came in the release of OPEN_ORDER_AT_ONCE, so implied by it. */
  shipAfterChange: boolean;
}

/** Asks for each patch an older one does not imply, in the order the histories recorded them. */
export function decidePatches(): OrderPatches {
  const changeAcceptedFirst = patched(CHANGE_ACCEPTED_FIRST);
  const localProviderCalls = changeAcceptedFirst || patched(LOCAL_PROVIDER_CALLS);
  const openAtOnce = localProviderCalls || patched(OPEN_ORDER_AT_ONCE);
  const changesAfterPayment = openAtOnce || patched(CHANGES_AFTER_PAYMENT);
  const shipAfterChange = openAtOnce || patched(SHIP_AFTER_CHANGE);
  return { changeAcceptedFirst, localProviderCalls, openAtOnce, changesAfterPayment, shipAfterChange };
}
