// The legacy order transform and the write plan, as tables: each quarantine reason from the
// legacy row that causes it, and what a clean order becomes. Pure code: no services.
import { priceOrder } from '../../domain/pricing';
import { legacyOrderId } from './legacy-ids';
import { type TargetLineRow, type TargetOrderRow, planOrderWrites } from './order-plan';
import { type LegacyLineRow, type LegacyOrderRow, type OrderProjection, transformOrder } from './order-transform';

const CUSTOMER_ID = '0b7c5d1e-1111-4a2b-8c3d-000000000001';
const MERGED_INTO = '0b7c5d1e-1111-4a2b-8c3d-000000000002';

function legacyOrder(overrides: Partial<LegacyOrderRow> = {}): LegacyOrderRow {
  return {
    order_no: 1001,
    cust_id: 7,
    order_dt: '2024-03-01T10:00:00.000000',
    status_cd: 'D',
    ship_country: 'US',
    ship_addr1: '1 Main St',
    ship_city: 'Austin',
    ship_zip: '78701',
    modified_dt: '2024-03-05T02:00:00.000000',
    customer_known: true,
    cust_name: 'Ada Lovelace',
    tier: 'G',
    target_customer_id: CUSTOMER_ID,
    customer_quarantine: null,
    customer_disposition: null,
    merged_into: null,
    ...overrides,
  };
}

function legacyLine(overrides: Partial<LegacyLineRow> = {}): LegacyLineRow {
  return { order_no: 1001, line_no: 1, prod_code: 'SKU-1', qty: 2, unit_price: '19.9950', disc_pct: '0.00', product_known: true, product_migrated: true, ...overrides };
}

const cleanLines = () => [legacyLine(), legacyLine({ line_no: 2, prod_code: 'SKU-2', qty: 1, unit_price: '5.0000', disc_pct: '10.00' })];

describe('transformOrder: one quarantine reason per legacy defect', () => {
  const orderCases: [reason: string, order: Partial<LegacyOrderRow>, detail: RegExp][] = [
    ['unknown_customer', { customer_known: false, target_customer_id: null }, /^customer 7 does not exist$/],
    ['customer_quarantined', { target_customer_id: null, customer_quarantine: 'invalid_tier', customer_disposition: 'excluded' }, /^customer 7 is quarantined \(invalid_tier\)$/],
    ['customer_quarantined', { tier: 'Z' }, /^customer 7 has tier "Z"$/],
    ['customer_not_migrated', { target_customer_id: null }, /^customer 7 is not in the target$/],
    ['missing_country', { ship_country: '  ' }, /^ship_country is null$/],
    ['invalid_country', { ship_country: 'XX' }, /^ship_country "XX" is not an ISO 3166-1 alpha-2 code$/],
    ['unknown_status', { status_cd: 'Q' }, /^status_cd "Q" is not N, P, S, D or X$/],
  ];
  it.each(orderCases)('%s (%j)', (reason, overrides, detail) => {
    const order = legacyOrder(overrides);
    const { projection, entries } = transformOrder(order, cleanLines());
    expect(projection).toBeNull();
    expect(entries).toEqual([{ table: 'orders', key: '1001', reason, detail: expect.stringMatching(detail), disposition: 'excluded', modifiedDt: order.modified_dt }]);
  });

  it('order_without_lines', () => {
    const { projection, entries } = transformOrder(legacyOrder(), []);
    expect(projection).toBeNull();
    expect(entries.map((e) => [e.table, e.key, e.reason])).toEqual([['orders', '1001', 'order_without_lines']]);
  });

  const lineCases: [reason: string, line: Partial<LegacyLineRow>, detail: string][] = [
    ['unknown_product', { product_known: false, product_migrated: false }, 'product SKU-2 does not exist'],
    ['product_not_migrated', { product_migrated: false }, 'product SKU-2 is not in the target'],
    ['non_positive_quantity', { qty: 0 }, 'quantity 0'],
    ['invalid_price', { unit_price: '-1.0000' }, 'unit_price -1.0000 is negative'],
    ['invalid_discount', { disc_pct: '120.00' }, 'disc_pct 120.00 is outside 0..100'],
  ];
  it.each(lineCases)('%s: the line under its own key, the order as has_quarantined_lines', (reason, overrides, detail) => {
    const [first, second] = cleanLines();
    const { projection, entries } = transformOrder(legacyOrder(), [first, { ...second, ...overrides }]);
    expect(projection).toBeNull();
    expect(entries).toEqual([
      { table: 'order_lines', key: '1001/2', parentKey: '1001', reason, detail, disposition: 'excluded' },
      { table: 'orders', key: '1001', reason: 'has_quarantined_lines', detail: 'line(s) 2 quarantined', disposition: 'excluded', modifiedDt: '2024-03-05T02:00:00.000000' },
    ]);
  });

  it('lists every reason that applies, a line with two defects once in has_quarantined_lines', () => {
    const { entries } = transformOrder(legacyOrder({ ship_country: null, customer_known: false }), [legacyLine({ qty: -1, unit_price: '-2.0000' })]);
    expect(entries.map((e) => `${e.key} ${e.reason}`)).toEqual([
      '1001 unknown_customer',
      '1001 missing_country',
      '1001/1 non_positive_quantity',
      '1001/1 invalid_price',
      '1001 has_quarantined_lines',
    ]);
    expect(entries.at(-1)?.detail).toBe('line(s) 1 quarantined');
  });
});

describe('transformOrder: a clean order', () => {
  it.each([
    ['D', 'DELIVERED', null, null],
    ['X', 'CANCELLED', 'cancelled in the legacy system', null],
    ['P', 'PROCESSING', null, null],
    ['S', 'SHIPPED', null, null],
    ['N', 'NEEDS_ATTENTION', 'legacy order without payment', 'PENDING'],
  ])('legacy %s becomes %s', (statusCd, status, statusReason, parkedFrom) => {
    const { projection, entries } = transformOrder(legacyOrder({ status_cd: statusCd }), cleanLines());
    expect(entries).toEqual([]);
    expect(projection).toMatchObject({ status, statusReason, parkedFrom, legacyStatus: statusCd });
  });

  it('is priced by the domain, keeps the legacy keys and four-decimal prices, and takes a merged customer', () => {
    const { projection } = transformOrder(legacyOrder({ target_customer_id: null, customer_disposition: 'merged', customer_quarantine: 'duplicate_email', merged_into: MERGED_INTO, tier: ' G ' }), cleanLines());
    const priced = priceOrder({ lines: [{ quantity: 2, unitPriceDecimal: '19.9950', discountPct: '0.00' }, { quantity: 1, unitPriceDecimal: '5.0000', discountPct: '10.00' }], tier: 'G', country: 'US' });
    expect(projection).toEqual({
      id: legacyOrderId(1001),
      orderNo: 1001,
      legacyStatus: 'D',
      status: 'DELIVERED',
      statusReason: null,
      parkedFrom: null,
      customerId: MERGED_INTO,
      customerTier: 'G',
      shippingAddress: { name: 'Ada Lovelace', line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' },
      lines: [
        { sku: 'SKU-1', quantity: 2, unitPrice: 2000, unitPriceDecimal: '19.9950', discountPct: '0.00', amount: priced.lineAmounts[0] },
        { sku: 'SKU-2', quantity: 1, unitPrice: 500, unitPriceDecimal: '5.0000', discountPct: '10.00', amount: priced.lineAmounts[1] },
      ],
      totals: priced.totals,
      orderDt: '2024-03-01T10:00:00.000000',
      modifiedDt: '2024-03-05T02:00:00.000000',
    });
  });
});

describe('planOrderWrites', () => {
  const projectionOf = (overrides: Partial<LegacyOrderRow> = {}): OrderProjection => transformOrder(legacyOrder(overrides), cleanLines()).projection!;

  /** The target row and lines the migration wrote for `p` with `eventSeq` events. */
  function written(p: OrderProjection, extra: Partial<TargetOrderRow> = {}): { row: TargetOrderRow; lines: TargetLineRow[] } {
    const t = p.totals;
    return {
      row: {
        id: p.id,
        status: p.status,
        status_reason: p.statusReason,
        parked_from: p.parkedFrom,
        customer_id: p.customerId,
        customer_tier: p.customerTier,
        shipping_address: p.shippingAddress,
        subtotal: String(t.subtotal),
        discount: String(t.discount),
        shipping: String(t.shipping),
        tax: String(t.tax),
        total: String(t.total),
        event_seq: 2,
        adopted: false,
        adoption_modified_dt: null,
        ...extra,
      },
      lines: p.lines.map((l, i) => ({ order_id: p.id, line_no: i + 1, sku: l.sku, quantity: l.quantity, unit_price_decimal: l.unitPriceDecimal, discount_pct: l.discountPct, amount: String(l.amount) })),
    };
  }
  const plan = (projections: OrderProjection[], targets: { row: TargetOrderRow; lines: TargetLineRow[] }[] = []) =>
    planOrderWrites(projections, new Map(targets.map((t) => [t.row.id, t.row])), new Map(targets.map((t) => [t.row.id, t.lines])));

  it('inserts a new order with order.created and the event of its status; P/S/N await adoption', () => {
    const delivered = projectionOf();
    const processing = projectionOf({ order_no: 1002, status_cd: 'P' });
    const result = plan([delivered, processing]);
    expect(result.inserts).toEqual([{ projection: delivered, eventSeq: 2 }, { projection: processing, eventSeq: 1 }]);
    expect(result.events.map((e) => [e.orderId, e.seq, e.type, e.dedupeKey])).toEqual([
      [delivered.id, 1, 'order.created', 'legacy-migration:created'],
      [delivered.id, 2, 'order.delivered', 'legacy-migration:order.delivered:2024-03-05T02:00:00.000000'],
      [processing.id, 1, 'order.created', 'legacy-migration:created'],
    ]);
    expect(result.awaitingAdoption).toEqual([processing]);
    expect(result.notAdopted).toEqual([delivered.id]);
  });

  it('leaves an unchanged order alone and updates a changed one, continuing its event sequence', () => {
    const same = projectionOf();
    const moved = projectionOf({ order_no: 1003, status_cd: 'X', modified_dt: '2024-04-01T02:00:00.000000' });
    const result = plan([same, moved], [written(same), written(moved, { status: 'PROCESSING', status_reason: null })]);
    expect(result.unchanged).toBe(1);
    expect(result.updates).toEqual([{ projection: moved, eventSeq: 4 }]);
    expect(result.events.map((e) => [e.seq, e.type])).toEqual([[3, 'order.updated'], [4, 'order.canceled']]);
  });

  it('changed_after_adoption: an adopted order changed later in the legacy system is quarantined, not written', () => {
    const later = projectionOf({ status_cd: 'D', modified_dt: '2024-05-01T02:00:00.000000' });
    const result = plan([later], [written(later, { status: 'PROCESSING', adopted: true, adoption_modified_dt: '2024-04-01T02:00:00.000000' })]);
    expect(result.inserts).toEqual([]);
    expect(result.updates).toEqual([]);
    expect(result.entries).toEqual([
      {
        table: 'orders',
        key: '1001',
        reason: 'changed_after_adoption',
        detail: 'changed in the legacy system at 2024-05-01T02:00:00.000000, after an order workflow adopted it',
        disposition: 'excluded',
        modifiedDt: '2024-05-01T02:00:00.000000',
      },
    ]);
    const unchanged = plan([projectionOf({ modified_dt: '2024-04-01T02:00:00.000000' })], [written(later, { adopted: true, adoption_modified_dt: '2024-04-01T02:00:00.000000' })]);
    expect(unchanged).toMatchObject({ unchanged: 1, entries: [] });
  });
});
