import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The promise of src/security: each folder is one layer that a reader can take alone. These
 * checks keep it from eroding: one module per folder, no reach into the app's configuration or
 * another layer's module, a test of the layer alone, and a README with the same sections.
 */

const SECURITY = __dirname;
const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');
const LAYERS = [
  'headers',
  'validation',
  'api-key',
  'jwt',
  'mfa',
  'authorization',
  'throttling',
  'audit',
  'accounts',
  'monitoring',
];
const README_SECTIONS = [
  '## At a glance',
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
  it('are exactly the listed folders', () => {
    const folders = readdirSync(SECURITY, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.sort()).toEqual([...LAYERS].sort());
  });

  describe.each(LAYERS)('%s', (layer) => {
    const folder = join(SECURITY, layer);
    const sources = sourcesOf(folder);

    it('exports one Nest module, and at most one endpoints module a host may add', () => {
      const modules = sources.filter(({ file }) => file.endsWith('.module.ts'));
      const layerModules = modules.filter(({ file }) => !file.endsWith('-endpoints.module.ts'));
      expect(layerModules).toHaveLength(1);
      expect(modules.length - layerModules.length).toBeLessThanOrEqual(1);
      for (const { text } of modules) expect(text).toMatch(/@Module\(/);
    });

    it('imports only what its allow-list permits (and never the weather domain)', () => {
      const offenders = sources.flatMap(({ file, text }) =>
        importPaths(text)
          .filter((path) => path.startsWith('.'))
          .map((path) => relative(SRC, resolve(dirname(join(folder, file)), path)))
          .filter((target) => !target.startsWith(`security/${layer}/`))
          .filter((target) => target.startsWith('weather/') || !isAllowed(layer, target))
          .map((target) => `${file}: ${target}`),
      );
      expect(offenders).toEqual([]);
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

    it('keeps its options in *.options.ts, checked at start through optionsCheck', () => {
      if (!sources.some(({ file }) => file.endsWith('.module-definition.ts'))) return;
      const options = sources.filter(({ file }) => file.endsWith('.options.ts'));
      expect(options.length).toBeGreaterThan(0);
      for (const { text } of options) expect(text).toMatch(/export function validate\w+Options/);
      // The layer's module, and an endpoints module with options of its own, check them.
      const modules = sources.filter(
        ({ file, text }) =>
          file.endsWith('.module.ts') &&
          (!file.endsWith('-endpoints.module.ts') || /ConfigurableModuleBuilder/.test(text)),
      );
      for (const { text } of modules) expect(text).toMatch(/optionsCheck\(/);
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

/**
 * What each layer may import from outside its folder (paths under src/, a trailing `/` means the
 * whole folder). Shared infrastructure (problem bodies, option checks, validation helpers) and
 * the pieces of other layers a reader expects: every layer speaks authorization's Principal and
 * policy decorators; routes declare their audit action and rate-limit flow.
 */
const SHARED = [
  'common/problem-details/',
  'common/options/',
  'common/validation/',
  'common/pagination/',
  'common/crypto/',
  'common/identity/',
  'common/http/request-info',
  'openapi/api-problems.decorator',
];
const TRANSACTIONS = ['database/transaction-context', 'database/transaction.module'];
const POLICY = [
  'security/authorization/principal',
  'security/authorization/policy.decorators',
  'security/authorization/authorization.guard',
  'security/authorization/current-principal.decorator',
  'security/authorization/ownership',
  'security/authorization/authentication-refusal',
];
const ROUTE_DECLARATIONS = [
  'security/audit/audited.decorator',
  'security/audit/fingerprint',
  'security/audit/keep-changes',
  'security/throttling/rate-limit-flow.decorator',
];
/** The two authentication layers may keep what they read per request in the host's cache. */
const PRINCIPAL_CACHE = 'common/principal-cache/principal-cache';
/** Layers that keep short-lived secrets (tokens, challenges) purge spent rows the one way. */
const ROW_PURGER = 'database/row-purger';
const ALLOW_LIST: Record<string, string[]> = {
  headers: ['common/options/'],
  validation: ['common/problem-details/'],
  authorization: [
    'common/problem-details/',
    'common/options/',
    'openapi/api-problems.decorator',
    'users/user.entity',
  ],
  throttling: [...SHARED, 'security/authorization/principal', 'users/user.entity'],
  audit: [
    ...SHARED,
    ...TRANSACTIONS,
    'database/database-lifecycle',
    'database/background-work', // the sealer's queries are marked as a job's, not a request's
    // The unsealed INSERT as a named statement; a file of its own (pg and typeorm only).
    'database/prepared-statement',
    'security/authorization/principal',
    'security/authorization/policy.decorators',
    'security/authorization/authorization.guard',
  ],
  jwt: [
    ...SHARED,
    ...TRANSACTIONS,
    ...POLICY,
    ...ROUTE_DECLARATIONS,
    'security/authorization/unauthenticated.problem',
    // Logout and change-password stay open to an account whose address is not verified yet.
    'security/accounts/allow-unverified.decorator',
    'users/',
    PRINCIPAL_CACHE,
  ],
  'api-key': [
    ...SHARED,
    ...TRANSACTIONS,
    ...POLICY,
    ...ROUTE_DECLARATIONS,
    'users/user.entity',
    PRINCIPAL_CACHE,
  ],
  // A second factor on top of the JWT layer's sessions: it starts them (TokenService) and
  // records step-ups on them, and provides the step-up policy the authorization guard applies.
  mfa: [
    ...SHARED,
    ...TRANSACTIONS,
    ...POLICY,
    ...ROUTE_DECLARATIONS,
    'security/authorization/mfa-policy',
    'security/authorization/unauthenticated.problem',
    'security/jwt/token.service',
    'security/jwt/dto/token-pair.response',
    'security/jwt/dto/request-examples',
    'users/user.entity',
    'users/password-hasher',
    'users/users.module',
    ROW_PURGER,
  ],
  accounts: [
    ...SHARED,
    ...TRANSACTIONS,
    ...POLICY,
    ...ROUTE_DECLARATIONS,
    'database/postgres-errors', // a taken address on change is a 409, as on registration
    'security/throttling/too-many-requests.problem', // the one 429 body of the app
    'users/',
    ROW_PURGER,
  ],
  // Monitoring reads what others announce: error responses, audit records (their type only),
  // the caller on the request; its alert list reads the audit table, admins only.
  monitoring: [
    ...SHARED,
    'security/audit/audit-event',
    'security/audit/audit-log.entity',
    'security/audit/audit-log.page',
    'security/authorization/principal',
    'security/authorization/policy.decorators',
    'security/authorization/authorization.guard',
  ],
};

function isAllowed(layer: string, target: string): boolean {
  return ALLOW_LIST[layer].some((allowed) =>
    allowed.endsWith('/') ? target.startsWith(allowed) : target === allowed,
  );
}
