// The first three steps of an order as one activity, so a new order's first workflow task runs
// one local activity (one marker, one round trip through the workflow) instead of three. Each
// step keeps its own transaction and idempotency: a retry after a crash redoes nothing done.
import { ApplicationFailure } from '@temporalio/activity';
import { type BusinessFailureType, isBusinessFailureType } from '../domain/failures';
import type { OrderActivities } from './contract';

type Steps = Pick<OrderActivities, 'placeOrder' | 'reserveInventory' | 'createInvoice'>;

export function openOrderActivities(steps: Steps): Pick<OrderActivities, 'openOrder'> {
  return {
    async openOrder({ order, placedAt }) {
      const placed = await steps.placeOrder({ order, placedAt });
      if (!placed.accepted) return { placed };
      const { orderId } = order;
      try {
        await steps.reserveInventory({ orderId, lines: placed.lines.map(({ sku, quantity }) => ({ sku, quantity })) });
      } catch (err) {
        return { placed, refused: refusalOf('reserveInventory', err) };
      }
      try {
        const { totals } = await steps.createInvoice({ orderId, revision: 1, lines: placed.lines, tier: placed.tier, country: order.shippingAddress.country });
        return { placed, totals };
      } catch (err) {
        return { placed, refused: refusalOf('createInvoice', err) };
      }
    },
  };
}

/** A step's business failure (out of stock ...) is the order's refusal; anything else is thrown on. */
function refusalOf<Step extends string>(step: Step, err: unknown): { step: Step; failure: BusinessFailureType; reason: string } {
  if (err instanceof ApplicationFailure && isBusinessFailureType(err.type)) return { step, failure: err.type, reason: err.message };
  throw err;
}
