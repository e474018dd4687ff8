// The legacy data's time span. Fixed dates, not "now", so a seed gives the same rows on any day.

/** First order: 2023-01-01 00:00:00. */
export const ORDERS_FROM = Date.UTC(2023, 0, 1) / 1000;
/** The export was taken at 2024-12-31 23:59:59; nothing is later. */
export const EXPORTED_AT = Date.UTC(2025, 0, 1) / 1000 - 1;
/** Customers and products were last touched in these two years and a bit. */
export const CATALOGUE_FROM = Date.UTC(2022, 0, 1) / 1000;

export const DAY = 86400;

/** Epoch seconds -> 'YYYY-MM-DD HH:MM:SS', the text of a zone-less `timestamp`. */
export function formatTimestamp(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
