// The legacy catalogue: retail prices ending in .99 and friends, small parts priced to four
// decimals, and gaps in the code sequence where products were retired and purged; order lines
// that still name a purged code are the "unknown product" dirty rows.
import { ADJECTIVES, CATEGORIES, PRICE_ENDINGS, VARIANTS } from './catalogue-words';
import { formatScaled } from './decimal-text';
import { CATALOGUE_FROM, EXPORTED_AT, formatTimestamp } from './legacy-clock';
import type { Prng } from './prng';
import type { LegacyProduct } from './rows';

export interface CatalogueItem {
  product: LegacyProduct;
  /** unit_price in ten-thousandths of a dollar. */
  priceUnits: number;
  /** Priced to four decimals (sold by the piece, bought in bulk). */
  fourDecimal: boolean;
}

export interface GeneratedProducts {
  /** Ordered by prod_code. */
  items: CatalogueItem[];
  /** Codes skipped in the sequence: products purged from the table. */
  retiredCodes: string[];
}

function twoDecimalPriceUnits(rng: Prng, minPrice: number, maxPrice: number): number {
  // Cubed uniform: cheap items are common, expensive ones rare, as in any catalogue.
  const r = rng.next();
  const dollars = Math.floor(minPrice + (maxPrice - minPrice) * r * r * r);
  const cents = Math.max(dollars - 1, 0) * 100 + rng.pick(PRICE_ENDINGS); // 20 -> 19.99, 19.49, 19.00 ...
  return Math.max(cents, 99) * 100;
}

function fourDecimalPriceUnits(rng: Prng): number {
  const r = rng.next();
  const units = 100 + Math.floor(99800 * r * r * r); // 0.0100 .. 9.9899, mostly cents apiece
  return units % 100 === 0 ? units + rng.int(1, 99) : units;
}

export function generateProducts(rng: Prng, count: number, retiredCount: number): GeneratedProducts {
  const retiredBefore = new Set(rng.sample(count, Math.min(retiredCount, count)));
  const nextNumber = new Map(CATEGORIES.map((c) => [c.prefix, 10000 + rng.int(0, 999)]));
  const items: CatalogueItem[] = [];
  const retiredCodes: string[] = [];

  for (let i = 0; i < count; i++) {
    const category = rng.pick(CATEGORIES);
    const take = () => {
      const n = nextNumber.get(category.prefix) ?? 10000;
      nextNumber.set(category.prefix, n + 1);
      return `${category.prefix}-${n}`;
    };
    if (retiredBefore.has(i)) retiredCodes.push(take());
    const prodCode = take();
    const fourDecimal = rng.chance(category.fourDecimalShare);
    const priceUnits = fourDecimal ? fourDecimalPriceUnits(rng) : twoDecimalPriceUnits(rng, category.minPrice, category.maxPrice);
    const noun = rng.pick(category.nouns);
    const descr = `${rng.pick(ADJECTIVES)} ${noun}${rng.chance(0.6) ? `, ${rng.pick(VARIANTS)}` : ''}`;
    items.push({
      product: {
        prod_code: prodCode,
        descr,
        unit_price: formatScaled(priceUnits, 4),
        qty_on_hand: rng.chance(0.05) ? 0 : rng.int(1, 800),
        modified_dt: formatTimestamp(rng.int(CATALOGUE_FROM, EXPORTED_AT)),
      },
      priceUnits,
      fourDecimal,
    });
  }
  items.sort((a, b) => (a.product.prod_code < b.product.prod_code ? -1 : 1));
  return { items, retiredCodes };
}
