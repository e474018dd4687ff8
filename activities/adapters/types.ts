// The provider ports the activities talk to. Every call carries an idempotency key: a provider
// that has seen the key returns its first answer again instead of acting twice.
import type { Cents } from '../../domain/money';
import type { ShippingAddress } from '../../domain/order';

export interface PaymentAdapter {
  readonly provider: string;
  /** Holds `amount` on the card. Throws PaymentDeclinedError for a business refusal. */
  authorize(request: {
    idempotencyKey: string;
    token: string;
    amount: Cents;
    currency: string;
    orderId: string;
  }): Promise<{ authorizationId: string }>;
  /**
   * Raises an uncaptured authorization by `amount` (the difference, not the new total), as card
   * networks allow for some cards. Throws ProviderRefusedError `increment_not_supported` when the
   * card or provider does not offer it (authorize the difference separately then), and
   * PaymentDeclinedError when the issuer declines the increment (the authorization stays as it was).
   */
  incrementAuthorization(request: { idempotencyKey: string; authorizationId: string; amount: Cents }): Promise<{ authorizationId: string; authorizedAmount: Cents }>;
  /**
   * Takes `amount`, at most what the authorization holds (increments included); a partial capture
   * releases the rest, as real providers do. Throws ProviderRefusedError when the authorization was voided.
   */
  capture(request: { idempotencyKey: string; authorizationId: string; amount: Cents }): Promise<{ captureId: string }>;
  /**
   * Pays `amount` back from a captured authorization. Throws ProviderRefusedError `amount_too_large`
   * above captured − refunded so far, `not_captured` before a capture.
   */
  refund(request: { idempotencyKey: string; authorizationId: string; amount: Cents }): Promise<{ refundId: string }>;
  /** Releases an uncaptured authorization. Throws ProviderRefusedError when it was captured. */
  void(request: { idempotencyKey: string; authorizationId: string }): Promise<{ voided: true }>;
  /**
   * The authorization an `authorize` call with this idempotency key created, as the provider
   * holds it now, or null when no such call reached the provider. Undos use it to find what a
   * step did when its answer was never recorded (the worker died in between), so it must see
   * every authorization at once: a provider whose search lags (Stripe's Search API) lists instead,
   * narrowed to objects created from `notBefore` on (Stripe: PaymentIntents carrying the key in
   * their metadata, listed with `created[gte]`).
   */
  findAuthorization(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundAuthorization | null>;
  /** The increment an `incrementAuthorization` call with this key made, or null (as findAuthorization). */
  findIncrement(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundIncrement | null>;
  /** The capture a `capture` call with this key made, or null (as findAuthorization). */
  findCapture(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundCapture | null>;
  /** The refund a `refund` call with this key made, or null (as findAuthorization). */
  findRefund(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundRefund | null>;
}

export interface FoundIncrement {
  authorizationId: string;
  /** The difference the increment added. */
  amount: Cents;
}

export interface FoundCapture {
  authorizationId: string;
  captureId: string;
  amount: Cents;
}

export interface FoundRefund {
  authorizationId: string;
  refundId: string;
  amount: Cents;
}

export interface FoundAuthorization {
  authorizationId: string;
  /** What it holds now, increments included. */
  amount: Cents;
  state: 'authorized' | 'captured' | 'voided';
}

export interface CarrierBooking {
  carrier: string;
  /** The carrier's id for the shipment. */
  carrierShipmentId: string;
  trackingNumber: string;
}

export interface CarrierAdapter {
  readonly carrier: string;
  createShipment(request: { idempotencyKey: string; orderId: string; address: ShippingAddress }): Promise<CarrierBooking>;
  /** Throws ProviderRefusedError once the parcel has left (it cannot be called back). */
  cancelShipment(request: { idempotencyKey: string; carrierShipmentId: string }): Promise<{ canceled: true }>;
  /**
   * The shipment a `createShipment` call with this idempotency key booked, as the carrier holds
   * it now, or null when no such call reached the carrier; like PaymentAdapter.findAuthorization,
   * it must see every booking at once (`notBefore` may narrow a listing by creation time).
   */
  findShipment(request: { idempotencyKey: string; orderId: string; notBefore: Date }): Promise<FoundShipment | null>;
}

export interface FoundShipment extends CarrierBooking {
  status: 'booked' | 'shipped' | 'delivered' | 'canceled';
  /** Where the booking ships to. */
  address: ShippingAddress;
}

/** The card was declined: a business outcome, retrying cannot change it. */
export class PaymentDeclinedError extends Error {
  override readonly name = 'PaymentDeclinedError';
  constructor(
    readonly declineCode: string,
    message = `payment declined (${declineCode})`,
  ) {
    super(message);
  }
}

/** The provider understood the request and refuses it (voided authorization, already shipped...). */
export class ProviderRefusedError extends Error {
  override readonly name = 'ProviderRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Timeout, 5xx, connection refused: worth retrying. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}
