// A deterministic generator of legacy data: the same options give byte-identical rows. About
// `dirtyRate` of the orders come with a defect the migration must quarantine (spread evenly over
// the dirty kinds, one defect per row, recorded in the manifest), and clean rows include the
// awkward cases pricing and migration get wrong most easily.
import { type GeneratedCustomers, generateCustomers } from './generate-customers';
import { type DraftLine, linesWithSubtotal, ordinaryLines, subtotalLeaving } from './generate-lines';
import { type PlannedOrders, planOrders } from './generate-orders';
import { generateProducts } from './generate-products';
import { Prng } from './prng';
import {
  AWKWARD_KINDS,
  type AwkwardKind,
  DIRTY_KINDS,
  type DirtyKind,
  type DirtyRow,
  type LegacyCustomer,
  type LegacyData,
  type LegacyOrder,
  type LegacyOrderLine,
} from './rows';

export interface GenerateLegacyOptions {
  /** Number of orders (order headers; orphan lines come on top). */
  orders: number;
  /** Any safe integer; default 1. */
  seed?: number;
  /** Share of orders carrying a defect; default 0.02. 0 gives clean data. */
  dirtyRate?: number;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_DIRTY_RATE = 0.02;
/** Orders built to land on (two thirds) or one cent below (one third) the free-shipping threshold. */
const THRESHOLD_ORDER_RATE = 0.004;
const TIER_PCT = { G: 10, S: 5, B: 0 } as const;

type OrderDefect = 'unknown_product' | 'non_positive_quantity' | 'unknown_customer' | 'missing_country' | 'order_without_lines';
const ORDER_DEFECTS: readonly OrderDefect[] = ['unknown_product', 'non_positive_quantity', 'unknown_customer', 'missing_country', 'order_without_lines'];

/** How many rows of each dirty kind: `dirtyRate` of the orders, spread evenly, at least one of each. */
function dirtyCounts(orders: number, dirtyRate: number): Record<DirtyKind, number> {
  const total = Math.round(orders * dirtyRate);
  const counts = {} as Record<DirtyKind, number>;
  DIRTY_KINDS.forEach((kind, i) => {
    const share = Math.floor(total / DIRTY_KINDS.length) + (i < total % DIRTY_KINDS.length ? 1 : 0);
    counts[kind] = dirtyRate > 0 ? Math.max(1, share) : 0;
  });
  return counts;
}

/** 'anna.schmidt@example.com' -> 'Anna.Schmidt@example.com': the same mailbox to most mail servers. */
function caseVariant(email: string): string {
  const [local, domain] = email.split('@');
  const variant = `${local.replace(/(^|[._])([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase())}@${domain}`;
  return variant === email ? email.toUpperCase() : variant;
}

/** Marks deleted customers (each with orders) and duplicate accounts; returns their dirty rows. */
function flagCustomers(rng: Prng, generated: GeneratedCustomers, customerIndex: readonly number[], counts: Record<DirtyKind, number>): DirtyRow[] {
  const { customers } = generated;
  const orderCount = new Array<number>(customers.length).fill(0);
  for (const c of customerIndex) orderCount[c]++;
  const dirty: DirtyRow[] = [];

  const withOrders = customers.map((_, i) => i).filter((i) => orderCount[i] > 0);
  const deleted = new Set(rng.sample(withOrders.length, Math.min(counts.deleted_customer, withOrders.length)).map((k) => withOrders[k]));
  for (const i of deleted) {
    customers[i].is_deleted = true;
    dirty.push({ kind: 'deleted_customer', table: 'customers', custId: customers[i].cust_id, detail: `deleted customer with ${orderCount[i]} order(s)` });
  }

  // A duplicate is a second account of the same person: same name, country and mailbox, the
  // e-mail typed with other capitals. The later (higher) cust_id is the duplicate.
  const withEmail = customers.map((_, i) => i).filter((i) => !deleted.has(i) && customers[i].email !== null);
  const pairs = Math.min(counts.duplicate_email, Math.floor(withEmail.length / 2));
  const chosen = rng.sample(withEmail.length, pairs * 2).map((k) => withEmail[k]);
  for (let p = 0; p < pairs; p++) {
    const [original, duplicate] = [chosen[2 * p], chosen[2 * p + 1]].sort((a, b) => a - b).map((i) => customers[i]);
    duplicate.email = caseVariant(original.email as string);
    duplicate.cust_name = original.cust_name;
    duplicate.country = original.country;
    dirty.push({
      kind: 'duplicate_email',
      table: 'customers',
      custId: duplicate.cust_id,
      duplicateOfCustId: original.cust_id,
      detail: `e-mail ${duplicate.email} is customer ${original.cust_id}'s ignoring case`,
    });
  }
  return dirty;
}

/**
 * Which orders get a defect and which are built onto the free-shipping threshold: distinct orders
 * of customers that are not flagged themselves, so every dirty row has exactly one defect.
 */
function chooseOrderRoles(
  rng: Prng,
  customers: readonly LegacyCustomer[],
  planned: PlannedOrders,
  customerDirt: readonly DirtyRow[],
  counts: Record<DirtyKind, number>,
  orderCount: number,
): { defectOf: Map<number, OrderDefect>; thresholdTarget: Map<number, number> } {
  const flagged = new Set(customerDirt.flatMap((d) => (d.table === 'customers' ? [d.custId] : [])));
  const eligible = planned.orders.map((_, i) => i).filter((i) => !flagged.has(planned.orders[i].cust_id));
  const shuffled = rng.sample(eligible.length, eligible.length).map((k) => eligible[k]);
  const defectSlots = ORDER_DEFECTS.flatMap((kind) => new Array<OrderDefect>(counts[kind]).fill(kind));
  const defectOf = new Map<number, OrderDefect>();
  defectSlots.slice(0, shuffled.length).forEach((kind, k) => defectOf.set(shuffled[k], kind));

  // Spread evenly over the tiers (each discount lands on 100.00 differently), two on the
  // threshold for every one a cent below it.
  const thresholdCount = Math.max(8, Math.round(orderCount * THRESHOLD_ORDER_RATE));
  const perTier = Math.ceil(thresholdCount / 4);
  const takenByTier = new Map<string, number>();
  const thresholdTarget = new Map<number, number>();
  for (const orderIndex of shuffled.slice(defectSlots.length)) {
    if (thresholdTarget.size === thresholdCount) break;
    const tier = String(customers[planned.customerIndex[orderIndex]].tier);
    const taken = takenByTier.get(tier) ?? 0;
    if (taken === perTier) continue;
    takenByTier.set(tier, taken + 1);
    thresholdTarget.set(orderIndex, taken % 3 === 2 ? 9999 : 10000);
  }
  return { defectOf, thresholdTarget };
}

/** Gives an order (and its draft lines) its defect; returns the dirty row to record. */
function applyDefect(rng: Prng, defect: OrderDefect, order: LegacyOrder, lines: DraftLine[], purged: { customers: number[]; products: string[] }): { lines: DraftLine[]; dirty: DirtyRow } {
  const orderNo = order.order_no;
  switch (defect) {
    case 'unknown_product': {
      const j = rng.int(0, lines.length - 1);
      lines[j].prod_code = rng.pick(purged.products);
      return { lines, dirty: { kind: defect, table: 'order_lines', orderNo, lineNo: j + 1, detail: `product ${lines[j].prod_code} does not exist` } };
    }
    case 'non_positive_quantity': {
      const j = rng.int(0, lines.length - 1);
      lines[j].qty = rng.pick([0, 0, -1, -1, -2, -5]);
      return { lines, dirty: { kind: defect, table: 'order_lines', orderNo, lineNo: j + 1, detail: `quantity ${lines[j].qty}` } };
    }
    case 'unknown_customer':
      order.cust_id = rng.pick(purged.customers);
      return { lines, dirty: { kind: defect, table: 'orders', orderNo, detail: `customer ${order.cust_id} does not exist` } };
    case 'missing_country':
      order.ship_country = null;
      // Half of them lost the whole address, half only the country.
      if (rng.chance(0.5)) Object.assign(order, { ship_addr1: null, ship_city: null, ship_zip: null });
      return { lines, dirty: { kind: defect, table: 'orders', orderNo, detail: 'ship_country is null' } };
    case 'order_without_lines':
      return { lines: [], dirty: { kind: defect, table: 'orders', orderNo, detail: 'order has no lines' } };
  }
}

function numbered(orderNo: number, lines: DraftLine[]): LegacyOrderLine[] {
  return lines.map((line, j) => ({ order_no: orderNo, line_no: j + 1, ...line }));
}

function countAwkward(customers: LegacyCustomer[], lines: LegacyOrderLine[], threshold: { on: number; below: number }): Record<AwkwardKind, number> {
  const counts = Object.fromEntries(AWKWARD_KINDS.map((k) => [k, 0])) as Record<AwkwardKind, number>;
  for (const c of customers) {
    if (/[^\x20-\x7e]/.test(c.cust_name)) counts.non_ascii_name++;
    if (/\p{Extended_Pictographic}/u.test(c.cust_name)) counts.emoji_name++;
    if (/['’]/.test(c.cust_name)) counts.apostrophe_name++;
  }
  for (const l of lines) {
    if (!l.unit_price.endsWith('00')) counts.four_decimal_price++;
    if (l.disc_pct !== '0.00') counts.line_discount++;
  }
  counts.on_shipping_threshold = threshold.on;
  counts.below_shipping_threshold = threshold.below;
  return counts;
}

export function generateLegacyData(options: GenerateLegacyOptions): LegacyData {
  const { orders: orderCount, seed = DEFAULT_SEED, dirtyRate = DEFAULT_DIRTY_RATE } = options;
  if (!Number.isSafeInteger(orderCount) || orderCount < 1) throw new RangeError(`orders must be a positive integer, got ${orderCount}`);
  if (!(dirtyRate >= 0 && dirtyRate <= 0.2)) throw new RangeError(`dirtyRate must be within [0, 0.2], got ${dirtyRate}`);
  const counts = dirtyCounts(orderCount, dirtyRate);

  const customerCount = Math.max(10, Math.round(orderCount / 10));
  const productCount = Math.min(2000, Math.max(500, Math.round(orderCount / 50)));
  // Several orders may point at the same purged customer.
  const purgedCustomers = Math.ceil(counts.unknown_customer * 0.7);

  const generated = generateCustomers(new Prng(seed, 'customers'), customerCount, purgedCustomers);
  const { items: catalogue, retiredCodes } = generateProducts(new Prng(seed, 'products'), productCount, Math.max(1, Math.ceil(counts.unknown_product / 4)));

  // Orphan lines come in groups of 1 to 3, one group per deleted order number.
  const dirtRng = new Prng(seed, 'dirt');
  const orphanGroups: number[] = [];
  for (let left = counts.orphan_line; left > 0; ) {
    const size = Math.min(left, dirtRng.int(1, 3));
    orphanGroups.push(size);
    left -= size;
  }
  const planned = planOrders(new Prng(seed, 'orders'), orderCount, { ids: generated.customers.map((c) => c.cust_id), locales: generated.locales }, orphanGroups.length);
  const dirty = flagCustomers(dirtRng, generated, planned.customerIndex, counts);

  const { defectOf, thresholdTarget } = chooseOrderRoles(dirtRng, generated.customers, planned, dirty, counts, orderCount);

  const linesRng = new Prng(seed, 'lines');
  const orderLines: LegacyOrderLine[] = [];
  const threshold = { on: 0, below: 0 };
  const orphanSizes = [...orphanGroups];

  planned.orders.forEach((order: LegacyOrder, i) => {
    const gapOrderNo = planned.orphanGapBefore.get(i);
    if (gapOrderNo !== undefined) {
      const orphans = numbered(gapOrderNo, ordinaryLines(linesRng, catalogue, orphanSizes.shift()));
      for (const l of orphans) {
        dirty.push({ kind: 'orphan_line', table: 'order_lines', orderNo: l.order_no, lineNo: l.line_no, detail: `order ${l.order_no} does not exist` });
      }
      orderLines.push(...orphans);
    }

    const defect = defectOf.get(i);
    const target = thresholdTarget.get(i);
    const customer = generated.customers[planned.customerIndex[i]];
    let lines: DraftLine[] = ordinaryLines(linesRng, catalogue);
    if (target !== undefined) {
      const subtotal = subtotalLeaving(target, TIER_PCT[customer.tier ?? 'B']);
      if (subtotal !== null) {
        lines = linesWithSubtotal(linesRng, catalogue, subtotal);
        if (target === 10000) threshold.on++;
        else threshold.below++;
      }
    }
    if (defect !== undefined) {
      const defective = applyDefect(linesRng, defect, order, lines, { customers: generated.purgedIds, products: retiredCodes });
      lines = defective.lines;
      dirty.push(defective.dirty);
    }
    orderLines.push(...numbered(order.order_no, lines));
  });

  const kindOrder = new Map(DIRTY_KINDS.map((k, i) => [k, i]));
  const keyOf = (d: DirtyRow) => (d.table === 'customers' ? [d.custId, 0] : d.table === 'orders' ? [d.orderNo, 0] : [d.orderNo, d.lineNo]);
  dirty.sort((a, b) => {
    const [a1, a2] = keyOf(a);
    const [b1, b2] = keyOf(b);
    return (kindOrder.get(a.kind) ?? 0) - (kindOrder.get(b.kind) ?? 0) || a1 - b1 || a2 - b2;
  });
  const dirtyByKind = Object.fromEntries(DIRTY_KINDS.map((k) => [k, 0])) as Record<DirtyKind, number>;
  for (const d of dirty) dirtyByKind[d.kind]++;

  const customers = generated.customers;
  const products = catalogue.map((item) => item.product);
  return {
    customers,
    products,
    orders: planned.orders,
    orderLines,
    manifest: {
      seed,
      rows: { customers: customers.length, products: products.length, orders: planned.orders.length, order_lines: orderLines.length },
      dirty,
      dirtyByKind,
      awkwardByKind: countAwkward(customers, orderLines, threshold),
    },
  };
}
