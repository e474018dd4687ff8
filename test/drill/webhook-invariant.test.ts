// The drill's webhook invariant on recorded deliveries: what it lets through (repeats of the same
// webhook-id, storefront events) and what it flags (a missing event, first arrivals out of seq
// order, a webhook-id repeated with another event). The short drill (fault-drill.test.ts) runs it
// on a real receiver; this pins its verdicts on the cases a quiet run never shows.
import type { DrillFacts } from '../../scripts/drill/facts';
import { everyEventDelivered } from '../../scripts/drill/invariants';
import type { ReceivedDelivery } from '../../scripts/drill/webhooks';

const got = (orderId: string, seq: number, webhookId = `${orderId}:${seq}`): ReceivedDelivery => ({ webhookId, orderId, seq, type: 'order.created', at: 0 });
const check = (eventIds: string[], deliveries: ReceivedDelivery[]) => everyEventDelivered({ eventIds, deliveries } as unknown as DrillFacts);

describe('everyEventDelivered', () => {
  it('holds when every event arrived in seq order, repeats and storefront events aside', () => {
    const c = check(['a:1', 'a:2', 'b:1'], [got('a', 1), got('b', 1), got('a', 1), got('a', 2), { webhookId: 'ev-1', orderId: null, seq: null, type: 'endpoint.disabled', at: 0 }]);
    expect(c.violations).toBe(0);
    expect(c.detail).toMatch(/^3 events, 3 delivered, 1 repeats/);
  });

  it('names an event that never arrived', () => {
    const c = check(['a:1', 'a:2', 'a:3'], [got('a', 1), got('a', 2)]);
    expect(c.violations).toBe(1);
    expect(c.problems).toEqual(['events never delivered: a:3']);
  });

  it('flags first arrivals out of seq order and a webhook-id repeated with another event', () => {
    const c = check(['a:1', 'a:2', 'b:1'], [got('a', 2), got('a', 1), got('b', 1), got('b', 2, 'b:1')]);
    expect(c.violations).toBe(2);
    expect(c.problems).toEqual(['first arrivals out of seq order: a: seq 1 after 2', 'webhook-id and event disagree: b:1 repeated as b:2']);
  });
});
