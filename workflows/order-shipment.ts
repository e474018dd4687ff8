// The parcel: what the carrier (or an operator) reported about the order's shipment. Carrier
// reports are signals and come at any moment: before the booking's result reached the workflow,
// while the order is being cancelled, out of order. This module keeps what matters and lets the
// saga wait for the goods to leave and to arrive. A module of the order workflow rather than a
// child workflow: see docs/decisions.md.
import { condition, log, patched } from '@temporalio/workflow';
import type { ShipmentRef } from '../activities/contract';
import type { OrderStatus } from '../domain';
import type { CarrierEvent } from './order-definitions';
import type { SagaStage } from './order-guards';

/** The carrier reported a problem with the parcel; the message is the parking reason. */
export class CarrierException extends Error {
  override readonly name = 'CarrierException';
}

/** What the parcel needs to know of its order. */
export interface ShipmentHost {
  orderId: string;
  stage(): SagaStage;
  status(): OrderStatus;
  endingAs(): 'CANCELLED' | 'REJECTED' | null;
  /** patched('change-accepted-first'): carrier news is kept whenever no booking is known yet. */
  keepsNewsBeforeBooking(): boolean;
}

export class OrderShipment {
  /** The carrier's booking, once its result reached the workflow. */
  booking: ShipmentRef | null = null;
  /** Set the moment the carrier or an operator reports the goods left: the point of no return. */
  goodsLeft: { trackingNumber: string } | null = null;
  delivered = false;
  /** A "shipped" that came while the order was being cancelled: used if the cancellation turns out impossible. */
  private lateShipmentReport: string | null = null;
  private exception: string | null = null;

  constructor(private readonly host: ShipmentHost) {}

  reportGoodsLeft(trackingNumber: string | undefined, by: string): void {
    this.goodsLeft = { trackingNumber: trackingNumber ?? this.booking?.trackingNumber ?? '' };
    log.info('goods left', { orderId: this.host.orderId, by, trackingNumber: this.goodsLeft.trackingNumber });
  }

  /** The carrier refused to cancel the parcel: it left, whether or not its report has come. */
  leftBeforeCancellation(trackingNumber: string | null): void {
    this.goodsLeft ??= { trackingNumber: this.lateShipmentReport ?? trackingNumber ?? '' };
  }

  /** Resolves once the goods left; a carrier exception before that throws CarrierException. */
  pickedUp(): Promise<void> {
    return this.until(() => this.goodsLeft !== null);
  }

  /** Resolves once the parcel is delivered; a carrier exception before that throws CarrierException. */
  deliveredToCustomer(): Promise<void> {
    return this.until(() => this.delivered);
  }

  private async until(done: () => boolean): Promise<void> {
    await condition(() => done() || this.exception !== null);
    if (done()) return;
    const detail = this.exception;
    this.exception = null;
    throw new CarrierException(`carrier exception: ${detail}`);
  }

  onCarrierEvent(event: CarrierEvent): void {
    const { orderId } = this.host;
    const ignore = (why: string) => log.info('carrier event ignored', { orderId, kind: event.kind, why });
    if (this.host.stage() === 'done') return ignore(`the order is ${this.host.status()}`);
    // A carrier can report on a parcel before the booking's result reaches the workflow (signals
    // are handled first in an activation): keep that news for when the booking completes. Not only
    // while booking: when the task that booked is lost (its worker killed, Temporal restarted), the
    // carrier's reports of that booking come before the authorization's result in the task that
    // runs it all again, and the booking (same key, same parcel) comes after.
    const keep = this.host.keepsNewsBeforeBooking() || (this.host.stage() === 'booking-shipment' && patched('keep-carrier-events-during-booking'));
    if (this.booking === null && !keep && this.goodsLeft === null) return ignore('no shipment is booked');
    const endingAs = this.host.endingAs();
    if (endingAs !== null) {
      // Kept in case the carrier refuses the cancellation because the parcel already left.
      if (event.kind === 'shipped' || event.kind === 'delivered') this.lateShipmentReport ??= event.trackingNumber ?? this.booking?.trackingNumber ?? '';
      if (event.kind === 'delivered') this.delivered = true;
      return ignore(`the order is being ${endingAs === 'CANCELLED' ? 'cancelled' : 'rejected'}`);
    }
    switch (event.kind) {
      case 'shipped':
        if (this.goodsLeft !== null) return ignore('already shipped');
        return this.reportGoodsLeft(event.trackingNumber, 'carrier');
      case 'delivered':
        // Carriers do report out of order: a delivered parcel has certainly left.
        if (this.goodsLeft === null) this.reportGoodsLeft(event.trackingNumber, 'carrier');
        this.delivered = true;
        return;
      case 'exception':
        this.exception = event.detail ?? 'reported by the carrier';
        return;
      default:
        return ignore('unknown kind');
    }
  }
}
