// Checks API responses against the API's own OpenAPI 3.1 document: finds the operation for the
// request's method and path, takes the response schema for the status (or `default`), and
// checks the body with a small JSON Schema checker covering what zod-to-openapi emits.

type Schema = Record<string, unknown>;
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, Schema> };
}
export interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}

export class OpenApiValidator {
  private readonly routes: { template: string; pattern: RegExp; methods: Record<string, Operation> }[];

  constructor(readonly doc: OpenApiDocument) {
    this.routes = Object.entries(doc.paths).map(([template, methods]) => ({
      template,
      methods,
      pattern: new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
    }));
  }

  /** The operation a request reaches, if the document has one. */
  operationFor(method: string, path: string): { template: string; operation: Operation } | undefined {
    const route = this.routes.find((r) => r.pattern.test(path));
    const operation = route?.methods[method.toLowerCase()];
    return route && operation ? { template: route.template, operation } : undefined;
  }

  /** Problems of one response (empty when it matches the document). */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): string[] {
    const found = this.operationFor(method, path);
    if (!found) {
      // Unknown path or method (404, 405) or a middleware answer: the shared error document.
      if (status >= 400) return this.validate(body, { $ref: '#/components/schemas/ErrorDocument' }, '');
      return [`${method} ${path} is not in the OpenAPI document but answered ${status}`];
    }
    const response = found.operation.responses[String(status)] ?? found.operation.responses.default;
    if (!response) return [`${method} ${found.template} does not document status ${status}`];
    if (!response.content) return body === undefined || body === '' ? [] : [`${method} ${found.template} ${status} documents no body`];
    const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
    const media = response.content[mediaType];
    if (!media) return [`${method} ${found.template} ${status} documents ${Object.keys(response.content).join(', ')}, got ${mediaType || 'no content type'}`];
    if (mediaType === 'text/event-stream') return [];
    return this.validate(body, media.schema, '');
  }

  validate(value: unknown, schema: Schema | boolean | undefined, at: string): string[] {
    if (schema === undefined || schema === true) return [];
    if (schema === false) return [`${at || '/'}: no value allowed`];
    if (typeof schema.$ref === 'string') return this.validate(value, this.resolve(schema.$ref), at);
    const problems: string[] = [];
    const where = at || '/';

    if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) problems.push(...this.validate(value, s, at));
    if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((s) => this.validate(value, s, at).length === 0)) {
      problems.push(`${where}: matches none of anyOf`);
    }
    if (Array.isArray(schema.oneOf) && (schema.oneOf as Schema[]).filter((s) => this.validate(value, s, at).length === 0).length !== 1) {
      problems.push(`${where}: must match exactly one of oneOf`);
    }
    if ('const' in schema && value !== schema.const) problems.push(`${where}: must be ${JSON.stringify(schema.const)}`);
    if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).includes(value)) problems.push(`${where}: ${JSON.stringify(value)} not in enum`);

    const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const nullable = schema.nullable === true;
    if (types && !(value === null && nullable) && !types.some((t) => typeMatches(value, t))) {
      problems.push(`${where}: expected ${types.join('|')}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`);
      return problems;
    }

    if (typeof value === 'string') {
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${where}: shorter than ${schema.minLength}`);
      if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${where}: longer than ${schema.maxLength}`);
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${where}: does not match ${schema.pattern}`);
    }
    if (typeof value === 'number') {
      if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${where}: below ${schema.minimum}`);
      if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${where}: above ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${where}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${where}: more than ${schema.maxItems} items`);
      if (schema.items) value.forEach((item, i) => problems.push(...this.validate(item, schema.items as Schema, `${at}/${i}`)));
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const object = value as Record<string, unknown>;
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      for (const name of (schema.required ?? []) as string[]) if (!(name in object)) problems.push(`${at}/${name}: required`);
      for (const [name, v] of Object.entries(object)) {
        if (name in properties) problems.push(...this.validate(v, properties[name], `${at}/${name}`));
        else if (schema.additionalProperties === false) problems.push(`${at}/${name}: not allowed`);
        else if (typeof schema.additionalProperties === 'object') problems.push(...this.validate(v, schema.additionalProperties as Schema, `${at}/${name}`));
      }
    }
    return problems;
  }

  private resolve(ref: string): Schema {
    const name = ref.replace('#/components/schemas/', '');
    const schema = this.doc.components?.schemas?.[name];
    if (!schema) throw new Error(`unresolvable $ref ${ref}`);
    return schema;
  }
}

function typeMatches(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return true;
  }
}
