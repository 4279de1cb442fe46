/**
 * The JSON body parser of the Fastify adapter, written to answer exactly as Express's
 * (body-parser `json({ strict: true })`): an empty body is no body, only an object or an array
 * is accepted at the top, and a failure is an http-errors-like `entity.parse.failed` 400, which
 * the problem-details filter words the same way on both adapters.
 */
export class JsonBodyError extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly type = 'entity.parse.failed';
  readonly expose = true;

  constructor() {
    super('The request body is not valid JSON.');
  }
}

/** The first character after JSON's own whitespace (RFC 8259: space, tab, LF, CR). */
const FIRST_NON_SPACE = /^[ \t\n\r]*(.)/;

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  const first = FIRST_NON_SPACE.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new JsonBodyError();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JsonBodyError();
  }
}
