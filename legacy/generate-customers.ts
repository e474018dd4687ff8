// Legacy customers: people and a few businesses across the locales, unique e-mails (ignoring
// case: the duplicates are made later, on purpose, and recorded), and gaps in cust_id where
// customers were purged, so orders can point at customers that no longer exist.
import { CATALOGUE_FROM, EXPORTED_AT, formatTimestamp } from './legacy-clock';
import { COMPANY_FORMS, EMAIL_DOMAINS, LOCALES, type Locale, NAME_EMOJI, emailWord } from './locales';
import type { Prng } from './prng';
import type { LegacyCustomer, LegacyTier } from './rows';

export const FIRST_CUST_ID = 1001;

const TIERS: readonly (readonly [LegacyTier | null, number])[] = [['G', 8], ['S', 17], ['B', 45], [null, 30]];
const LOCALE_WEIGHTS = LOCALES.map((locale) => [locale, locale.weight] as const);

export interface GeneratedCustomers {
  customers: LegacyCustomer[];
  /** Where each customer lives, by index; orders usually ship there. */
  locales: Locale[];
  /** cust_ids skipped in the sequence: customers purged from the table. */
  purgedIds: number[];
}

export function pickLocale(rng: Prng): Locale {
  return rng.weighted(LOCALE_WEIGHTS);
}

function personName(rng: Prng, locale: Locale): { name: string; given: string; family: string } {
  const given = rng.pick(locale.givenNames);
  const family = rng.pick(locale.familyNames);
  let name = locale.familyFirst ? `${family}${given}` : `${given} ${family}`;
  if (!locale.familyFirst && locale.country === 'US' && rng.chance(0.1)) {
    name = `${given} ${String.fromCharCode(65 + rng.int(0, 25))}. ${family}`;
  }
  if (rng.chance(0.005)) name = `${name} ${rng.pick(NAME_EMOJI)}`;
  return { name, given, family };
}

function emailLocalPart(rng: Prng, given: string, family: string): string {
  const g = emailWord(given);
  const f = emailWord(family);
  switch (rng.int(0, 3)) {
    case 0:
      return `${g}.${f}`;
    case 1:
      return `${g}${f}${rng.int(1, 99)}`;
    case 2:
      return `${g.slice(0, 1)}${f}`;
    default:
      return `${f}.${g}${rng.int(1950, 2005)}`;
  }
}

export function generateCustomers(rng: Prng, count: number, purgedCount: number): GeneratedCustomers {
  const purgedBefore = new Set(rng.sample(count, Math.min(purgedCount, count)));
  const customers: LegacyCustomer[] = [];
  const locales: Locale[] = [];
  const purgedIds: number[] = [];
  const emailsInUse = new Set<string>();
  let nextId = FIRST_CUST_ID;

  for (let i = 0; i < count; i++) {
    if (purgedBefore.has(i)) purgedIds.push(nextId++);
    const custId = nextId++;
    const locale = pickLocale(rng);
    const person = personName(rng, locale);
    const isCompany = rng.chance(0.04);
    const name = isCompany ? `${person.family} ${rng.pick(COMPANY_FORMS[locale.country])}` : person.name;

    let email: string | null = null;
    if (!rng.chance(0.02)) {
      const local = isCompany ? `orders.${emailWord(person.family)}` : emailLocalPart(rng, person.given, person.family);
      email = `${local}@${rng.pick(EMAIL_DOMAINS)}`;
      // Only the recorded duplicates may collide, so an accidental one gets the id appended.
      if (emailsInUse.has(email)) email = email.replace('@', `.${custId}@`);
      emailsInUse.add(email);
    }

    customers.push({
      cust_id: custId,
      cust_name: name,
      email,
      tier: rng.weighted(TIERS),
      country: locale.country,
      is_deleted: false,
      modified_dt: formatTimestamp(rng.int(CATALOGUE_FROM, EXPORTED_AT)),
    });
    locales.push(locale);
  }
  return { customers, locales, purgedIds };
}
