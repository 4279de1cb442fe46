import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minVersion, satisfies } from 'semver';

/**
 * The promise "no EBADENGINE on the Node version we declare" as a test: every package in the lock
 * file (direct or not) must accept the lowest Node the project declares, and the Dockerfile must
 * build on a version the project declares. A dependency bump that needs a newer Node fails here,
 * not on a user's `npm install`.
 */
const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe('declared Node engines', () => {
  const lowest = minVersion(pkg.engines.node)?.version ?? '';

  it('declares a lower bound', () => {
    expect(lowest).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('every locked package accepts the lowest declared Node', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        if (!range || satisfies(lowest, range, { includePrerelease: true })) return [];
        return [`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range}`];
      });
    expect(refusing).toEqual([]);
  });

  it('the Dockerfile builds on a declared major', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const major = /^ARG NODE_VERSION=(\d+)\s*$/m.exec(dockerfile)?.[1];
    expect(major).toBeDefined();
    // The image's Node is the newest of that major, which must satisfy the declared range.
    expect(satisfies(`${major}.99.0`, pkg.engines.node)).toBe(true);
    expect(Number(major)).toBe(Number(lowest.split('.')[0]));
  });
});
