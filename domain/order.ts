// Shapes shared by the API, the workflow and the activities, and the input checks they all run.
// Checks return problems (JSON pointer + detail) instead of throwing, so the API can answer
// with every problem at once and the workflow can reject with the same words.
import type { Cents } from './money';

export interface OrderLineInput {
  sku: string;
  quantity: number;
}

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPrice: Cents;
  /** numeric(12,4), exactly as priced. */
  unitPriceDecimal: string;
  /** numeric(5,2) percent off the line, '0.00' for none. */
  discountPct: string;
  amount: Cents;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2, upper case ('US'). It decides shipping and tax. */
  country: string;
}

export interface PaymentInput {
  token: string;
}

export interface CreateOrderInput {
  orderId: string;
  customerId: string;
  lines: OrderLineInput[];
  shippingAddress: ShippingAddress;
  payment: PaymentInput;
  /** Set by older APIs; the request cause header (workflows/request-cause.ts) carries it now. */
  requestId?: string;
  /** The storefront of the client that placed it (absent from orders placed before storefronts). */
  storefront?: string;
}

export const MAX_LINES = 100;
export const MAX_QUANTITY = 10000;
/** The legacy prod_code is varchar(20); SKUs start with a letter or digit. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/;

/** Column widths of the legacy address (ship_addr1 varchar(200), ship_city 100, ship_zip 20). */
export const ADDRESS_MAX_LENGTH = Object.freeze({ name: 200, line1: 200, line2: 200, city: 100, postalCode: 20 });

/** The 249 officially assigned ISO 3166-1 alpha-2 codes. */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET ' +
    'FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ' +
    'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY ' +
    'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM ' +
    'PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
    'UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

export interface Problem {
  /** RFC 6901 JSON pointer into the request attributes, e.g. '/lines/2/quantity'. */
  pointer: string;
  detail: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Non-empty, at most MAX_LINES, each with a well-formed SKU and quantity, no SKU twice. */
export function validateLines(lines: OrderLineInput[], basePointer = '/lines'): Problem[] {
  if (!Array.isArray(lines)) return [{ pointer: basePointer, detail: 'lines must be an array' }];
  if (lines.length === 0) return [{ pointer: basePointer, detail: 'an order needs at least one line' }];
  // Stop here: per-line problems of an oversized list would only bury this one.
  if (lines.length > MAX_LINES) {
    return [{ pointer: basePointer, detail: `an order has at most ${MAX_LINES} lines, got ${lines.length}` }];
  }

  const problems: Problem[] = [];
  const firstLineOfSku = new Map<string, number>();
  lines.forEach((line: unknown, index) => {
    const pointer = `${basePointer}/${index}`;
    if (!isRecord(line)) {
      problems.push({ pointer, detail: 'a line must be an object with sku and quantity' });
      return;
    }
    const { sku, quantity } = line;
    if (typeof sku !== 'string' || !SKU_PATTERN.test(sku)) {
      problems.push({
        pointer: `${pointer}/sku`,
        detail: 'sku must be 1 to 20 letters, digits, ".", "_" or "-", starting with a letter or digit',
      });
    } else if (firstLineOfSku.has(sku)) {
      problems.push({
        pointer: `${pointer}/sku`,
        detail: `sku ${sku} is already on line ${firstLineOfSku.get(sku)}; put the whole quantity on one line`,
      });
    } else {
      firstLineOfSku.set(sku, index);
    }
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      problems.push({
        pointer: `${pointer}/quantity`,
        detail: `quantity must be a whole number from 1 to ${MAX_QUANTITY}`,
      });
    }
  });
  return problems;
}

/** Characters as PostgreSQL counts them (code points), not UTF-16 units. */
function characters(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function checkText(
  problems: Problem[],
  address: Record<string, unknown>,
  field: keyof typeof ADDRESS_MAX_LENGTH,
  basePointer: string,
  optional: boolean,
): void {
  const value = address[field];
  const pointer = `${basePointer}/${field}`;
  if (optional && (value === undefined || value === null)) return;
  const maxLength = ADDRESS_MAX_LENGTH[field];
  if (typeof value !== 'string') {
    problems.push({ pointer, detail: `${field} must be a string` });
  } else if (!optional && value.trim() === '') {
    problems.push({ pointer, detail: `${field} is required` });
  } else if (characters(value) > maxLength) {
    problems.push({ pointer, detail: `${field} has at most ${maxLength} characters` });
  }
}

/** Required text fields within the legacy column widths, and a real upper-case country code. */
export function validateAddress(a: ShippingAddress, basePointer = '/shippingAddress'): Problem[] {
  if (!isRecord(a)) return [{ pointer: basePointer, detail: 'the shipping address must be an object' }];
  const address: Record<string, unknown> = a;
  const problems: Problem[] = [];
  checkText(problems, address, 'name', basePointer, false);
  checkText(problems, address, 'line1', basePointer, false);
  checkText(problems, address, 'line2', basePointer, true);
  checkText(problems, address, 'city', basePointer, false);
  checkText(problems, address, 'postalCode', basePointer, false);
  const country = address.country;
  if (typeof country !== 'string' || !COUNTRY_CODES.has(country)) {
    problems.push({
      pointer: `${basePointer}/country`,
      detail: 'country must be an ISO 3166-1 alpha-2 code in upper case, e.g. US',
    });
  }
  return problems;
}
