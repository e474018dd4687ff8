// The saga's activities, built once per worker from their dependencies:
//   worker.activities = createOrderActivities({ dataSource, redis, payment, carrier, logger })
import type Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { CarrierAdapter, PaymentAdapter } from './adapters/types';
import type { OrderActivities } from './contract';
import { EventPublisher } from './events-publisher';
import { inventoryActivities } from './inventory';
import { invoiceActivities } from './invoice';
import { legacyAdoptionActivities } from './legacy-adoption';
import { openOrderActivities } from './open-order';
import { orderActivities } from './order';
import { orderChangeActivities } from './order-change';
import type { ActivityContext } from './order-events';
import { paymentActivities } from './payment';
import type { ReturnActivities } from './return-contract';
import { returnActivities } from './returns';
import { shipmentActivities } from './shipment';

export interface OrderActivitiesDeps {
  dataSource: DataSource;
  /** Live events and cache invalidation; give it `enableOfflineQueue: false` so an outage fails fast. */
  redis?: Redis | null;
  payment: PaymentAdapter;
  carrier: CarrierAdapter;
  logger?: Logger;
}

/** The order saga's and the return workflow's activities (one worker serves both on `orders`). */
export function createOrderActivities(deps: OrderActivitiesDeps): OrderActivities & ReturnActivities {
  const logger = deps.logger ?? pino({ name: 'order-activities' });
  const ctx: ActivityContext = {
    dataSource: deps.dataSource,
    publisher: new EventPublisher(deps.redis, logger),
    payment: deps.payment,
    carrier: deps.carrier,
    logger,
  };
  const steps = {
    ...orderActivities(ctx),
    ...orderChangeActivities(ctx),
    ...legacyAdoptionActivities(ctx),
    ...inventoryActivities(ctx),
    ...invoiceActivities(ctx),
    ...paymentActivities(ctx),
    ...shipmentActivities(ctx),
    ...returnActivities(ctx),
  };
  return { ...steps, ...openOrderActivities(steps) };
}

export type { OpenedOrder, OrderActivities, PlacedOrder, RecordOrderEventInput, ShipmentRef } from './contract';
export type { ReceivedLine, ReturnActivities } from './return-contract';
export type { CarrierAdapter, CarrierBooking, PaymentAdapter } from './adapters/types';
export { PaymentDeclinedError, ProviderRefusedError, ProviderUnavailableError } from './adapters/types';
export { PaymentSimulator, type PaymentSimulatorOptions } from './adapters/payment-simulator';
export { StripePayments, type StripePaymentsOptions } from './adapters/payment-stripe';
export { createPaymentAdapter } from './adapters/payment-provider';
export { CarrierSimulator, type CarrierSimulatorOptions, SIMULATED_CARRIER, parseCarrierDelay } from './adapters/carrier-simulator';
export { type CarrierDispatchEvent, dispatchDueCarrierEvents, startCarrierDispatcher } from './adapters/carrier-dispatcher';
export { isSimulatorFailing, setSimulatorFailing } from './adapters/sim-switches';
export { LEGACY_PAYMENT_PROVIDER } from './legacy-adoption';
export { type AppendedEvent, orderEventsChannel } from './events-publisher';
