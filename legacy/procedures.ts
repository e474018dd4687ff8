// The legacy system's pricing lives in a stored procedure, and the migration reconciles every
// order against it. These are DESIGN.md's pricing rules ("Pricing") in PostgreSQL numeric
// arithmetic; domain/pricing.ts implements the same rules, and test/legacy/pricing-parity holds
// the two to the cent.
//
// sp_order_total is the legacy procedure itself: one order, step by step, as the old system's
// PL/pgSQL would have it. sp_order_totals prices many orders in one set-based query, so a
// reconciliation of 100000 orders is one statement instead of 100000 calls; the parity test
// holds it to sp_order_total on every generated order, dirty ones included.
import { quoteSchemaName } from './schema-name';

// Rate tables, written once here and spliced into both functions.
const TIER_DISCOUNT_PCT = (tier: string) => `CASE ${tier} WHEN 'G' THEN 10 WHEN 'S' THEN 5 ELSE 0 END`;
const TAX_RATE_PCT = (country: string) =>
  `CASE ${country} WHEN 'US' THEN 0 WHEN 'CA' THEN 5 WHEN 'GB' THEN 20 WHEN 'DE' THEN 19 WHEN 'FR' THEN 20 ELSE 0 END`;
// A NULL (missing) country is not 'US', so it pays the international rate.
const SHIPPING = (afterDiscount: string, country: string) =>
  `CASE WHEN ${afterDiscount} >= 100.00 THEN 0.00 WHEN ${country} = 'US' THEN 7.50 ELSE 12.00 END`;
const LINE_AMOUNT = (line: string) => `round(${line}.qty * ${line}.unit_price * (1 - ${line}.disc_pct / 100), 2)`;

/** Idempotent DDL for legacy.sp_order_total(order_no) and legacy.sp_order_totals(order_nos). */
export function legacyProceduresSql(schema: string): string {
  const s = quoteSchemaName(schema);
  return `
CREATE OR REPLACE FUNCTION ${s}.sp_order_total(order_no int)
RETURNS TABLE (subtotal numeric(12,2), discount numeric(12,2), shipping numeric(12,2), tax numeric(12,2), total numeric(12,2))
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
  v_cust_id  int;
  v_country  char(2);
  v_tier     char(1);
  v_subtotal numeric;
  v_discount numeric;
  v_shipping numeric;
  v_tax      numeric;
BEGIN
  SELECT o.cust_id, o.ship_country INTO v_cust_id, v_country
    FROM ${s}.orders o
   WHERE o.order_no = sp_order_total.order_no;
  IF NOT FOUND THEN
    RETURN; -- an unknown order has no totals: no row, rather than a row of zeros
  END IF;

  -- An order of a purged customer finds no tier, so it gets no discount.
  SELECT c.tier INTO v_tier FROM ${s}.customers c WHERE c.cust_id = v_cust_id;

  SELECT coalesce(sum(${LINE_AMOUNT('l')}), 0)
    INTO v_subtotal
    FROM ${s}.order_lines l
   WHERE l.order_no = sp_order_total.order_no;

  v_discount := round(v_subtotal * ${TIER_DISCOUNT_PCT('v_tier')} / 100, 2);
  v_shipping := ${SHIPPING('v_subtotal - v_discount', 'v_country')};
  v_tax := round((v_subtotal - v_discount + v_shipping) * ${TAX_RATE_PCT('v_country')} / 100, 2);

  subtotal := v_subtotal::numeric(12,2);
  discount := v_discount::numeric(12,2);
  shipping := v_shipping::numeric(12,2);
  tax      := v_tax::numeric(12,2);
  total    := (v_subtotal - v_discount + v_shipping + v_tax)::numeric(12,2);
  RETURN NEXT;
END
$fn$;

COMMENT ON FUNCTION ${s}.sp_order_total(int) IS
  'Totals of one order (subtotal, tier discount, shipping, tax, total); no row for an unknown order.';

CREATE OR REPLACE FUNCTION ${s}.sp_order_totals(order_nos int[])
RETURNS TABLE (order_no int, subtotal numeric(12,2), discount numeric(12,2), shipping numeric(12,2), tax numeric(12,2), total numeric(12,2))
LANGUAGE sql STABLE
AS $fn$
  WITH summed AS (
    SELECT o.order_no, o.ship_country AS country, c.tier, coalesce(l.subtotal, 0) AS subtotal
      FROM ${s}.orders o
      LEFT JOIN ${s}.customers c ON c.cust_id = o.cust_id
      LEFT JOIN LATERAL (
        SELECT sum(${LINE_AMOUNT('ol')}) AS subtotal
          FROM ${s}.order_lines ol
         WHERE ol.order_no = o.order_no
      ) l ON true
     WHERE o.order_no = ANY (order_nos)
  ), discounted AS (
    SELECT m.*, round(m.subtotal * ${TIER_DISCOUNT_PCT('m.tier')} / 100, 2) AS discount
      FROM summed m
  ), shipped AS (
    SELECT d.*, ${SHIPPING('d.subtotal - d.discount', 'd.country')} AS shipping
      FROM discounted d
  ), taxed AS (
    SELECT h.*, round((h.subtotal - h.discount + h.shipping) * ${TAX_RATE_PCT('h.country')} / 100, 2) AS tax
      FROM shipped h
  )
  SELECT t.order_no,
         t.subtotal::numeric(12,2),
         t.discount::numeric(12,2),
         t.shipping::numeric(12,2),
         t.tax::numeric(12,2),
         (t.subtotal - t.discount + t.shipping + t.tax)::numeric(12,2)
    FROM taxed t
$fn$;

COMMENT ON FUNCTION ${s}.sp_order_totals(int[]) IS
  'sp_order_total for many orders in one query, with order_no; unknown orders are left out.';
`;
}
