import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The promise of src/security: each folder is one layer that a reader can take alone. These
 * checks keep it from eroding: one module per folder, no reach into the app's configuration or
 * another layer's module, a test of the layer alone, and a README with the same sections.
 */

const SECURITY = __dirname;
const ROOT = join(__dirname, '..', '..');
const LAYERS = ['headers', 'validation', 'api-key', 'jwt', 'authorization', 'throttling', 'audit'];
const README_SECTIONS = [
  '## Threat',
  '## How a request flows through it',
  '## Use it in another Nest app',
  '## Settings',
  '## Curl session',
  '## Tests',
  '## Known limits',
];

function sourcesOf(folder: string): Array<{ file: string; text: string }> {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => ({ file, text: readFileSync(join(folder, file), 'utf8') }));
}

describe('security layers', () => {
  it('are exactly the seven folders', () => {
    const folders = readdirSync(SECURITY, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.sort()).toEqual([...LAYERS].sort());
  });

  describe.each(LAYERS)('%s', (layer) => {
    const folder = join(SECURITY, layer);
    const sources = sourcesOf(folder);

    it('exports exactly one Nest module', () => {
      const modules = sources.filter(({ file }) => file.endsWith('.module.ts'));
      expect(modules).toHaveLength(1);
      expect(modules[0].text).toMatch(/@Module\(/);
    });

    it("reads its settings from its own options, never the app's configuration", () => {
      const offenders = sources
        .filter(({ text }) => /\bAPP_CONFIG\b|import \{[^}]*\bAppConfig\b/.test(text))
        .map(({ file }) => file);
      expect(offenders).toEqual([]);
      // Not even a type: the layer owns its options' types, the app's config imports them.
      const configImports = sources.flatMap(({ file, text }) =>
        importPaths(text)
          .filter((path) => path.includes('/config/'))
          .map((path) => `${file}: ${path}`),
      );
      expect(configImports).toEqual([]);
    });

    it("imports no other module of the app: neither another layer's module nor app.module", () => {
      const offenders = sources.flatMap(({ file, text }) =>
        importPaths(text)
          .filter((path) => /\.module$/.test(path) && !isAllowedModule(path))
          .map((path) => `${file}: ${path}`),
      );
      expect(offenders).toEqual([]);
    });

    it('has a test of the layer alone', () => {
      expect(existsSync(join(ROOT, 'test', 'layers', `${layer}.e2e-spec.ts`))).toBe(true);
    });

    it('has a README with the same sections, in order', () => {
      const headings = readFileSync(join(folder, 'README.md'), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('## '));
      expect(headings).toEqual(README_SECTIONS);
    });
  });
});

/** Every module path a source imports: `from '...'`, `import '...'` and `import('...')`. */
function importPaths(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map(
    (match) => match[1],
  );
}

/** Its own module, and the small shared infrastructure modules a layer may import itself. */
function isAllowedModule(path: string): boolean {
  return (
    path.startsWith('./') ||
    path.endsWith('/database/transaction.module') ||
    path.endsWith('/problem-details/error-response-events.module') ||
    path.endsWith('/users/users.module')
  );
}
