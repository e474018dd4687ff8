import { Client, Connection } from '@temporalio/client';
const API = 'http://127.0.0.1:3000';
async function main() {
  const tok = await (await fetch(`${API}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'dev-client', client_secret: 'dev-secret' }) })).json() as any;
  const H = { Authorization: `Bearer ${tok.access_token}`, Accept: 'application/vnd.api+json', 'Content-Type': 'application/vnd.api+json' };
  const cust = await (await fetch(`${API}/v1/customers`, { method: 'POST', headers: H, body: JSON.stringify({ data: { type: 'customers', attributes: { name: 'X', email: `x-${crypto.randomUUID().slice(0,8)}@example.com`, tier: 'G', country: 'US' } } }) })).json() as any;
  const sku = `ONE-${crypto.randomUUID().slice(0, 8)}`;
  await fetch(`${API}/v1/products`, { method: 'POST', headers: H, body: JSON.stringify({ data: { type: 'products', attributes: { sku, name: 'one', unitPrice: 1999, onHand: 100 } } }) });
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const body = { data: { type: 'orders', attributes: { customerId: cust.data.id, lines: [{ sku, quantity: 1 }], shippingAddress: { name: 'Bench Buyer', line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' }, payment: { token: 'tok_ok' } } } };
    const res = await fetch(`${API}/v1/orders`, { method: 'POST', headers: { ...H, 'Idempotency-Key': crypto.randomUUID() }, body: JSON.stringify(body) });
    const j = await res.json() as any; const t1 = Date.now();
    const id = j.data?.id; let st = j.data?.attributes?.status; let n = 0;
    while (st !== 'PROCESSING' && n < 100) { await new Promise(r => setTimeout(r, 20)); st = ((await (await fetch(`${API}/v1/orders/${id}`, { headers: H })).json()) as any).data.attributes.status; n++; }
    console.log(res.status, 'POST', t1 - t0, 'ms, PROCESSING after', Date.now() - t0, 'ms', st);
    const c = new Client({ connection: await Connection.connect({ address: '127.0.0.1:7233' }) });
    const h = await c.workflow.getHandle(`order-${id}`).fetchHistory();
    const base = Number(h.events![0].eventTime!.seconds) * 1000 + h.events![0].eventTime!.nanos! / 1e6;
    console.log(h.events!.slice(0, 20).map(e => `${e.eventType!.toString().replace('EVENT_TYPE_', '')}@${Math.round(Number(e.eventTime!.seconds) * 1000 + e.eventTime!.nanos! / 1e6 - base)}`).join(' '));
  }
}
main();
