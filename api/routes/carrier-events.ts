// POST /v1/carrier-events: the carrier's webhook, signed the Standard Webhooks way with
// CARRIER_WEBHOOK_SECRET instead of an OAuth token (api/carrier-signature.ts). The signature is
// checked on the raw body before anything else reads it; a missing or wrong one is 401 naming the
// header.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Shipment } from '../../entities/shipment';
import type { OrderCache } from '../cache';
import { signedByCarrier } from '../carrier-signature';
import type { ApiDeps, AppEnv } from '../deps';
import { errors } from '../errors';
import { errorResponses, JSON_API_HEADERS, jsonApiBody, jsonApiResponse } from '../json-api';
import { ShipmentDocument, SignedCarrierEventRequest } from '../schemas/billing';
import type { OrderWorkflows } from '../temporal-calls';
import { shipmentResource } from './billing';

const SignatureHeaders = z.object({
  'webhook-id': z.string().min(1).max(200).openapi({ description: 'the message id (the same on every retry)' }),
  'webhook-timestamp': z.string().regex(/^[0-9]{1,12}$/, 'must be seconds since 1970').openapi({ description: 'seconds since 1970; at most 5 minutes from now' }),
  'webhook-signature': z.string().min(1).max(2000).openapi({ description: 'v1,<base64 HMAC-SHA256 of id.timestamp.body> (space-separated, one per secret)' }),
});

export function carrierEventRoutes({ deps, workflows, cache }: { deps: ApiDeps; workflows: OrderWorkflows; cache: OrderCache }) {
  const app = new OpenAPIHono<AppEnv>();

  const carrierEvent = createRoute({
    method: 'post',
    path: '/carrier-events',
    tags: ['shipments'],
    summary: "The carrier's signed webhook: a shipment left, arrived, or hit a problem",
    description:
      'Signed like our own webhooks (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) with CARRIER_WEBHOOK_SECRET; no bearer token. ' +
      'A missing or wrong signature, or a timestamp more than 5 minutes away, is 401 naming the header. Signals the order workflow and answers 202 with the shipment.',
    security: [],
    middleware: [signedByCarrier(deps.config.CARRIER_WEBHOOK_SECRET)],
    request: { headers: SignatureHeaders, body: jsonApiBody(SignedCarrierEventRequest, 'the carrier event') },
    responses: { 202: jsonApiResponse(ShipmentDocument, 'accepted'), ...errorResponses(409, 413, 415, 422) },
  });
  app.openapi(carrierEvent, async (c) => {
    const { attributes } = c.req.valid('json').data;
    const [shipment] = await deps.dataSource
      .getRepository(Shipment)
      .createQueryBuilder('s')
      .where('s.tracking_number = :tracking', { tracking: attributes.trackingNumber })
      .orderBy("CASE WHEN s.status = 'CANCELED' THEN 1 ELSE 0 END")
      .addOrderBy('s.created_at', 'DESC')
      .limit(1)
      .getMany();
    if (!shipment) throw errors.unprocessable('unknown_tracking_number', `No shipment has tracking number ${attributes.trackingNumber}.`, '/data/attributes/trackingNumber');
    if (shipment.status === 'CANCELED') throw errors.conflict('shipment_canceled', `Shipment ${shipment.id} was cancelled.`, { pointer: '/data/attributes/trackingNumber' });
    await workflows.carrierEvent(shipment.orderId, {
      kind: attributes.kind,
      trackingNumber: attributes.trackingNumber,
      ...(attributes.at ? { at: attributes.at } : {}),
      ...(attributes.detail ? { detail: attributes.detail } : {}),
    });
    await cache.invalidate(shipment.orderId);
    return c.json({ data: shipmentResource(shipment) }, 202, JSON_API_HEADERS);
  });

  return app;
}
