// JSON:API plumbing shared by every route group: the media types, request/response document
// schemas built from one attributes schema, and cursors.
import { z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { JSONParsed } from 'hono/utils/types';
import type { SelectQueryBuilder } from 'typeorm';
import { timestampFromMicrosSql } from '../entities/timestamp-micros';
import { ApiError, ErrorDocument } from './errors';

export const JSON_API = 'application/vnd.api+json';
export const JSON_API_HEADERS = { 'Content-Type': JSON_API } as const;

/** A JSON string known to be `JSON.stringify` of a T (so it can answer where a T is declared). */
export type SerializedJson<T> = string & { readonly __serializes?: T };

export function serializeJson<T>(value: T): SerializedJson<T> {
  return JSON.stringify(value) as SerializedJson<T>;
}

/** `c.json(value, status, JSON_API_HEADERS)` for a value serialized beforehand: the same response, typed the same. */
export function jsonApiText<T, S extends ContentfulStatusCode>(c: Context, json: SerializedJson<T>, status: S) {
  return c.body(json, status, JSON_API_HEADERS) as unknown as Response & TypedResponse<JSONParsed<T>, S, 'json'>;
}

/** A request body accepted as JSON:API or plain JSON, both validated by the same strict schema. */
export function jsonApiBody<S extends z.ZodType>(schema: S, description: string) {
  return {
    required: true,
    description,
    content: {
      [JSON_API]: { schema },
      'application/json': { schema },
    },
  } as const;
}

/** A response carrying a JSON:API document. */
export function jsonApiResponse<S extends z.ZodType>(schema: S, description: string, headers?: Record<string, { description: string; schema: { type: 'string' } }>) {
  return { description, content: { [JSON_API]: { schema } }, ...(headers ? { headers } : {}) } as const;
}

const errorDescriptions = {
  400: 'malformed request (bad JSON, parameter or header)',
  401: 'no valid bearer token',
  402: 'the payment provider declined the money the change needs; nothing changed',
  403: 'the token lacks the scope this route needs',
  404: "no such resource, or one of another storefront (only the ops scope sees every storefront's customers and orders)",
  405: 'the path exists but not with this method',
  406: 'the Accept header allows no media type this route produces',
  409: 'conflicts with the resource state (illegal transition, request in flight)',
  412: 'If-Match does not match the current version',
  413: 'the body is larger than the configured limit',
  415: 'the Content-Type is neither application/vnd.api+json nor application/json',
  422: 'the document is well-formed but invalid; source.pointer names the field',
  428: 'this change needs an If-Match header',
  429: 'rate limit exceeded; Retry-After says when to try again',
  500: 'an unexpected fault; the request id identifies it in the logs',
  503: 'a dependency (Temporal, PostgreSQL) is away or too slow; Retry-After says when to try again',
} as const;
type ErrorStatus = keyof typeof errorDescriptions;

const errorContent = { [JSON_API]: { schema: ErrorDocument } } as const;

/** Error responses every authenticated route can give, plus the ones named. */
export function errorResponses<const S extends ErrorStatus>(...extra: S[]) {
  const statuses: ErrorStatus[] = [400, 401, 403, 406, 429, 500, 503, ...extra];
  return Object.fromEntries(statuses.map((s) => [s, { description: errorDescriptions[s], content: errorContent }])) as {
    [K in 400 | 401 | 403 | 406 | 429 | 500 | 503 | S]: { description: string; content: typeof errorContent };
  };
}

// ---- document schemas ----

export const Links = z.object({ self: z.string() }).openapi('ResourceLinks');
export const Relationship = z
  .object({ data: z.object({ type: z.string(), id: z.string() }).nullable(), links: z.object({ related: z.string() }).optional() })
  .openapi('Relationship');

/** A resource object `{type, id, attributes, relationships?, links}` for one resource type. */
export function resourceSchema<A extends z.ZodType>(type: string, attributes: A, withRelationships = false) {
  return z.object({
    type: z.literal(type),
    id: z.string(),
    attributes,
    ...(withRelationships ? { relationships: z.record(z.string(), Relationship) } : {}),
    links: Links,
  });
}

export function singleDocument<R extends z.ZodType>(name: string, resource: R) {
  return z.object({ data: resource, links: Links.optional() }).openapi(name);
}

export const ListLinks = z.object({ self: z.string(), next: z.string().nullable() });
export const ListMeta = z.object({ pageSize: z.number().int() });

export function listDocument<R extends z.ZodType>(name: string, resource: R) {
  return z.object({ data: z.array(resource), links: ListLinks, meta: ListMeta }).openapi(name);
}

/** The body of a creating POST: `{data:{type, attributes}}`, strict at every level. */
export function createRequest<A extends z.ZodType>(name: string, type: string, attributes: A) {
  return z
    .object({ data: z.object({ type: z.literal(type), attributes }).strict() })
    .strict()
    .openapi(name);
}

/** The body of a PUT/PATCH: `{data:{type, id, attributes}}`; the id must be the one in the path. */
export function updateRequest<A extends z.ZodType>(name: string, type: string, attributes: A) {
  return z
    .object({ data: z.object({ type: z.literal(type), id: z.string().min(1).max(200), attributes }).strict() })
    .strict()
    .openapi(name);
}

/** JSON:API: an id in the body that differs from the URL's is 409. */
export function assertSameId(bodyId: string, pathId: string): void {
  if (bodyId !== pathId) {
    throw new ApiError(409, 'id_mismatch', 'Conflict', `data.id '${bodyId}' does not match the id in the URL.`, { pointer: '/data/id' });
  }
}

// ---- cursors ----

/**
 * A keyset cursor: `<microseconds since 1970>_<id>` of the last row of a page. Its whole form is
 * a pattern in the OpenAPI document, so any cursor the document allows is one the API can use
 * (it names a point in the list, whether or not a row is there). The id part is the list's key:
 */
export const CURSOR_ID = {
  uuid: '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}',
  bigint: '[0-9]{1,18}',
  sku: '[A-Za-z0-9][A-Za-z0-9._-]{0,19}',
} as const;

/** ±10^17 µs: about 3,170 years either side of 1970, well inside PostgreSQL's timestamps. */
const CURSOR_AT = '-?[0-9]{1,17}';

/** A row's timestamp column as the cursor's microseconds (exact: extract() is numeric). */
export const cursorAtSql = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint::text`;

export function encodeCursor(value: { at: string; id: string }): string {
  return `${value.at}_${value.id}`;
}

/** A cursor page[after]'s pattern already checked. */
export function decodeCursor(cursor: string): { at: string; id: string } {
  const split = cursor.indexOf('_');
  return { at: cursor.slice(0, split), id: cursor.slice(split + 1) };
}

/** Query parameters of every list: page[size] (1..100, default 25) and page[after], a cursor over `id` keys. */
export function pageQuery(id: keyof typeof CURSOR_ID) {
  return {
    'page[size]': z.coerce.number().int().min(1).max(100).default(25).openapi({ param: { name: 'page[size]', in: 'query' }, example: 25 }),
    'page[after]': z
      .string()
      .regex(new RegExp(`^${CURSOR_AT}_${CURSOR_ID[id]}$`), 'is not a cursor this API issued; follow links.next')
      .optional()
      .openapi({ param: { name: 'page[after]', in: 'query' }, description: 'the cursor in links.next of the page before' }),
  };
}

/** Rebuilds the request URL's path and query with page[after] set, for links.next. */
export function nextLink(url: string, after: string): string {
  const u = new URL(url);
  u.searchParams.set('page[after]', after);
  return u.pathname + '?' + u.searchParams.toString().replace(/%5B/g, '[').replace(/%5D/g, ']');
}

export function selfLink(url: string): string {
  const u = new URL(url);
  const query = u.searchParams.toString().replace(/%5B/g, '[').replace(/%5D/g, ']');
  return u.pathname + (query ? '?' + query : '');
}

/** A list document for one keyset page: its resources, links.self / links.next and the page size. */
export function pageDocument<T, R>(url: string, page: { rows: T[]; next: string | null }, toResource: (row: T) => R, pageSize: number) {
  return {
    data: page.rows.map(toResource),
    links: { self: selfLink(url), next: page.next ? nextLink(url, page.next) : null },
    meta: { pageSize },
  };
}

/**
 * Keyset pagination over (timestamp column, id): one row more than the page tells whether there
 * is a next page. The cursor keeps the timestamp's microseconds as PostgreSQL has them, so none
 * are cut on the round trip (a JavaScript Date would cut them and repeat rows).
 */
export async function keysetPage<T extends object>(
  qb: SelectQueryBuilder<T>,
  keys: { at: string; id: string },
  order: 'ASC' | 'DESC',
  size: number,
  after: string | undefined,
): Promise<{ rows: T[]; next: string | null }> {
  const cursor = after === undefined ? undefined : decodeCursor(after);
  if (cursor) {
    qb.andWhere(`(${keys.at}, ${keys.id}) ${order === 'ASC' ? '>' : '<'} (${timestampFromMicrosSql(':cursorAt')}, :cursorId)`, {
      cursorAt: cursor.at,
      cursorId: cursor.id,
    });
  }
  qb.addSelect(cursorAtSql(keys.at), 'cursor_at')
    .addSelect(`${keys.id}::text`, 'cursor_id')
    .orderBy(keys.at, order)
    .addOrderBy(keys.id, order)
    .limit(size + 1);
  const { entities, raw } = await qb.getRawAndEntities<{ cursor_at: string; cursor_id: string }>();
  const rows = entities.slice(0, size);
  const last = raw[rows.length - 1];
  const next = entities.length > size && last ? encodeCursor({ at: last.cursor_at, id: last.cursor_id }) : null;
  return { rows, next };
}
