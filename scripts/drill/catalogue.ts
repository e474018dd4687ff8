// The drill's catalogue: customers of every tier and five products, one of them scarce.
import { randomUUID } from 'node:crypto';
import type { DrillClient } from './http';

export interface Catalogue {
  customers: string[];
  products: { sku: string; onHand: number }[];
}

export async function createCatalogue(client: DrillClient, orderCount: number): Promise<Catalogue> {
  const customers: string[] = [];
  const tiers = ['G', 'S', 'B', null];
  for (let i = 0; i < 12; i++) {
    const r = await client.call('POST', 'POST /v1/customers', '/v1/customers', {
      data: { type: 'customers', attributes: { name: `Drill Customer ${i}`, email: `drill-${i}-${randomUUID()}@example.com`, tier: tiers[i % tiers.length], country: 'US' } },
    });
    if (r.status !== 201) throw new Error(`creating a customer answered ${r.status}: ${JSON.stringify(r.body)}`);
    customers.push(r.body.data.id);
  }
  // Plenty of most things; DRILL-SCARCE runs out, so some orders are rejected for stock and
  // cancellations give units back to later orders.
  const specs = [
    { sku: 'DRILL-A', price: '19.9950', onHand: 5000 },
    { sku: 'DRILL-B', price: '4.2500', onHand: 5000 },
    { sku: 'DRILL-C', price: '129.0000', onHand: 5000 },
    { sku: 'DRILL-D', price: '0.9900', onHand: 5000 },
    { sku: 'DRILL-SCARCE', price: '49.5000', onHand: Math.max(10, Math.round(orderCount / 5)) },
  ];
  const products: Catalogue['products'] = [];
  for (const spec of specs) {
    const r = await client.call('POST', 'POST /v1/products', '/v1/products', {
      data: { type: 'products', attributes: { sku: spec.sku, name: `Drill ${spec.sku}`, unitPriceDecimal: spec.price, onHand: spec.onHand } },
    });
    if (r.status !== 201) throw new Error(`creating product ${spec.sku} answered ${r.status}: ${JSON.stringify(r.body)}`);
    products.push({ sku: spec.sku, onHand: r.body.data.attributes.onHand });
  }
  return { customers, products };
}
