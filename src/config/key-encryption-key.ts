import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EnvReader } from './env-parsers';

const KEK_BYTES = 32;
/**
 * One per process and per variable, not per configuration: two app instances in one test
 * process share a ring (and read each other's MFA secrets), and no two purposes share a key.
 */
const PROCESS_KEYS = new Map<string, Buffer>();
function processKey(name: string): Buffer {
  let key = PROCESS_KEYS.get(name);
  if (!key) PROCESS_KEYS.set(name, (key = randomBytes(KEK_BYTES)));
  return key;
}

/**
 * Where a development machine keeps its generated key: beside the database whose secrets it
 * encrypts (`./data/pglite` -> `./data/pglite.jwt-key-encryption.key`), or in ./data for a
 * server database; undefined for an in-memory database, which a restart loses anyway.
 */
export function devKeyFile(
  database: { url?: string; pgliteDataDir: string },
  purpose = 'jwt-key-encryption',
): string | undefined {
  if (database.url) return `./data/${purpose}.key`;
  if (database.pgliteDataDir.startsWith('memory://')) return undefined;
  return `${database.pgliteDataDir.replace(/\/+$/, '')}.${purpose}.key`;
}

export interface KeyEncryptionKeySetting {
  key: Buffer;
  /** Where it came from, for the first-start notice; never the key itself. */
  source: 'env' | 'file' | 'generated-file' | 'random-per-process';
}

/**
 * The key that encrypts the JWT signing keys at rest. Production: JWT_KEY_ENCRYPTION_KEY
 * (base64 of 32 random bytes) or JWT_KEY_ENCRYPTION_KEY_FILE, or no start. Development: a key
 * made on the first start and kept in the data directory (mode 0600), so the signing keys in
 * the database, and tokens, survive a restart (see devKeyFile). Test: random per process,
 * or beside an embedded database kept on disk.
 */
export function loadKeyEncryptionKey(
  r: EnvReader,
  nodeEnv: 'development' | 'test' | 'production',
  devFile: string | undefined,
): KeyEncryptionKeySetting {
  return loadSecretKey(r, nodeEnv, devFile, 'JWT_KEY_ENCRYPTION_KEY');
}

/**
 * The same rules for any 32-byte AES key read from `name` or `${name}_FILE` (the MFA secrets'
 * MFA_ENCRYPTION_KEY too): required in production, generated and kept beside the database in
 * development, random per process in tests.
 */
export function loadSecretKey(
  r: EnvReader,
  nodeEnv: 'development' | 'test' | 'production',
  devFile: string | undefined,
  name: string,
): KeyEncryptionKeySetting {
  const fileName = `${name}_FILE`;
  const fallback = { key: processKey(name), source: 'random-per-process' as const };
  const text = r.raw(name);
  const file = r.raw(fileName);
  if (text !== undefined && file !== undefined) {
    r.fail(name, `and ${fileName} are exclusive: set one`);
    return fallback;
  }
  if (text !== undefined) return decode(r, name, text, 'env') ?? fallback;
  if (file !== undefined && (nodeEnv !== 'development' || existsSync(file))) {
    return readKeyFile(r, fileName, file, 'file') ?? fallback;
  }
  if (nodeEnv === 'production') {
    r.fail(name, `is required in production (or ${fileName}): try openssl rand -base64 32`);
    return fallback;
  }
  // Tests: random per process, except beside an embedded database on disk (a temporary
  // directory), which a test restarts on; never ./data in the working tree.
  const testFileOk = devFile !== undefined && !devFile.startsWith('./data/');
  if ((devFile === undefined || (nodeEnv === 'test' && !testFileOk)) && file === undefined) {
    return fallback;
  }
  // Development (or a test that asks for it): made once, owner-only, then reused.
  const path = file ?? devFile!;
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      // wx: never overwrite a key another process just wrote (then that one is read below).
      writeFileSync(path, `${randomBytes(KEK_BYTES).toString('base64')}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readKeyFile(r, fileName, path, 'generated-file') ?? fallback;
}

function readKeyFile(
  r: EnvReader,
  name: string,
  path: string,
  source: 'file' | 'generated-file',
): KeyEncryptionKeySetting | undefined {
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return decode(r, name, readFileSync(path, 'utf8').trim(), source);
  } catch (error) {
    r.fail(name, `cannot be read (${(error as Error).message})`);
    return undefined;
  }
}

function decode(
  r: EnvReader,
  name: string,
  text: string,
  source: KeyEncryptionKeySetting['source'],
): KeyEncryptionKeySetting | undefined {
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEK_BYTES || new Set(key).size < 16) {
    r.fail(name, 'must be the base64 of exactly 32 random bytes (openssl rand -base64 32)');
    return undefined;
  }
  return { key, source };
}
