import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { getStorePaths, writeFileAtomicSync } from '../config/store-file.js';

export type ApiToken = { token: string; source: 'env' | 'file' | 'generated'; path: string | null };

/**
 * The server's token: `LOADSTRAT_API_TOKEN`, else the one stored beside the store (kept across restarts so
 * clients keep working), else a new one written there readable by its owner only.
 */
export function ensureApiToken(storePath: string, envToken: string | undefined): ApiToken {
  if (envToken !== undefined && envToken !== '') return { token: envToken, source: 'env', path: null };
  const path = getStorePaths(storePath).token;
  try {
    const token = readFileSync(path, 'utf8').trim();
    if (token !== '') {
      chmodSync(path, 0o600);
      return { token, source: 'file', path };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileAtomicSync(path, `${token}\n`, 0o600);
  chmodSync(path, 0o600);
  return { token, source: 'generated', path };
}

/** The token a client on this machine finds beside the store, if the server made one. */
export function readStoredToken(storePath: string): string | undefined {
  try {
    return readFileSync(getStorePaths(storePath).token, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Compares in constant time for a given length (only the token's length can leak, and a generated token's
 * length is public anyway). Hashing both sides would hide it too but cost more than the rest of a
 * `performance/record` request.
 */
export function createTokenCheck(token: string): (header: string | undefined) => boolean {
  const expected = Buffer.from(token);
  return (header) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
    const given = Buffer.from(match?.[1] ?? '');
    if (given.length !== expected.length) {
      timingSafeEqual(expected, expected);
      return false;
    }
    return timingSafeEqual(given, expected);
  };
}
