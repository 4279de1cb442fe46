import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The operator's key tools as an operator runs them (the built CLI, a database on disk), and
 * the development first start: a key-encryption key made once, owner-only, so the ring, and
 * tokens, survive a restart.
 */
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'bootstrap', 'signing-keys.cli.js');

let dir: string;
let env: Record<string, string>;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\``);
  dir = mkdtempSync(join(tmpdir(), 'keys-cli-'));
  env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    PGLITE_DATA_DIR: join(dir, 'pglite'),
    JWT_KEY_ENCRYPTION_KEY_FILE: join(dir, 'kek'),
    JWT_JWKS_MAX_AGE_SECONDS: '0',
    SEED_DEMO_DATA: 'false',
    LOG_LEVEL: 'silent',
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<Array<{ kid: string; state: string }>> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], { env });
  expect(stdout).not.toMatch(/PRIVATE|"d"/);
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.split(/\s+/))
    .map(([kid, , state]) => ({ kid, state }));
}

describe('signing-key CLI (e2e)', () => {
  it('development makes the ring and an owner-only key-encryption key once; a restart reads the same ring', async () => {
    const first = await cli('status');
    expect(first.map((k) => k.state).sort()).toEqual(['current', 'next']);
    expect(statSync(join(dir, 'kek')).mode & 0o777).toBe(0o600);
    expect(await cli('status')).toEqual(first); // same keys: they decrypt after a restart
  }, 60_000);

  it('rotate moves next -> current -> retired; revoke takes a key out at once', async () => {
    const before = await cli('status');
    const next = before.find((k) => k.state === 'next')!.kid;
    const current = before.find((k) => k.state === 'current')!.kid;
    const after = await cli('rotate');
    expect(after).toEqual(
      expect.arrayContaining([
        { kid: current, state: 'retired' },
        { kid: next, state: 'current' },
      ]),
    );
    expect(after.filter((k) => k.state === 'next')).toHaveLength(1);
    const revoked = await cli('revoke', next);
    expect(revoked).toEqual(expect.arrayContaining([{ kid: next, state: 'revoked' }]));
    expect(revoked.filter((k) => k.state === 'current')).toHaveLength(1);
  }, 90_000);
});
