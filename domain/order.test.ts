import {
  ADDRESS_MAX_LENGTH,
  COUNTRY_CODES,
  MAX_LINES,
  MAX_QUANTITY,
  type OrderLineInput,
  SKU_PATTERN,
  type ShippingAddress,
  validateAddress,
  validateLines,
} from './order';

const address: ShippingAddress = { name: 'Ada', line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' };

describe('limits', () => {
  it('are 100 lines of at most 10000 each, SKUs of 1 to 20 characters', () => {
    expect(MAX_LINES).toBe(100);
    expect(MAX_QUANTITY).toBe(10000);
    expect(SKU_PATTERN.test('A')).toBe(true);
    expect(SKU_PATTERN.test('SKU-1.b_2')).toBe(true);
    expect(SKU_PATTERN.test('A'.repeat(20))).toBe(true);
    expect(SKU_PATTERN.test('A'.repeat(21))).toBe(false);
    expect(SKU_PATTERN.test('-SKU')).toBe(false);
    expect(SKU_PATTERN.test('SKU 1')).toBe(false);
    expect(SKU_PATTERN.test('')).toBe(false);
  });
});

describe('validateLines', () => {
  it('accepts well-formed lines', () => {
    expect(validateLines([{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2', quantity: MAX_QUANTITY }])).toEqual([]);
  });

  it('accepts exactly MAX_LINES lines', () => {
    const lines = Array.from({ length: MAX_LINES }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));
    expect(validateLines(lines)).toEqual([]);
  });

  it('refuses an order without lines, pointing at the list', () => {
    expect(validateLines([])).toEqual([{ pointer: '/lines', detail: 'an order needs at least one line' }]);
  });

  it('refuses more than MAX_LINES lines with one problem, not one per line', () => {
    const lines = Array.from({ length: MAX_LINES + 1 }, () => ({ sku: '!', quantity: 0 }));
    expect(validateLines(lines)).toEqual([{ pointer: '/lines', detail: 'an order has at most 100 lines, got 101' }]);
  });

  it.each([0, -1, 1.5, MAX_QUANTITY + 1, NaN, Infinity, '2' as unknown as number])(
    'refuses quantity %p with a pointer to that line',
    (quantity) => {
      const problems = validateLines([{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }, { sku: 'C', quantity }]);
      expect(problems).toEqual([{ pointer: '/lines/2/quantity', detail: 'quantity must be a whole number from 1 to 10000' }]);
    },
  );

  it.each(['', ' SKU', '.hidden', 'a/b', 'X'.repeat(21), 42 as unknown as string])('refuses sku %p', (sku) => {
    expect(validateLines([{ sku, quantity: 1 }]).map((p) => p.pointer)).toEqual(['/lines/0/sku']);
  });

  it('refuses the same SKU twice, pointing at the repeat and naming the first line', () => {
    expect(validateLines([{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }, { sku: 'A', quantity: 3 }])).toEqual([
      { pointer: '/lines/2/sku', detail: 'sku A is already on line 0; put the whole quantity on one line' },
    ]);
  });

  it('treats SKUs that differ only in case as different products, as the catalogue key does', () => {
    expect(validateLines([{ sku: 'abc', quantity: 1 }, { sku: 'ABC', quantity: 1 }])).toEqual([]);
  });

  it('reports every problem at once, in line order', () => {
    const problems = validateLines([{ sku: '?', quantity: 0 }, { sku: 'B', quantity: 1 }, { sku: 'C', quantity: 1.5 }]);
    expect(problems.map((p) => p.pointer)).toEqual(['/lines/0/sku', '/lines/0/quantity', '/lines/2/quantity']);
  });

  it('uses the base pointer it is given', () => {
    expect(validateLines([{ sku: 'A', quantity: 0 }], '/data/attributes/lines')[0].pointer).toBe(
      '/data/attributes/lines/0/quantity',
    );
  });

  it('refuses a line that is not an object, and a list that is not an array', () => {
    expect(validateLines([null as unknown as OrderLineInput])).toEqual([
      { pointer: '/lines/0', detail: 'a line must be an object with sku and quantity' },
    ]);
    expect(validateLines({} as unknown as OrderLineInput[])).toEqual([{ pointer: '/lines', detail: 'lines must be an array' }]);
  });
});

describe('validateAddress', () => {
  it('accepts a complete address, with or without line2', () => {
    expect(validateAddress(address)).toEqual([]);
    expect(validateAddress({ ...address, line2: 'Suite 5' })).toEqual([]);
    expect(validateAddress({ ...address, line2: null })).toEqual([]);
    expect(validateAddress({ ...address, line2: '' })).toEqual([]);
  });

  it.each(['name', 'line1', 'city', 'postalCode'] as const)('requires %s', (field) => {
    expect(validateAddress({ ...address, [field]: '  ' })).toEqual([
      { pointer: `/shippingAddress/${field}`, detail: `${field} is required` },
    ]);
    expect(validateAddress({ ...address, [field]: undefined } as unknown as ShippingAddress)).toEqual([
      { pointer: `/shippingAddress/${field}`, detail: `${field} must be a string` },
    ]);
  });

  it.each(Object.entries(ADDRESS_MAX_LENGTH))('limits %s to %p characters', (field, max) => {
    expect(validateAddress({ ...address, [field]: 'x'.repeat(max) })).toEqual([]);
    expect(validateAddress({ ...address, [field]: 'x'.repeat(max + 1) })).toEqual([
      { pointer: `/shippingAddress/${field}`, detail: `${field} has at most ${max} characters` },
    ]);
  });

  it.each(['us', 'USA', 'U', '', 'ZZ', 'UK', 'XK', 1 as unknown as string])('refuses country %p', (country) => {
    expect(validateAddress({ ...address, country })).toEqual([
      { pointer: '/shippingAddress/country', detail: 'country must be an ISO 3166-1 alpha-2 code in upper case, e.g. US' },
    ]);
  });

  it('knows the 249 assigned ISO 3166-1 codes, the taxed ones among them', () => {
    expect(COUNTRY_CODES.size).toBe(249);
    for (const country of ['US', 'CA', 'GB', 'DE', 'FR', 'JP', 'AX', 'SS', 'ZW']) {
      expect(validateAddress({ ...address, country })).toEqual([]);
    }
  });

  it('reports every problem at once under the base pointer it is given', () => {
    const problems = validateAddress({ ...address, name: '', country: 'usa' }, '/data/attributes/shippingAddress');
    expect(problems.map((p) => p.pointer)).toEqual([
      '/data/attributes/shippingAddress/name',
      '/data/attributes/shippingAddress/country',
    ]);
  });

  it('refuses an address that is not an object', () => {
    expect(validateAddress(null as unknown as ShippingAddress)).toEqual([
      { pointer: '/shippingAddress', detail: 'the shipping address must be an object' },
    ]);
  });
});
