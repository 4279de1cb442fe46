import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The app's own source, read as text: what it imports, and whether it can call out. */

export const REPO_ROOT = join(__dirname, '..', '..');
export const SRC_DIR = join(REPO_ROOT, 'src');

/** Every non-test TypeScript file under src/, with its path relative to the repository. */
export function sourceFiles(dir = SRC_DIR): Array<{ path: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    if (!name.endsWith('.ts') || name.endsWith('.spec.ts')) return [];
    return [{ path: relative(REPO_ROOT, full), text: readFileSync(full, 'utf8') }];
  });
}

/**
 * Ways code makes an outbound network call. `node:http` and `node:net` are checked by what is
 * imported from them (ALLOWED_NODE_IMPORTS), the rest of a family by its mere presence.
 */
export const OUTBOUND_CLIENT_PATTERNS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'fetch()', pattern: /\bfetch\s*\(/ },
  { name: 'XMLHttpRequest / WebSocket', pattern: /\b(XMLHttpRequest|WebSocket|EventSource)\b/ },
  {
    name: 'an HTTP client library',
    pattern:
      /(from|require\()\s*['"](axios|got|node-fetch|undici|superagent|needle|request|ky|cross-fetch|isomorphic-fetch|@nestjs\/axios)['"]/,
  },
  {
    name: 'http(s).request / get / Agent',
    pattern:
      /\bhttps?\.(request|get|Agent)\b|\b(request|get|Agent)\s*}\s*from\s*['"](node:)?https?['"]/,
  },
  { name: 'node:https, tls or dgram', pattern: /['"](node:)?(https|tls|dgram)['"]/ },
  { name: 'require() of node:http or node:net', pattern: /require\(\s*['"](node:)?(http|net)['"]/ },
  { name: 'a DNS lookup', pattern: /['"](node:)?dns(\/promises)?['"]/ },
  { name: 'a child process', pattern: /['"](node:)?child_process['"]/ },
];

/**
 * What `src/` may import from `node:http` and `node:net`: types, status texts, address checks
 * (trusted proxies, METRICS_HOST) and a listener of its own (`createServer`: the metrics port,
 * inbound). Never a client API: `request`, `get`, `Agent`, `connect`, `createConnection`, `Socket`.
 */
export const ALLOWED_NODE_IMPORTS: Record<'http' | 'net', readonly string[]> = {
  http: ['IncomingMessage', 'STATUS_CODES', 'Server', 'ServerResponse', 'createServer'],
  net: ['AddressInfo', 'BlockList', 'isIP', 'isIPv4', 'isIPv6'],
};

/** The names a file imports from `node:<module>` (`*` and `default` for whole-module imports). */
export function importsFromNode(module: 'http' | 'net', text: string): string[] {
  const from = `from\\s+['"](?:node:)?${module}['"]`;
  const names: string[] = [];
  for (const match of text.matchAll(
    new RegExp(`import\\s+(?:type\\s+)?{([^}]*)}\\s+${from}`, 'g'),
  )) {
    names.push(
      ...match[1]
        .split(',')
        .map((name) => name.replace(/^\s*type\s+/, '').trim())
        .filter(Boolean),
    );
  }
  if (new RegExp(`import\\s+\\*\\s+as\\s+\\w+\\s+${from}`).test(text)) names.push('*');
  if (new RegExp(`import\\s+\\w+\\s+${from}`).test(text)) names.push('default');
  return names;
}

/** Every way a source file could call out: a pattern it matches, or a name it may not import. */
export function outboundFindings(files: Array<{ path: string; text: string }>): string[] {
  return files.flatMap(({ path, text }) => [
    ...OUTBOUND_CLIENT_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(
      ({ name }) => `${path}: ${name}`,
    ),
    ...(['http', 'net'] as const).flatMap((module) =>
      importsFromNode(module, text)
        .filter((name) => !ALLOWED_NODE_IMPORTS[module].includes(name))
        .map((name) => `${path}: imports ${name} from node:${module}`),
    ),
  ]);
}
