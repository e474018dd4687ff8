// Storefronts: every OAuth client belongs to one, and so do the customers and orders it creates.
// A client sees only its own storefront's rows (the ops scope sees every storefront); the
// catalogue is shared.

/** Lower-case letters, digits, "_" and "-", starting with a letter or digit, at most 64. */
export const STOREFRONT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function isStorefront(value: unknown): value is string {
  return typeof value === 'string' && STOREFRONT_PATTERN.test(value);
}

/**
 * The development client's storefront. Rows whose creator was never recorded (written before
 * storefronts existed, or an order workflow started by an older API) belong to it too.
 */
export const DEV_STOREFRONT = 'dev';

/** Where the legacy migration puts what it migrates, unless LEGACY_STOREFRONT says otherwise. */
export const DEFAULT_LEGACY_STOREFRONT = 'legacy';
