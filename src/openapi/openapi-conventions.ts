import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../common/problem-details/problem-details';
import { RATE_LIMIT_HEADERS } from '../security/throttling/throttler-names';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

type Operation = {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<
    string,
    { description?: string; headers?: Record<string, unknown>; content?: unknown }
  >;
};

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/**
 * What is true of every route and is easier to state once than to decorate 30 times: each may
 * answer 413 and 415 (the body gate runs before routing, whatever the route takes) and 429 (the
 * per-IP limit runs before anything else); responses carry the rate-limit headers of every limit
 * that counted them (per IP always, per identity when a credential is required, and the named
 * limit of a sensitive flow, from `flows`: operationId -> limit name); a route without a
 * security requirement says so explicitly (`security: []`).
 */
export function applyApiConventions(
  document: OpenAPIObject,
  flows: ReadonlyMap<string, string> = new Map(),
): OpenAPIObject {
  document.components ??= {};
  document.components.headers = {
    ...document.components.headers,
    'Retry-After': {
      description: 'Seconds until the limit resets',
      schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86400 },
    },
    ...rateLimitHeaderComponents(),
    'X-Request-Id': {
      description:
        'The server’s id for this request (always its own; a client’s X-Request-Id is logged beside it)',
      schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$', maxLength: 64 },
    },
    traceresponse: {
      description:
        'W3C Trace Context (Level 2 draft): 00-<trace-id>-<span-id>-<flags>, this request’s span in the trace a trusted proxy’s traceparent named, or in a new one',
      schema: {
        type: 'string',
        pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        maxLength: 55,
      },
    },
    'Access-Control-Allow-Origin': {
      description:
        'Only for browser requests from an origin listed in CORS_ORIGINS (none by default); never *',
      schema: { type: 'string', format: 'uri', maxLength: 2048 },
    },
  };
  boundFormattedStrings(document);
  for (const pathItem of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = (pathItem as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      operation.security ??= [];
      for (const status of ['413', '415'] as const) {
        operation.responses[status] ??= problemResponse(BODY_GATE[status]);
      }
      const limits = [
        'ip',
        ...(operation.security.length > 0 ? ['identity'] : []),
        ...(flows.has(operation.operationId ?? '')
          ? [flows.get(operation.operationId ?? '')!]
          : []),
      ];
      for (const [status, response] of Object.entries(operation.responses)) {
        response.headers = {
          ...response.headers,
          'X-Request-Id': headerRef('X-Request-Id'),
          traceresponse: headerRef('traceresponse'),
          'Access-Control-Allow-Origin': headerRef('Access-Control-Allow-Origin'),
        };
        // Middleware answers 413 and 415 before the per-IP limiter runs.
        if (
          (status.startsWith('2') || status.startsWith('4')) &&
          status !== '413' &&
          status !== '415'
        ) {
          response.headers = { ...response.headers, ...rateLimitHeaderRefs(limits) };
        }
      }
      operation.responses['429'] ??= problemResponse('Rate limit exceeded');
      // A route that declares its own 429 (login) still documents when to retry.
      operation.responses['429'].headers = {
        'Retry-After': headerRef('Retry-After'),
        ...rateLimitHeaderRefs(limits),
        'Access-Control-Allow-Origin': headerRef('Access-Control-Allow-Origin'),
        ...operation.responses['429'].headers,
      };
      // `:id` path parameters go through UuidParam().
      for (const parameter of (
        operation as {
          parameters?: Array<{ in?: string; name?: string; schema?: Record<string, unknown> }>;
        }
      ).parameters ?? []) {
        if (parameter.in === 'path' && parameter.name === 'id') {
          parameter.schema = { type: 'string', format: 'uuid', maxLength: 36 };
        }
      }
    }
  }
  return document;
}

const BODY_GATE = {
  '413': 'Body larger than 100 kB (any route: checked before routing)',
  '415': 'A body that is not application/json in UTF-8 (any route: checked before routing)',
} as const;

function problemResponse(description: string): Operation['responses'][string] {
  return {
    description,
    headers: {
      'X-Request-Id': headerRef('X-Request-Id'),
      traceresponse: headerRef('traceresponse'),
    },
    content: {
      [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetails' } },
    },
  };
}

const RATE_LIMIT_PARTS: Record<string, { description: string; minimum: number; maximum: number }> =
  {
    Limit: { description: 'Requests allowed per window', minimum: 1, maximum: 1000000 },
    Remaining: { description: 'Requests left in the current window', minimum: 0, maximum: 1000000 },
    Reset: { description: 'Seconds until the window resets', minimum: 0, maximum: 86400 },
  };

/** `X-RateLimit-<Limit|Remaining|Reset>-<limit name>` for every named limit the app has. */
function rateLimitHeaderComponents(): Record<string, unknown> {
  return Object.fromEntries(
    RATE_LIMIT_HEADERS.map((name) => {
      const [, part, limit] = /^X-RateLimit-(\w+)-(.+)$/.exec(name) ?? [];
      const { description, minimum, maximum } = RATE_LIMIT_PARTS[part];
      return [
        name,
        {
          description: `${description} (limit "${limit}")`,
          schema: { type: 'integer', format: 'int32', minimum, maximum },
        },
      ];
    }),
  );
}

function rateLimitHeaderRefs(limits: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    limits.flatMap((limit) =>
      Object.keys(RATE_LIMIT_PARTS).map((part) => {
        const name = `X-RateLimit-${part}-${limit}`;
        return [name, headerRef(name)];
      }),
    ),
  );
}

/** The longest valid value of each string format the API uses. */
const FORMAT_MAX_LENGTH: Record<string, number> = {
  uuid: 36,
  'date-time': 35, // 2026-11-23T10:00:00.000000+05:45
  date: 10,
  email: 254,
  uri: 2048,
};

/**
 * Strings with a format have a natural maximum length; stating it lets clients and scanners
 * see the bound the validators already enforce (OWASP API4: every string is bounded).
 */
function boundFormattedStrings(document: OpenAPIObject): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const schema = node as Record<string, unknown>;
    const max = typeof schema.format === 'string' ? FORMAT_MAX_LENGTH[schema.format] : undefined;
    if (schema.type === 'string' && max !== undefined && schema.maxLength === undefined) {
      schema.maxLength = max;
    }
    Object.values(schema).forEach(visit);
  };
  visit(document.components?.schemas);
  visit(document.paths);
}
