import request from 'supertest';
import type { TestApp } from './test-app';

/** The OpenAPI document the running app serves at /docs-json, and ways to walk it. */

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

export interface OpenApiSchema {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  required?: string[];
  nullable?: boolean;
}

export interface OpenApiResponse {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: OpenApiSchema }>;
}

export interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema?: OpenApiSchema }>;
  requestBody?: {
    content?: Record<
      string,
      { schema?: OpenApiSchema; examples?: Record<string, { value: unknown }> }
    >;
  };
  responses: Record<string, OpenApiResponse>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas?: Record<string, OpenApiSchema>;
    headers?: Record<string, unknown>;
    securitySchemes?: Record<string, unknown>;
  };
}

export async function openApiDocument(t: TestApp): Promise<OpenApiDocument> {
  const res = await request(t.server).get('/docs-json');
  if (res.status !== 200) throw new Error(`/docs-json: ${res.status}`);
  return res.body as OpenApiDocument;
}

/** Every operation of the document: `GET /v1/stations/{id}` with its operation object. */
export function documentedOperations(
  doc: OpenApiDocument,
): Array<{ name: string; method: string; path: string; operation: OpenApiOperation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operation,
      })),
  );
}

/** Follows `#/components/schemas/X` references. */
export function resolveSchema(doc: OpenApiDocument, schema: OpenApiSchema): OpenApiSchema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined && hops < 10; hops += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas?.[name];
    if (!target) throw new Error(`unresolved schema reference ${current.$ref}`);
    current = target;
  }
  return current;
}

/**
 * The paths (`data.0.email`) of every property in `value` that its documented schema does not
 * declare: a response that carries more than its contract is how hashes and internals leak.
 */
export function undocumentedProperties(
  doc: OpenApiDocument,
  schema: OpenApiSchema,
  value: unknown,
  path = '',
): string[] {
  const resolved = resolveSchema(doc, schema);
  const parts = [...(resolved.allOf ?? []), ...(resolved.oneOf ?? []), ...(resolved.anyOf ?? [])];
  if (parts.length > 0 && resolved.properties === undefined) {
    // Allowed when at least one alternative declares everything.
    const findings = parts.map((part) => undocumentedProperties(doc, part, value, path));
    return findings.reduce((best, next) => (next.length < best.length ? next : best));
  }
  if (Array.isArray(value)) {
    const items = resolved.items;
    if (!items) return [];
    return value.flatMap((item, index) =>
      undocumentedProperties(doc, items, item, `${path}${path ? '.' : ''}${index}`),
    );
  }
  if (value === null || typeof value !== 'object') return [];
  // A free-form object (`type: object` without properties, like audit details) is declared as such.
  if (resolved.properties === undefined) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const childPath = `${path}${path ? '.' : ''}${key}`;
    const childSchema = resolved.properties?.[key];
    return childSchema ? undocumentedProperties(doc, childSchema, child, childPath) : [childPath];
  });
}

/** `/v1/stations/:id` -> `/v1/stations/{id}` */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}
