// Customers: tier, country and e-mail as they are (trimmed); a deleted customer is migrated
// inactive (its orders need it) and noted in the quarantine; a duplicate account (same e-mail
// ignoring case as a customer with a lower cust_id) is not migrated: it is quarantined as merged
// into the original, and its orders are migrated onto the original customer. Customers belong to
// the legacy storefront (ctx.storefront), where e-mails are unique; a row keeps its storefront.
import type { Tier } from '../../domain/pricing';
import { type RowOf, batchColumns } from '../../entities/batch-columns';
import { type BatchContext, type PhaseOutcome, START_MODIFIED_DT, TIMESTAMP_TEXT, cleanText, emptyCounts } from './batch';
import type { Watermark } from './contract';
import { legacyCustomerId } from './legacy-ids';
import { type QuarantineEntry, syncQuarantine } from './quarantine';

interface LegacyCustomerRow {
  cust_id: number;
  cust_name: string;
  email: string | null;
  tier: string | null;
  country: string | null;
  is_deleted: boolean;
  modified_dt: string;
}

const TIERS: ReadonlySet<string> = new Set<Tier>(['G', 'S', 'B']);
const CUSTOMER_COLUMNS = batchColumns({ id: 'uuid', name: 'varchar', email: 'varchar', tier: 'char(1)', country: 'char(2)', active: 'boolean', legacy_cust_id: 'int' });

export async function migrateCustomers(ctx: BatchContext, after: Watermark | null): Promise<PhaseOutcome> {
  const rows: LegacyCustomerRow[] = await ctx.manager.query(
    `SELECT c.cust_id, c.cust_name, c.email, c.tier, c.country, c.is_deleted, to_char(c.modified_dt, ${TIMESTAMP_TEXT}) AS modified_dt
       FROM ${ctx.s}.customers c
      WHERE (c.modified_dt, c.cust_id) > ($1::timestamp, $2::int)
      ORDER BY c.modified_dt, c.cust_id
      LIMIT $3`,
    [after?.modifiedDt ?? START_MODIFIED_DT, after ? Number(after.key) : -2147483648, ctx.limit],
  );
  const counts = emptyCounts();
  counts.read = rows.length;
  if (rows.length === 0) return { counts, taken: 0, next: after };
  ctx.heartbeat('customers: extracted');

  const emailKeys = [...new Set(rows.map((r) => cleanText(r.email)?.toLowerCase()).filter((e): e is string => !!e))];
  // The legacy table has no index on lower(email): one scan per batch, grouped.
  const originals: { email_key: string; original: number }[] = await ctx.manager.query(
    `SELECT lower(email) AS email_key, min(cust_id) AS original FROM ${ctx.s}.customers WHERE lower(email) = ANY ($1::text[]) GROUP BY lower(email)`,
    [emailKeys],
  );
  const originalOf = new Map(originals.map((o) => [o.email_key, o.original]));
  const owners: { email_key: string; id: string }[] = await ctx.manager.query(
    'SELECT lower(email) AS email_key, id FROM customers WHERE storefront = $2 AND lower(email) = ANY ($1::text[])',
    [emailKeys, ctx.storefront],
  );
  const ownerOf = new Map(owners.map((o) => [o.email_key, o.id]));

  const entries: QuarantineEntry[] = [];
  const valid: RowOf<typeof CUSTOMER_COLUMNS>[] = [];
  for (const row of rows) {
    const key = String(row.cust_id);
    const id = legacyCustomerId(row.cust_id);
    const base = { table: 'customers' as const, key, modifiedDt: row.modified_dt };
    const email = cleanText(row.email);
    const emailKey = email?.toLowerCase();
    const tier = cleanText(row.tier)?.toUpperCase() ?? null;
    if (tier !== null && !TIERS.has(tier)) {
      entries.push({ ...base, reason: 'invalid_tier', detail: `tier ${JSON.stringify(row.tier)} is not G, S, B or empty`, disposition: 'excluded' });
      continue;
    }
    const original = emailKey ? originalOf.get(emailKey) : undefined;
    if (original !== undefined && original < row.cust_id) {
      entries.push({
        ...base,
        reason: 'duplicate_email',
        detail: `e-mail ${email} is customer ${original}'s ignoring case; merged into customer ${original}`,
        disposition: 'merged',
        targetId: legacyCustomerId(original),
      });
      continue;
    }
    const owner = emailKey ? ownerOf.get(emailKey) : undefined;
    if (owner !== undefined && owner !== id) {
      entries.push({ ...base, reason: 'email_in_use', detail: `e-mail ${email} belongs to customer ${owner} in the new system`, disposition: 'excluded' });
      continue;
    }
    if (row.is_deleted) {
      entries.push({ ...base, reason: 'deleted_customer', detail: 'deleted in the legacy system; migrated inactive for its orders', disposition: 'imported_inactive', targetId: id });
    }
    valid.push({ id, name: row.cust_name, email, tier, country: cleanText(row.country)?.toUpperCase() ?? null, active: !row.is_deleted, legacy_cust_id: row.cust_id });
  }

  if (valid.length > 0) {
    const written: { inserted: boolean }[] = await ctx.manager.query(
      `INSERT INTO customers (${CUSTOMER_COLUMNS.names}, storefront) SELECT c.*, $8::varchar FROM ${CUSTOMER_COLUMNS.unnest('c')}
       ON CONFLICT (id) DO UPDATE
          SET name = excluded.name, email = excluded.email, tier = excluded.tier, country = excluded.country,
              active = excluded.active, legacy_cust_id = excluded.legacy_cust_id, updated_at = now()
        WHERE (customers.name, customers.email, customers.tier, customers.country, customers.active, customers.legacy_cust_id)
              IS DISTINCT FROM (excluded.name, excluded.email, excluded.tier, excluded.country, excluded.active, excluded.legacy_cust_id)
       RETURNING (xmax = 0) AS inserted`,
      [...CUSTOMER_COLUMNS.arrays(valid), ctx.storefront],
    );
    counts.inserted = written.filter((w) => w.inserted).length;
    counts.updated = written.length - counts.inserted;
    counts.unchanged = valid.length - written.length;
  }
  ctx.heartbeat('customers: loaded');

  await syncQuarantine(ctx, [{ table: 'customers', keys: rows.map((r) => String(r.cust_id)) }], entries);
  counts.quarantined = new Set(entries.map((e) => e.key)).size;
  const last = rows[rows.length - 1];
  return { counts, taken: rows.length, next: { modifiedDt: last.modified_dt, key: String(last.cust_id) } };
}
