import { addMovement, NO_PAYMENT, type PaymentMovementKind, paymentSummary } from './payment-ledger';

const sum = (...movements: [PaymentMovementKind, number][]) => movements.reduce((t, [kind, amount]) => addMovement(t, { kind, amount }), NO_PAYMENT);

describe('payment summary', () => {
  it('owes the whole total before anything is authorized', () => {
    expect(paymentSummary(5000, NO_PAYMENT)).toEqual({ authorized: 0, captured: 0, refunded: 0, balance: 5000 });
  });

  it('owes nothing once the authorization (and its increment) covers the total', () => {
    expect(paymentSummary(6000, sum(['authorization', 5000], ['increment', 1000]))).toMatchObject({ authorized: 6000, balance: 0 });
  });

  it('shows a negative balance after an edit down: the capture will be smaller than the hold', () => {
    expect(paymentSummary(4000, sum(['authorization', 5000])).balance).toBe(-1000);
  });

  it('counts a void as released and ignores movements that did not succeed', () => {
    const totals = addMovement(sum(['authorization', 5000], ['void', 5000]), { kind: 'increment', amount: 700, status: 'failed' });
    expect(paymentSummary(5000, totals)).toMatchObject({ authorized: 0, balance: 5000 });
  });

  it('once captured: total − (captured − refunded)', () => {
    expect(paymentSummary(4000, sum(['authorization', 5000], ['capture', 4000]))).toMatchObject({ captured: 4000, balance: 0 });
    expect(paymentSummary(4000, sum(['authorization', 5000], ['capture', 4000], ['refund', 1500]))).toMatchObject({ refunded: 1500, balance: 1500 });
  });
});

describe('payment summary after a return', () => {
  it('nets the total of credit notes, so a refunded return is not owed', () => {
    expect(paymentSummary(9338, sum(['authorization', 9338], ['capture', 9338], ['refund', 1889]), 1889).balance).toBe(0);
  });
});
