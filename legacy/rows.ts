// Rows of the legacy tables as the generator produces them and `pg` reads them back: property
// names are the column names, numeric columns are decimal strings (exact, as `pg` returns
// numeric), timestamps are 'YYYY-MM-DD HH:MM:SS' strings without a zone (the columns are
// `timestamp`, and a string keeps the data identical on machines in different time zones).

export type LegacyTier = 'G' | 'S' | 'B';
export type LegacyStatus = 'N' | 'P' | 'S' | 'D' | 'X';

export interface LegacyCustomer {
  cust_id: number;
  cust_name: string;
  email: string | null;
  tier: LegacyTier | null;
  country: string | null;
  is_deleted: boolean;
  modified_dt: string;
}

export interface LegacyProduct {
  prod_code: string;
  descr: string;
  /** numeric(12,4), e.g. '19.9900' or '0.0425'. */
  unit_price: string;
  qty_on_hand: number;
  modified_dt: string;
}

export interface LegacyOrder {
  order_no: number;
  cust_id: number;
  order_dt: string;
  status_cd: LegacyStatus;
  ship_country: string | null;
  ship_addr1: string | null;
  ship_city: string | null;
  ship_zip: string | null;
  modified_dt: string;
}

export interface LegacyOrderLine {
  order_no: number;
  line_no: number;
  prod_code: string;
  qty: number;
  /** numeric(12,4): the price on the order, which may differ from today's catalogue price. */
  unit_price: string;
  /** numeric(5,2) percent, '0.00' when there is no line discount. */
  disc_pct: string;
}

export type LegacyTable = 'customers' | 'products' | 'orders' | 'order_lines';

/** Rows the migration cannot take over as they are; each must end in its quarantine. */
export const DIRTY_KINDS = [
  'orphan_line',
  'unknown_product',
  'unknown_customer',
  'non_positive_quantity',
  'missing_country',
  'order_without_lines',
  'duplicate_email',
  'deleted_customer',
] as const;
export type DirtyKind = (typeof DIRTY_KINDS)[number];

/** One dirty row, named by its table and key. Each dirty row has exactly one kind. */
export type DirtyRow =
  | { kind: 'orphan_line' | 'unknown_product' | 'non_positive_quantity'; table: 'order_lines'; orderNo: number; lineNo: number; detail: string }
  | { kind: 'unknown_customer' | 'missing_country' | 'order_without_lines'; table: 'orders'; orderNo: number; detail: string }
  | { kind: 'deleted_customer'; table: 'customers'; custId: number; detail: string }
  | { kind: 'duplicate_email'; table: 'customers'; custId: number; duplicateOfCustId: number; detail: string };

/** Clean rows that are awkward on purpose: the migration and pricing must take them as they are. */
export const AWKWARD_KINDS = [
  'non_ascii_name',
  'emoji_name',
  'apostrophe_name',
  'four_decimal_price',
  'line_discount',
  'on_shipping_threshold',
  'below_shipping_threshold',
] as const;
export type AwkwardKind = (typeof AWKWARD_KINDS)[number];

export interface LegacyManifest {
  seed: number;
  rows: Record<LegacyTable, number>;
  /** Every dirty row, ordered by kind and key. */
  dirty: DirtyRow[];
  dirtyByKind: Record<DirtyKind, number>;
  /**
   * Counts of awkward clean rows: customers for the name kinds, order lines for the price and
   * discount kinds, orders for the threshold kinds (subtotal after tier discount exactly 100.00,
   * or 99.99, the cent below).
   */
  awkwardByKind: Record<AwkwardKind, number>;
}

export interface LegacyData {
  customers: LegacyCustomer[];
  products: LegacyProduct[];
  /** Ordered by order_no. */
  orders: LegacyOrder[];
  /** Ordered by (order_no, line_no); orphan lines sit in the gaps between order numbers. */
  orderLines: LegacyOrderLine[];
  manifest: LegacyManifest;
}
