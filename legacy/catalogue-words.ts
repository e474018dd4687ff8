// Words for the legacy product catalogue. Each category has a code prefix (prod_code is
// `<prefix>-<5 digits>`), a price range in dollars, and the share of its products priced to four
// decimals: small parts sold by the piece (screws at 0.0425) are where the old system's
// numeric(12,4) prices came from.

export interface Category {
  prefix: string;
  nouns: readonly string[];
  minPrice: number;
  maxPrice: number;
  fourDecimalShare: number;
}

export const CATEGORIES: readonly Category[] = [
  { prefix: 'HW', nouns: ['Hammer', 'Screwdriver Set', 'Wood Screw', 'Wall Anchor', 'Drill Bit Set', 'Tape Measure', 'Hex Key Set', 'Hinge'], minPrice: 2, maxPrice: 120, fourDecimalShare: 0.3 },
  { prefix: 'KT', nouns: ['Chef’s Knife', 'Frying Pan', 'Espresso Cup', 'Crème Brûlée Torch', 'Cutting Board', 'Café Press', 'Müsli Bowl', '抹茶 Tea Set'], minPrice: 4, maxPrice: 180, fourDecimalShare: 0.02 },
  { prefix: 'EL', nouns: ['USB-C Cable', 'Wireless Mouse', 'Bluetooth Speaker', 'Headphones 🎧', 'Power Bank', 'HDMI Adapter', 'LED Bulb', 'Resistor'], minPrice: 3, maxPrice: 450, fourDecimalShare: 0.1 },
  { prefix: 'GD', nouns: ['Garden Hose', 'Seed Mix', 'Plant Pot', 'Pruning Shears', 'Watering Can', 'Jalapeño Seeds', 'Cable Tie'], minPrice: 2, maxPrice: 90, fourDecimalShare: 0.1 },
  { prefix: 'OF', nouns: ['Printer Paper', 'Gel Pen', 'Stapler', 'Sticky Notes', 'Label', 'Notebook A5', 'Desk Organizer', 'Paper Clip'], minPrice: 1, maxPrice: 60, fourDecimalShare: 0.15 },
  { prefix: 'TY', nouns: ['Puzzle 1000 pcs', 'Building Blocks', 'Plush Bear', 'Kite', 'Board Game', 'Yo-yo'], minPrice: 5, maxPrice: 80, fourDecimalShare: 0 },
  { prefix: 'AP', nouns: ['T-Shirt', 'Hoodie', 'Wool Socks', 'Rain Jacket', 'Baseball Cap', 'Scarf'], minPrice: 8, maxPrice: 160, fourDecimalShare: 0 },
];

export const ADJECTIVES: readonly string[] = ['Classic', 'Premium', 'Compact', 'Heavy-Duty', 'Eco', 'Deluxe', 'Mini', 'Pro', 'Everyday', 'Vintage'];

export const VARIANTS: readonly string[] = ['Black', 'White', 'Red', 'Blue', 'Grey', 'Natural', 'Bleu marine', 'Grün', 'Größe M', '2-pack', '10 mm', '½ inch'];

/** Cents endings retailers use for two-decimal prices. */
export const PRICE_ENDINGS: readonly number[] = [99, 99, 99, 49, 95, 0, 50];
