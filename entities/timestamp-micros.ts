// Request timestamps reach PostgreSQL as microseconds since 1970, never as the client's text: an
// RFC 3339 offset such as +20:01 is valid there but out of PostgreSQL's range, and JavaScript dates
// stop at milliseconds.

/** The timestamptz of a microseconds parameter, exactly (seconds and microseconds apart). */
export const timestampFromMicrosSql = (param: string) =>
  `('epoch'::timestamptz + (CAST(${param} AS bigint) / 1000000) * interval '1 second' + (CAST(${param} AS bigint) % 1000000) * interval '1 microsecond')`;

/** Microseconds since 1970 of an RFC 3339 date-time, exactly (JavaScript dates stop at milliseconds). */
export function epochMicros(dateTime: string): string {
  const fraction = /T[^.]*\.(\d+)/.exec(dateTime)?.[1] ?? '';
  return (BigInt(Date.parse(dateTime)) * 1000n + BigInt((fraction.slice(3, 6) || '0').padEnd(3, '0'))).toString();
}
