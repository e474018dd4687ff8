// The payment adapter PAYMENT_PROVIDER names, built from the worker's settings.
import type { DataSource } from 'typeorm';
import { STRIPE_TEST_KEY, type WorkerConfig } from '../../runtime/config';
import { PaymentSimulator } from './payment-simulator';
import { StripePayments } from './payment-stripe';
import type { PaymentAdapter } from './types';

type PaymentSettings = Pick<WorkerConfig, 'PAYMENT_PROVIDER' | 'STRIPE_API_KEY' | 'STRIPE_API_BASE' | 'PAYMENT_LATENCY_MS'>;

export function createPaymentAdapter(config: PaymentSettings, dataSource: DataSource): PaymentAdapter {
  if (config.PAYMENT_PROVIDER === 'stripe') {
    // The configuration refuses a missing key in production and without a stripe-mock base.
    return new StripePayments({ apiKey: config.STRIPE_API_KEY ?? STRIPE_TEST_KEY, apiBase: config.STRIPE_API_BASE });
  }
  return new PaymentSimulator({ dataSource, latencyMs: config.PAYMENT_LATENCY_MS });
}
