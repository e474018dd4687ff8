// The update validators' rules as tables: for each kind of request, an order in some state, the
// request, and the answer (accepted, or the failure type and message the API maps to a status).
import { ApplicationFailure } from '@temporalio/workflow';
import type { OrderLine, ShippingAddress } from '../domain';
import type { OrderChange, OrderState } from './order-definitions';
import { CANCEL_GUARDS, CHANGE_GUARDS, type Guard, type OrderView, STATUS_GUARDS, type StatusRequest, check } from './order-guards';

const ADDRESS: ShippingAddress = { name: 'Ada', line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' };
const LINE: OrderLine = { sku: 'SKU-1', quantity: 2, unitPrice: 1000, unitPriceDecimal: '10.0000', discountPct: '0.00', amount: 2000 };

/** An order waiting for its payment authorization, changed by `view` and `state`. */
function order(view: Partial<Omit<OrderView, 'state'>> = {}, state: Partial<OrderState> = {}): OrderView {
  return {
    stage: 'authorizing',
    endingAs: null,
    authorizing: false,
    paymentAuthorized: false,
    shipmentBooked: false,
    goodsLeft: false,
    changesAfterPayment: false,
    ...view,
    state: {
      orderId: 'o-1',
      customerId: 'c-1',
      status: 'PENDING',
      statusReason: null,
      parkedFrom: null,
      lines: [LINE],
      totals: { subtotal: 2000, discount: 0, shipping: 750, tax: 0, total: 2750 },
      shippingAddress: ADDRESS,
      invoiceRevision: 1,
      trackingNumber: null,
      waitingFor: 'authorizing the payment',
      ...state,
    },
  };
}

const processing = (view: Partial<Omit<OrderView, 'state'>> = {}, state: Partial<OrderState> = {}) =>
  order({ stage: 'awaiting-shipment', paymentAuthorized: true, shipmentBooked: true, ...view }, { status: 'PROCESSING', ...state });
const parked = (parkedFrom: OrderState['status'], view: Partial<Omit<OrderView, 'state'>> = {}) =>
  order(view, { status: 'NEEDS_ATTENTION', parkedFrom, statusReason: 'payment authorization failed: provider down' });

type Outcome = 'accepted' | { type: string; message: RegExp };

function expectOutcome<Request>(guards: readonly Guard<Request>[], view: OrderView, request: Request, expected: Outcome): void {
  let failure: unknown = null;
  try {
    check(guards, view, request);
  } catch (err) {
    failure = err;
  }
  if (expected === 'accepted') return expect(failure).toBeNull();
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: expected.type, nonRetryable: true, message: expect.stringMatching(expected.message) });
}

const refused = (type: string, message: RegExp): Outcome => ({ type, message });

describe('changes of lines and address (CHANGE_GUARDS)', () => {
  const other = { ...ADDRESS, line1: '2 Main St' };
  const abroad = { ...ADDRESS, country: 'CA' };
  const table: [string, OrderView, OrderChange, Outcome][] = [
    ['an empty change', order(), {}, refused('InvalidChange', /nothing to change/)],
    ['no lines at all', order(), { lines: [] }, refused('InvalidChange', /at least one line/)],
    ['a quantity of 0', order(), { lines: [{ sku: 'SKU-1', quantity: 0 }] }, refused('InvalidChange', /quantity must be a whole number/)],
    ['an address without a city', order(), { shippingAddress: { ...ADDRESS, city: '' } }, refused('InvalidChange', /city is required/)],
    ['malformed input before the order is recorded', order({ stage: 'placing' }), {}, refused('InvalidChange', /nothing to change/)],
    ['a change while the order is being recorded', order({ stage: 'placing' }), { lines: [{ sku: 'SKU-1', quantity: 3 }] }, refused('ChangeNotAllowed', /still being recorded/)],
    ['a SKU not on the order', order(), { lines: [{ sku: 'SKU-2', quantity: 1 }] }, refused('ChangeNotAllowed', /\/lines\/0\/sku: sku SKU-2 is not on this order/)],
    ['a change of a cancelled order', order({}, { status: 'CANCELLED' }), { lines: [{ sku: 'SKU-1', quantity: 3 }] }, refused('ChangeNotAllowed', /the order is CANCELLED/)],
    ['a change while a cancel is under way', order({ endingAs: 'CANCELLED' }), { shippingAddress: other }, refused('ChangeNotAllowed', /being cancelled/)],
    ['a change while the order is being rejected', order({ endingAs: 'REJECTED' }), { shippingAddress: other }, refused('ChangeNotAllowed', /being rejected/)],
    ['new quantities before authorization', order({ stage: 'invoicing' }), { lines: [{ sku: 'SKU-1', quantity: 3 }] }, 'accepted'],
    ['new quantities while the authorization runs', order({ authorizing: true }), { lines: [{ sku: 'SKU-1', quantity: 3 }] }, refused('ChangeNotAllowed', /payment is being authorized/)],
    ['new quantities while parked before authorization', parked('PENDING'), { lines: [{ sku: 'SKU-1', quantity: 3 }] }, 'accepted'],
    ['new quantities once authorized', processing(), { lines: [{ sku: 'SKU-1', quantity: 3 }] }, refused('ChangeNotAllowed', /only until the payment is authorized/)],
    ['new quantities while parked after authorization', parked('PROCESSING', { stage: 'booking-shipment', paymentAuthorized: true }), { lines: [{ sku: 'SKU-1', quantity: 1 }] }, refused('ChangeNotAllowed', /only until the payment is authorized/)],
    ['another country before authorization', order({ stage: 'reserving' }), { shippingAddress: abroad }, 'accepted'],
    ['another country while the authorization runs', order({ authorizing: true }), { shippingAddress: abroad }, refused('ChangeNotAllowed', /only within the same country/)],
    ['the same country while the authorization runs', order({ authorizing: true }), { shippingAddress: other }, 'accepted'],
    ['another country once authorized, before booking', processing({ stage: 'authorizing', shipmentBooked: false }), { shippingAddress: abroad }, refused('ChangeNotAllowed', /only within the same country/)],
    ['the same country once authorized, before booking', processing({ stage: 'authorizing', shipmentBooked: false }), { shippingAddress: other }, 'accepted'],
    ['an address while the shipment is being booked', processing({ stage: 'booking-shipment', shipmentBooked: false }), { shippingAddress: other }, refused('ChangeNotAllowed', /shipment is booked/)],
    ['an address once the shipment is booked', processing(), { shippingAddress: other }, refused('ChangeNotAllowed', /shipment is booked/)],
    ['lines and an address together, before authorization', order(), { lines: [{ sku: 'SKU-1', quantity: 1 }], shippingAddress: abroad }, 'accepted'],
  ];

  it.each(table)('%s', (_case, view, change, expected) => expectOutcome(CHANGE_GUARDS, view, change, expected));
});

describe("changes after payment (CHANGE_GUARDS, patched 'changes-after-payment')", () => {
  const other = { ...ADDRESS, line1: '2 Main St' };
  const abroad = { ...ADDRESS, country: 'CA' };
  const after = (view: Partial<Omit<OrderView, 'state'>> = {}, state: Partial<OrderState> = {}) => processing({ changesAfterPayment: true, ...view }, state);
  const table: [string, OrderView, OrderChange, Outcome][] = [
    ['new quantities once authorized', after(), { lines: [{ sku: 'SKU-1', quantity: 3 }] }, 'accepted'],
    ['a SKU not on the order (priced from the catalogue)', after(), { lines: [LINE, { sku: 'SKU-2', quantity: 1 }] }, 'accepted'],
    ['an address once the shipment is booked', after(), { shippingAddress: other }, 'accepted'],
    ['another country once authorized', after(), { shippingAddress: abroad }, 'accepted'],
    ['new quantities while parked after authorization', parked('PROCESSING', { stage: 'booking-shipment', paymentAuthorized: true, changesAfterPayment: true }), { lines: [{ sku: 'SKU-1', quantity: 1 }] }, 'accepted'],
    ['anything once the goods left', after({ goodsLeft: true }), { lines: [{ sku: 'SKU-1', quantity: 1 }] }, refused('ChangeNotAllowed', /goods have left/)],
    ['anything while capturing', after({ stage: 'capturing' }), { shippingAddress: other }, refused('ChangeNotAllowed', /goods have left/)],
    ['a SHIPPED order', after({}, { status: 'SHIPPED' }), { shippingAddress: other }, refused('ChangeNotAllowed', /goods have left|SHIPPED/)],
    ['new quantities while the authorization runs', order({ authorizing: true, changesAfterPayment: true }), { lines: [{ sku: 'SKU-1', quantity: 3 }] }, refused('ChangeNotAllowed', /being authorized/)],
    ['an address while the shipment is being booked', after({ stage: 'booking-shipment', shipmentBooked: false }), { shippingAddress: other }, refused('ChangeNotAllowed', /being booked/)],
    ['a negative version', after(), { shippingAddress: other, expectedVersion: -1 }, refused('InvalidChange', /expectedVersion/)],
  ];

  it.each(table)('%s', (_case, view, change, expected) => expectOutcome(CHANGE_GUARDS, view, change, expected));
});

describe('cancel (CANCEL_GUARDS)', () => {
  const table: [string, OrderView, Outcome][] = [
    ['a PENDING order', order(), 'accepted'],
    ['a PROCESSING order awaiting pickup', processing(), 'accepted'],
    ['an order parked before shipping', parked('PROCESSING'), 'accepted'],
    ['again, while the first cancel unwinds', order({ endingAs: 'CANCELLED', stage: 'unwinding' }), 'accepted'],
    ['again, once CANCELLED', order({ stage: 'done' }, { status: 'CANCELLED' }), 'accepted'],
    ['an order being rejected', order({ endingAs: 'REJECTED', stage: 'unwinding' }), refused('IllegalTransition', /being rejected/)],
    ['an order whose goods left', processing({ goodsLeft: true }), refused('IllegalTransition', /goods have left/)],
    ['an order parked after shipping', parked('SHIPPED', { goodsLeft: true }), refused('IllegalTransition', /goods have left/)],
    ['a DELIVERED order', order({ stage: 'done', goodsLeft: true }, { status: 'DELIVERED' }), refused('IllegalTransition', /goods have left/)],
    ['a REJECTED order', order({ stage: 'done' }, { status: 'REJECTED' }), refused('IllegalTransition', /REJECTED -> CANCELLED: not an allowed move/)],
  ];

  it.each(table)('%s', (_case, view, expected) => expectOutcome(CANCEL_GUARDS, view, undefined, expected));
});

describe('moving the status (STATUS_GUARDS)', () => {
  const table: [string, OrderView, StatusRequest, Outcome][] = [
    ['an unknown status', processing(), { status: 'LOST' as never }, refused('InvalidChange', /unknown status "LOST"/)],
    ['PROCESSING, which the saga sets', order(), { status: 'PROCESSING' }, refused('IllegalTransition', /set by the order saga/)],
    ['NEEDS_ATTENTION, which the saga sets', processing(), { status: 'NEEDS_ATTENTION' }, refused('IllegalTransition', /set by the order saga/)],
    ['CANCELLED: a cancel', processing(), { status: 'CANCELLED' }, 'accepted'],
    ['CANCELLED once the goods left', processing({ goodsLeft: true }), { status: 'CANCELLED' }, refused('IllegalTransition', /goods have left/)],
    ['SHIPPED once booked', processing(), { status: 'SHIPPED', trackingNumber: '1Z999' }, 'accepted'],
    ['SHIPPED before the booking', processing({ shipmentBooked: false, stage: 'booking-shipment' }), { status: 'SHIPPED' }, refused('IllegalTransition', /not booked yet/)],
    ['SHIPPED with an empty tracking number', processing(), { status: 'SHIPPED', trackingNumber: ' ' }, refused('InvalidChange', /trackingNumber must be 1 to 100 characters/)],
    ['SHIPPED of a PENDING order', order(), { status: 'SHIPPED' }, refused('IllegalTransition', /PENDING -> SHIPPED: not an allowed move/)],
    ['SHIPPED again once the goods left', processing({ goodsLeft: true }, { status: 'SHIPPED' }), { status: 'SHIPPED', trackingNumber: '' }, 'accepted'],
    ['SHIPPED of a DELIVERED order', order({ stage: 'done', goodsLeft: true }, { status: 'DELIVERED' }), { status: 'SHIPPED' }, refused('ChangeNotAllowed', /the order is DELIVERED/)],
    ['DELIVERED of an order awaiting pickup', processing(), { status: 'DELIVERED' }, refused('IllegalTransition', /PROCESSING -> DELIVERED: not an allowed move/)],
    ['DELIVERED of a SHIPPED order', processing({ goodsLeft: true, stage: 'awaiting-delivery' }, { status: 'SHIPPED' }), { status: 'DELIVERED' }, 'accepted'],
    ['DELIVERED again', order({ stage: 'done', goodsLeft: true }, { status: 'DELIVERED' }), { status: 'DELIVERED' }, 'accepted'],
    ['DELIVERED while the order is being recorded', order({ stage: 'placing' }), { status: 'DELIVERED' }, refused('ChangeNotAllowed', /still being recorded/)],
    ['DELIVERED of a parked SHIPPED order', parked('SHIPPED', { goodsLeft: true }), { status: 'DELIVERED' }, refused('IllegalTransition', /NEEDS_ATTENTION -> DELIVERED: not an allowed move/)],
    ['SHIPPED of an order parked before shipping', parked('PROCESSING', { shipmentBooked: true }), { status: 'SHIPPED' }, refused('IllegalTransition', /resumes only where it was parked \(PROCESSING\)/)],
    ['SHIPPED while a cancel is under way', processing({ endingAs: 'CANCELLED' }), { status: 'SHIPPED' }, refused('ChangeNotAllowed', /being cancelled/)],
  ];

  it.each(table)('%s', (_case, view, request, expected) => expectOutcome(STATUS_GUARDS, view, request, expected));
});
