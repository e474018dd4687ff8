// The payment adapter on Stripe (PAYMENT_PROVIDER=stripe): one PaymentIntent per authorization,
// confirmed at once with manual capture and incremental authorization requested where the card
// offers it; partial capture releases the rest; refunds against the PaymentIntent. Every call
// sends the step's idempotency key as Stripe's Idempotency-Key, so a retried step gets Stripe's
// first answer again (within Stripe's 24 h key window; see docs/decisions.md). The keys are also
// written into the objects' metadata: the find* lookups list recent objects and match them there,
// because Stripe's Search API lags and a lookup must see what a dead worker just created.
// Tokens are PaymentMethod ids (`pm_...`), created by Stripe.js / the mobile SDKs in the browser.
import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import type { Cents } from '../../domain/money';
import { type StripeOperation, fromStripeError } from './stripe-errors';
import {
  type FoundAuthorization,
  type FoundCapture,
  type FoundIncrement,
  type FoundRefund,
  type PaymentAdapter,
  PaymentDeclinedError,
  ProviderRefusedError,
} from './types';

export interface StripePaymentsOptions {
  apiKey: string;
  /** Another API base than https://api.stripe.com, such as stripe-mock's http://127.0.0.1:12111. */
  apiBase?: string;
  /** Per request; a slower answer is a transient failure the step retries with the same key. */
  timeoutMs?: number;
}

/** Metadata keys (Stripe: at most 40 characters, 50 keys per object). */
const META = { order: 'ordersaga_order_id', authorize: 'ordersaga_authorize_key', capture: 'ordersaga_capture_key', refund: 'ordersaga_refund_key' };

/** The metadata key that marks one increment on its PaymentIntent (the value is the difference). */
export function incrementMarker(idempotencyKey: string): string {
  return `ordersaga_inc_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}

const PAYMENT_METHOD_ID = /^pm_[A-Za-z0-9_]+$/;

/** The PaymentIntent statuses that held money, as authorization states. */
const AUTHORIZATION_STATES: Partial<Record<Stripe.PaymentIntent.Status, FoundAuthorization['state']>> = {
  requires_capture: 'authorized',
  succeeded: 'captured',
  canceled: 'voided',
};

export class StripePayments implements PaymentAdapter {
  readonly provider = 'stripe';
  /** The SDK client, for tests that watch the requests it sends (`stripe.on('response', ...)`). */
  readonly stripe: Stripe;

  constructor(options: StripePaymentsOptions) {
    const base = options.apiBase ? new URL(options.apiBase) : undefined;
    this.stripe = new Stripe(options.apiKey, {
      // The step's own retries (same idempotency key) are the retries; the SDK's would hide outages.
      maxNetworkRetries: 0,
      timeout: options.timeoutMs ?? 20_000,
      appInfo: { name: 'ordersaga' },
      ...(base ? { host: base.hostname, port: base.port || (base.protocol === 'http:' ? 80 : 443), protocol: base.protocol === 'http:' ? 'http' : 'https' } : {}),
    });
  }

  async authorize(request: { idempotencyKey: string; token: string; amount: Cents; currency: string; orderId: string }) {
    if (!PAYMENT_METHOD_ID.test(request.token)) {
      throw new PaymentDeclinedError('invalid_token', 'with Stripe the payment token must be a PaymentMethod id (pm_...)');
    }
    const intent = await this.call('authorize', () =>
      this.stripe.paymentIntents.create(
        {
          amount: request.amount,
          currency: request.currency.toLowerCase(),
          payment_method: request.token,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          capture_method: 'manual',
          confirm: true,
          payment_method_options: { card: { request_incremental_authorization: 'if_available' } },
          metadata: { [META.order]: request.orderId, [META.authorize]: request.idempotencyKey },
        },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    if (intent.status === 'requires_capture') return { authorizationId: intent.id };
    // 3-D Secure and other customer actions happen in the browser before the order is placed; an
    // intent that still needs one holds nothing. It is left as it is (not cancelled), so that a
    // cancelled intent of ours always means a hold that was voided (findAuthorization).
    throw new PaymentDeclinedError(intent.status === 'requires_action' ? 'authentication_required' : `payment_intent_${intent.status}`);
  }

  async incrementAuthorization(request: { idempotencyKey: string; authorizationId: string; amount: Cents }) {
    const marker = incrementMarker(request.idempotencyKey);
    const intent = await this.retrieve(request.authorizationId);
    // Done before (the answer was lost): Stripe would refuse the key with another total now.
    if (intent.metadata[marker] !== undefined) return { authorizationId: request.authorizationId, authorizedAmount: intent.amount };
    if (intent.status !== 'requires_capture') throw new ProviderRefusedError('authorization_not_open', `the PaymentIntent is ${intent.status}`);
    if (!incrementAvailable(intent)) throw new ProviderRefusedError('increment_not_supported', 'the card does not offer incremental authorization');
    try {
      const raised = await this.call('increment', () =>
        this.stripe.paymentIntents.incrementAuthorization(
          intent.id,
          { amount: intent.amount + request.amount, metadata: { [marker]: String(request.amount) } },
          { idempotencyKey: request.idempotencyKey },
        ),
      );
      return { authorizationId: request.authorizationId, authorizedAmount: raised.amount };
    } catch (err) {
      // A concurrent attempt with this key raised it in between (so this total differs): its answer stands.
      if (!(err instanceof ProviderRefusedError && err.code === 'idempotency_key_reused')) throw err;
      const now = await this.retrieve(request.authorizationId);
      if (now.metadata[marker] === undefined) throw err;
      return { authorizationId: request.authorizationId, authorizedAmount: now.amount };
    }
  }

  async capture(request: { idempotencyKey: string; authorizationId: string; amount: Cents }) {
    const captured = await this.call('capture', () =>
      this.stripe.paymentIntents.capture(
        request.authorizationId,
        { amount_to_capture: request.amount, metadata: { [META.capture]: request.idempotencyKey } },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    return { captureId: chargeIdOf(captured) };
  }

  async refund(request: { idempotencyKey: string; authorizationId: string; amount: Cents }) {
    try {
      const refund = await this.call('refund', () =>
        this.stripe.refunds.create(
          { payment_intent: request.authorizationId, amount: request.amount, metadata: { [META.refund]: request.idempotencyKey } },
          { idempotencyKey: request.idempotencyKey },
        ),
      );
      return { refundId: refund.id };
    } catch (err) {
      if (!(err instanceof ProviderRefusedError)) throw err;
      // Stripe's codes for these vary by payment method; the PaymentIntent says which it was.
      const intent = await this.retrieve(request.authorizationId);
      if (intent.status !== 'succeeded') throw new ProviderRefusedError('not_captured', `the PaymentIntent is ${intent.status}: nothing was captured to refund`);
      const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
      const refundable = intent.amount_received - (charge?.amount_refunded ?? 0);
      if (request.amount > refundable) throw new ProviderRefusedError('amount_too_large', `cannot refund ${request.amount}, ${refundable} left to refund`);
      throw err;
    }
  }

  async void(request: { idempotencyKey: string; authorizationId: string }) {
    await this.call('void', () =>
      this.stripe.paymentIntents.cancel(request.authorizationId, { cancellation_reason: 'abandoned' }, { idempotencyKey: request.idempotencyKey }),
    );
    return { voided: true as const };
  }

  async findAuthorization(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundAuthorization | null> {
    const intent = await this.findIntent(request, (pi) => pi.metadata[META.authorize] === request.idempotencyKey);
    const state = intent ? AUTHORIZATION_STATES[intent.status] : undefined;
    // A declined card or an unfinished 3-D Secure leaves an intent that never held anything.
    if (!intent || !state) return null;
    return { authorizationId: intent.id, amount: state === 'captured' ? intent.amount_received : intent.amount, state };
  }

  async findIncrement(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundIncrement | null> {
    const marker = incrementMarker(request.idempotencyKey);
    const intent = await this.findIntent(request, (pi) => pi.metadata[marker] !== undefined);
    return intent ? { authorizationId: intent.id, amount: Number(intent.metadata[marker]) } : null;
  }

  async findCapture(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundCapture | null> {
    const intent = await this.findIntent(request, (pi) => pi.metadata[META.capture] === request.idempotencyKey && pi.status === 'succeeded');
    return intent ? { authorizationId: intent.id, captureId: chargeIdOf(intent), amount: intent.amount_received } : null;
  }

  async findRefund(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundRefund | null> {
    return this.call('refund', async () => {
      for await (const refund of this.stripe.refunds.list({ created: { gte: epochSeconds(request.notBefore) }, limit: 100 })) {
        if (refund.metadata?.[META.refund] !== request.idempotencyKey || refund.status === 'failed' || refund.status === 'canceled') continue;
        const intent = typeof refund.payment_intent === 'string' ? refund.payment_intent : refund.payment_intent?.id;
        if (intent) return { authorizationId: intent, refundId: refund.id, amount: refund.amount };
      }
      return null;
    });
  }

  /** The order's PaymentIntent created from `notBefore` on that `matches`, listed (never searched). */
  private findIntent(request: { orderId: string; notBefore: Date }, matches: (pi: Stripe.PaymentIntent) => boolean) {
    return this.call('authorize', async () => {
      for await (const pi of this.stripe.paymentIntents.list({ created: { gte: epochSeconds(request.notBefore) }, limit: 100 })) {
        if (pi.metadata[META.order] === request.orderId && matches(pi)) return pi;
      }
      return null;
    });
  }

  private retrieve(id: string): Promise<Stripe.PaymentIntent> {
    return this.call('authorize', () => this.stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] }));
  }

  private async call<T>(operation: StripeOperation, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw fromStripeError(operation, err);
    }
  }
}

/** Whether the card of the intent's charge lets its authorization grow (Stripe decides per card). */
function incrementAvailable(intent: Stripe.PaymentIntent): boolean {
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  return charge?.payment_method_details?.card?.incremental_authorization?.status === 'available';
}

/** The Charge a captured PaymentIntent settled through: the capture's id. */
function chargeIdOf(intent: Stripe.PaymentIntent): string {
  const charge = intent.latest_charge;
  const id = typeof charge === 'string' ? charge : charge?.id;
  if (!id) throw new Error(`stripe: PaymentIntent ${intent.id} has no charge after capture`);
  return id;
}

/** Our clock and Stripe's may disagree by this much; listing a little earlier costs a few objects. */
const CLOCK_SKEW_SECONDS = 300;

/** Stripe's `created` filter (whole seconds), early enough never to miss an object. */
function epochSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000) - CLOCK_SKEW_SECONDS;
}
