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
 * Ways code makes an outbound network call. `node:http` is allowed only for the names the app
 * takes from it (status texts and the request type), never for `request`/`get`/`Agent`.
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
  { name: 'node:https, net, tls or dgram', pattern: /['"](node:)?(https|net|tls|dgram)['"]/ },
  { name: 'a DNS lookup', pattern: /['"](node:)?dns(\/promises)?['"]/ },
  { name: 'a child process', pattern: /['"](node:)?child_process['"]/ },
];

/** What `src/` imports from `node:http`: only these names are allowed (no client API). */
export const ALLOWED_HTTP_IMPORTS = ['IncomingMessage', 'STATUS_CODES', 'Server', 'ServerResponse'];

export function importsFromNodeHttp(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(
    /import\s+(?:type\s+)?{([^}]*)}\s+from\s+['"](node:)?http['"]/g,
  )) {
    names.push(
      ...match[1]
        .split(',')
        .map((name) => name.replace(/^\s*type\s+/, '').trim())
        .filter(Boolean),
    );
  }
  if (/import\s+\*\s+as\s+\w+\s+from\s+['"](node:)?http['"]/.test(text)) names.push('*');
  if (/import\s+\w+\s+from\s+['"](node:)?http['"]/.test(text)) names.push('default');
  return names;
}
